/**
 * `ntlmgate policy show` / `policy explain`: showPolicy() and the text views, the commands
 * run on a fresh commander program (explain() itself: test/policy/explain.test.ts), and one end-to-end run of the built CLI (skipped until
 * src/cli/main.ts registers the command).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { formatExplainText, formatShowText, registerPolicy, showPolicy, type PolicyShowJson } from '../../../src/cli/commands/policy.js';
import { CliError } from '../../../src/cli/errors.js';
import { explain, type ExplainResult } from '../../../src/policy/explain.js';
import { loadPolicy } from '../../../src/policy/index.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

function withPolicyFile<T>(text: string, f: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-cli-policy-'));
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, text);
  return f(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Runs `ntlmgate <args>` on a fresh program with the policy commands; returns what they printed. */
async function run(args: readonly string[]): Promise<string> {
  let out = '';
  const program = new Command('ntlmgate')
    .version('0.0.0', '-V, --version')
    .enablePositionalOptions() // as src/cli/main.ts does
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  registerPolicy(program, (text) => {
    out += text;
  });
  await program.parseAsync([...args], { from: 'user' });
  return out;
}

describe('formatExplainText()', () => {
  it('formats text with the decision, the steps and every event field', () => {
    const text = formatExplainText(explain(loadPolicy({ AuditReceivingNTLMTraffic: 2 }), { user: 'CORP\\alice', server: 'WEB1' }));
    assert.match(text, /^Decision: +audit$/m);
    assert.match(text, /^Setting: +AuditReceivingNTLMTraffic$/m);
    assert.match(text, /^Reason: +Enable auditing for all accounts: Deny all accounts would block this logon$/m);
    assert.match(text, /^ {2}8002 Information \(Microsoft-Windows-NTLM, logged on WEB1\): NTLM server blocked audit/m);
    assert.match(text, /^ {4}MechanismOID: +1\.3\.6\.1\.4\.1\.311\.2\.2\.10$/m);
    assert.match(text, /^ {2}1\. audit: +AuditReceivingNTLMTraffic: /m);
  });
});

describe('showPolicy()', () => {
  it('lists every setting with value, label and source', () => {
    const doc = showPolicy(loadPolicy({ RestrictReceivingNTLMTraffic: 2, services: { intranet: { BlockNTLM: 1 } } }), 'policy.yaml');
    assert.equal(doc.file, 'policy.yaml');
    const byName = new Map(doc.settings.map((s) => [s.name, s]));
    assert.equal(byName.size, 13);
    assert.deepEqual(
      { value: byName.get('RestrictReceivingNTLMTraffic')?.value, labels: byName.get('RestrictReceivingNTLMTraffic')?.labels, source: byName.get('RestrictReceivingNTLMTraffic')?.source },
      { value: 2, labels: ['Deny all accounts'], source: 'configured' },
    );
    assert.equal(byName.get('RestrictReceivingNTLMTraffic')?.key, 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\MSV1_0');
    assert.equal(byName.get('NTLMMinServerSec')?.text, '0x20000000 (Require 128-bit encryption)');
    assert.equal(byName.get('NTLMMinServerSec')?.source, 'default');
    assert.equal(byName.get('LmCompatibilityLevel')?.value, null);
    assert.deepEqual(byName.get('LmCompatibilityLevel')?.effective, { acceptor: 5, client: 3 });
    assert.equal(doc.services[0]?.settings[0]?.name, 'services.intranet.BlockNTLM');
    const text = formatShowText(doc);
    assert.match(text, /^ {2}RestrictReceivingNTLMTraffic: +2 \(Deny all accounts\)$/m);
    assert.match(text, /^ {2}RestrictSendingNTLMTraffic: +0 \(Allow all\) {2}\(default\)$/m);
    assert.match(text, /^ {4}BlockNTLM: +1 \(Enabled\)$/m);
  });
});

describe('ntlmgate policy (commander)', () => {
  it('show --json prints the effective policy of a file', async () => {
    await withPolicyFile('LmCompatibilityLevel: Send NTLMv2 response only. Refuse LM\n', async (path) => {
      const doc = JSON.parse(await run(['policy', 'show', '--policy', path, '--json'])) as PolicyShowJson;
      assert.equal(doc.file, path);
      const lm = doc.settings.find((s) => s.name === 'LmCompatibilityLevel');
      assert.equal(lm?.value, 4);
      assert.equal(lm?.source, 'configured');
    });
  });

  it('show without a file prints the defaults', async () => {
    const out = await run(['policy', 'show']);
    assert.match(out, /^Policy: +\(none/m);
    assert.match(out, /^ {2}BlockNtlmv1SSO: +1 \(Enforce\) {2}\(default\)$/m);
  });

  it('explain takes every option, --version included', async () => {
    const out = await run([
      'policy', 'explain', '--user', 'CORP\\alice', '--server', 'WEB1', '--direction', 'incoming', '--workstation', 'PC7',
      '--version', 'NTLMv1-ESS', '--client-ip', '10.0.0.7', '--service', 'intranet', '--no-mic', '--no-channel-binding',
      '--scheme', 'NTLM', '--json',
    ]);
    const r = JSON.parse(out) as ExplainResult;
    assert.equal(r.direction, 'incoming');
    if (r.direction !== 'incoming') return;
    assert.equal(r.request.version, 'NTLMv1-ESS');
    assert.equal(r.request.workstation, 'PC7');
    assert.equal(r.request.scheme, 'NTLM');
    assert.equal(r.decision.setting, 'BlockNtlmv1SSO');
    assert.equal(r.events[0]?.data['NtlmUsageId'], '1');
  });

  it('explain reads the policy file', async () => {
    await withPolicyFile('services:\n  intranet: { BlockNTLM: 1, BlockNTLMServerExceptionList: ["10.0.0.*"] }\n', async (path) => {
      const blocked = await run(['policy', 'explain', '--user', 'CORP\\alice', '--server', 'WEB1', '--service', 'intranet', '--client-ip', '192.0.2.1', '--policy', path]);
      assert.match(blocked, /^Decision: +block$/m);
      assert.match(blocked, /^Setting: +services\.intranet\.BlockNTLM$/m);
      const allowed = await run(['policy', 'explain', '--user', 'CORP\\alice', '--server', 'WEB1', '--service', 'intranet', '--client-ip', '10.0.0.9', '--policy', path]);
      assert.match(allowed, /^Setting: +services\.intranet\.BlockNTLMServerExceptionList$/m);
    });
  });

  it('reports a bad policy file as a CliError naming the key and the allowed values', async () => {
    await withPolicyFile('RestrictNTLMInDomain: 2\n', async (path) => {
      await assert.rejects(run(['policy', 'show', '--policy', path]), (e: unknown) => {
        assert.ok(e instanceof CliError);
        assert.equal(e.exitCode, 1);
        assert.equal(e.message, `${path}: RestrictNTLMInDomain: 2 is not allowed; allowed: 0 (Disable), 1 (Deny for domain accounts to domain servers), 3 (Deny for domain accounts), 5 (Deny for domain servers), 7 (Deny all)`);
        return true;
      });
    });
    await assert.rejects(run(['policy', 'show', '--policy', '/nonexistent/policy.yaml']), (e: unknown) => e instanceof CliError && /cannot read policy file .*ENOENT/.test(e.message));
  });

  it('a --server or --dc that names no machine is a usage error', async () => {
    for (const args of [['--server', 'CORP\\'], ['--server', 'WEB1', '--direction', 'domain', '--dc', 'CORP\\']]) {
      await assert.rejects(run(['policy', 'explain', '--user', 'CORP\\alice', ...args]), (e: unknown) => {
        assert.ok(e instanceof CliError, String(e));
        assert.equal(e.exitCode, 2);
        assert.match(e.message, /^--(server|dc) "CORP\\" names no machine$/);
        return true;
      });
    }
  });

  it('leaves usage errors to commander', async () => {
    await assert.rejects(run(['policy', 'explain', '--user', 'CORP\\alice', '--server', 'WEB1', '--direction', 'sideways']), (e: unknown) => e instanceof CommanderError && e.code === 'commander.invalidArgument');
    await assert.rejects(run(['policy', 'explain', '--server', 'WEB1']), (e: unknown) => e instanceof CommanderError && e.code === 'commander.missingMandatoryOptionValue');
  });
});

describe('ntlmgate policy (built CLI)', () => {
  // `policy --help` would print the program's help either way; `policy show` only works once registered.
  const registered = spawnSync(process.execPath, [MAIN, 'policy', 'show', '--json'], { encoding: 'utf8', timeout: 30_000 }).status === 0;

  it('explains a logon end to end', { skip: registered ? false : 'the policy command is not registered in src/cli/main.ts yet' }, () => {
    const r = spawnSync(process.execPath, [MAIN, 'policy', 'explain', '--user', 'CORP\\alice', '--server', 'WEB1', '--version', 'NTLMv1', '--json'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as ExplainResult;
    assert.equal(result.decision.setting, 'BlockNtlmv1SSO');
    const bad = spawnSync(process.execPath, [MAIN, 'policy', 'explain', '--user', 'CORP\\alice', '--server', 'WEB1', '--direction', 'sideways'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^ntlmgate: option '--direction <direction>' argument 'sideways' is invalid/);
    const version = spawnSync(process.execPath, [MAIN, '--version'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(version.status, 0);
  });
});
