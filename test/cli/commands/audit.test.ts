/** `ntlmgate audit` end to end through the built CLI: import, report, what-if (exit 3 / 0), exceptions, export. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { toJsonLine } from '../../../src/audit/formats/index.js';
import { FIXTURE } from '../../audit/assess/fixture.js';
import { parseSince } from '../../../src/cli/commands/audit.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
let dir = '';
let store = '';

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ntlmgate audit', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ntlmgate-audit-cli-'));
    store = `sqlite:${join(dir, 'audit.db')}`;
    writeFileSync(join(dir, 'events.jsonl'), FIXTURE.map((e) => toJsonLine(e)).join('\n') + '\n');
    writeFileSync(join(dir, 'proposed.yaml'), 'RestrictNTLMInDomain: Deny all\nDCAllowedNTLMServers:\n  - FS1\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('imports events into the store', () => {
    const r = run('audit', 'import', '--store', store, 'events.jsonl');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`imported ${FIXTURE.length} events \\(jsonl\\)`));
  });

  it('reports usage by server as JSON', () => {
    const r = run('audit', 'report', '--store', store, '--by', 'server', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as { store: string; attempts: number; rows: { key: string; attempts: number; succeeded: number }[] };
    assert.equal(rep.store, store);
    assert.equal(rep.attempts, 10, '8004 + 4032 of one logon are one attempt');
    assert.deepEqual(rep.rows.slice(0, 2).map((x) => [x.key, x.attempts, x.succeeded]), [['WEB1', 5, 4], ['WEB2', 2, 2]]);
  });

  it('what-if exits 3 and names the logons a proposal would block', () => {
    const r = run('audit', 'what-if', '--store', store, '--policy', 'proposed.yaml');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /this domain: CORP/);
    assert.match(r.stdout, /Would BLOCK 7 logon attempts in 4 groups/);
    for (const who of ['CORP\\\\alice', 'CORP\\\\bob', 'CORP\\\\dave', 'FABRIKAM\\\\eve']) assert.match(r.stdout, new RegExp(who));
    assert.doesNotMatch(r.stdout, /CORP\\carol/);
  });

  it('exceptions suggests lists that make what-if exit 0', () => {
    const r = run('audit', 'exceptions', '--store', store, '--policy', 'proposed.yaml', '--format', 'yaml');
    assert.equal(r.code, 0, r.stderr);
    const lists = parseYaml(r.stdout) as { DCAllowedNTLMServers: string[] };
    assert.deepEqual(lists.DCAllowedNTLMServers, ['FS1', 'APP1', 'WEB*']);
    writeFileSync(join(dir, 'fixed.yaml'), `RestrictNTLMInDomain: 7\n${r.stdout}`);
    const again = run('audit', 'what-if', '--store', store, '--policy', 'fixed.yaml');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /Nothing that got through would be blocked/);
  });

  it('a bad proposal fails with the key and the allowed values', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'RestrictNTLMInDomain: 2\n');
    const r = run('audit', 'what-if', '--store', store, '--policy', 'bad.yaml');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /RestrictNTLMInDomain: 2 is not allowed; allowed: 0 \(Disable\), 1 .*7 \(Deny all\)/);
  });

  it('exports as wevtutil XML that imports back to the same events', () => {
    const r = run('audit', 'export', '--store', store, '--format', 'xml', '--output', 'out.xml');
    assert.equal(r.code, 0, r.stderr);
    const xml = readFileSync(join(dir, 'out.xml'), 'utf8');
    assert.equal(xml.match(/<Event xmlns=/g)?.length, FIXTURE.length);
    const store2 = `sqlite:${join(dir, 'audit2.db')}`;
    assert.equal(run('audit', 'import', '--store', store2, 'out.xml').code, 0);
    const a = run('audit', 'export', '--store', store, '--format', 'jsonl').stdout;
    const b = run('audit', 'export', '--store', store2, '--format', 'jsonl').stdout;
    assert.equal(b, a);
  });

  it('importing the same Windows export twice stores and counts it once', () => {
    const twice = `sqlite:${join(dir, 'twice.db')}`;
    const xml = fileURLToPath(new URL('../../../../test/fixtures/audit/wevtutil-ntlm.xml', import.meta.url));
    const counts = (): [number, number] => {
      const r = run('audit', 'report', '--store', twice, '--format', 'json');
      assert.equal(r.code, 0, r.stderr);
      const rep = JSON.parse(r.stdout) as { events: number; attempts: number };
      return [rep.events, rep.attempts];
    };
    assert.equal(run('audit', 'import', '--store', twice, xml).code, 0);
    // 14 events, 13 of them logons; the member server's and the DC's events of one logon
    // (8003 + 8004 of bob, 4003 + 4004 of carol, on FS1) are one attempt each.
    assert.deepEqual(counts(), [14, 11]);
    assert.equal(run('audit', 'import', '--store', twice, xml).code, 0);
    assert.deepEqual(counts(), [14, 11]);
  });

  it('read-only commands on a missing store fail naming it and create nothing', () => {
    const missing = join(dir, 'nowhere', 'audit.db');
    for (const args of [['report'], ['what-if', '--policy', 'proposed.yaml'], ['exceptions', '--policy', 'proposed.yaml'], ['export']]) {
      const r = run('audit', ...args, '--store', `sqlite:${missing}`);
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`no audit store at ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
      assert.equal(existsSync(join(dir, 'nowhere')), false, `${args[0]} created the folder`);
    }
  });

  it('import of a missing file names it, exits 2 and creates no store', () => {
    const store = join(dir, 'never', 'audit.db');
    const r = run('audit', 'import', join(dir, 'no-such-export.xml'), '--store', `sqlite:${store}`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no-such-export\.xml/);
    assert.equal(existsSync(join(dir, 'never')), false, 'import created the store folder');
  });

  it('--since takes durations and dates', () => {
    const now = Date.UTC(2026, 10, 21);
    assert.equal(parseSince('7d', now).toISOString(), '2026-11-14T00:00:00.000Z');
    assert.equal(parseSince('36h', now).toISOString(), '2026-11-19T12:00:00.000Z');
    assert.equal(parseSince('2026-11-01').toISOString(), '2026-11-01T00:00:00.000Z');
    assert.throws(() => parseSince('yesterday'), /neither a duration/);
  });
});
