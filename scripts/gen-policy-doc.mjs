#!/usr/bin/env node
// Regenerates the generated sections of docs/policy.md (the settings reference and the
// policy decision table) from the compiled sources: run `npx tsc -p tsconfig.json` first.
//   node scripts/gen-policy-doc.mjs          rewrite docs/policy.md
//   node scripts/gen-policy-doc.mjs --check  exit 1 when docs/policy.md is stale
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const renderer = new URL('../dist/test/policy/policyDoc.js', import.meta.url);
const doc = new URL('../docs/policy.md', import.meta.url);

if (!existsSync(fileURLToPath(renderer))) {
  console.error('gen-policy-doc: dist/test/policy/policyDoc.js is missing; build first (npx tsc -p tsconfig.json)');
  process.exit(2);
}
const { updatePolicyDoc } = await import(renderer.href);
const before = readFileSync(doc, 'utf8');
const after = updatePolicyDoc(before);

if (process.argv.includes('--check')) {
  if (before !== after) {
    console.error('docs/policy.md is stale: run node scripts/gen-policy-doc.mjs');
    process.exit(1);
  }
  console.log('docs/policy.md is up to date');
} else if (before === after) {
  console.log('docs/policy.md is up to date');
} else {
  writeFileSync(doc, after);
  console.log('docs/policy.md regenerated');
}
