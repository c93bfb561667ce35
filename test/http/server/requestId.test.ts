/**
 * Request ids (src/http/server/requestId.ts): unique within a process, one random prefix per
 * process (so two gateways' logs and audit events do not share ids), and short.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nextRequestId } from '../../../src/http/server/requestId.js';

const MODULE = fileURLToPath(new URL('../../../src/http/server/requestId.js', import.meta.url));
const prefixOf = (id: string): string => id.slice(0, id.lastIndexOf('-'));

describe('request ids', () => {
  it('100,000 ids in a row are distinct, share one prefix and stay short', () => {
    const ids = Array.from({ length: 100_000 }, () => nextRequestId());
    assert.equal(new Set(ids).size, ids.length);
    const prefix = prefixOf(ids[0] ?? '');
    assert.match(prefix, /^[0-9a-z]{1,13}$/);
    assert.ok(ids.every((id) => prefixOf(id) === prefix));
    assert.ok(ids.every((id) => id.length <= 24), 'short enough for every log line');
  });

  it('another process draws another prefix', () => {
    const script = `import(${JSON.stringify(MODULE)}).then((m) => console.log(m.nextRequestId()))`;
    const other = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
    assert.notEqual(prefixOf(other), prefixOf(nextRequestId()));
    assert.match(other, /^[0-9a-z]+-1$/, 'the counter starts at 1 in a new process');
  });
});
