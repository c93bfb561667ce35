/** docs/policy.md must show the current settings and decision table: regenerate with `node scripts/gen-policy-doc.mjs`. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SECTIONS, startMarker, endMarker, updatePolicyDoc } from './policyDoc.js';

// This file runs as dist/test/policy/policyDoc.test.js; the repository root is three levels up.
const DOC = new URL('../../../docs/policy.md', import.meta.url);

describe('docs/policy.md', () => {
  const md = readFileSync(DOC, 'utf8');

  it('has every generated section', () => {
    for (const s of SECTIONS) {
      assert.ok(md.includes(startMarker(s)), `start marker of ${s}`);
      assert.ok(md.includes(endMarker(s)), `end marker of ${s}`);
    }
  });

  it('is up to date with src/policy/settings.ts and test/policy/decisionTable.ts', () => {
    assert.ok(updatePolicyDoc(md) === md, 'docs/policy.md is stale: run `npx tsc -p tsconfig.json && node scripts/gen-policy-doc.mjs`');
  });

  it('fails loudly when a marker is missing', () => {
    assert.throws(() => updatePolicyDoc('# no markers\n'), /has no settings markers/);
  });
});
