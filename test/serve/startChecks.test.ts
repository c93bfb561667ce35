/**
 * `ntlmgate serve` refuses a configuration that would fail later: each case below exits 2,
 * names its key path on stderr, and writes nothing (no state folder, no store, no demo
 * account). Also: an empty account store starts with a warning, a start that fails leaves no
 * demo account behind, and a missing input file is one clear line.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAccountStore } from '../../src/authority/local/openAccountStore.js';
import { makeCertificate, skipUnlessOpenssl, type TestCertificate } from '../http/server/helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to its end (or until `until` matches stdout+stderr, then SIGTERM). */
function cli(args: readonly string[], o: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly until?: RegExp }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const check = (): void => {
      if (o.until && o.until.test(stdout + stderr)) child.kill('SIGTERM');
    };
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      check();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      check();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const BASE = 'stateDir: state\nlisten: 127.0.0.1:0\ndemoAccount: true\nnames: { netbiosComputerName: WEB1, netbiosDomainName: CORP }\n';

/** Writes `files` into a fresh folder, runs `serve -c ntlmgate.yaml` there, and returns the run with the folder's listing afterwards. */
async function serveWith(yaml: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): Promise<Run & { readonly written: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-start-'));
  try {
    writeFileSync(join(dir, 'ntlmgate.yaml'), yaml);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const run = await cli(['serve', '-c', 'ntlmgate.yaml'], { cwd: dir, env });
    const written = readdirSync(dir).filter((f) => f !== 'ntlmgate.yaml' && !(f in files));
    return { ...run, written };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function refused(yaml: string, keyPath: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await serveWith(yaml, files, env);
  assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
  assert.ok(r.stderr.includes(`  ${keyPath}: `), `"${keyPath}" in:\n${r.stderr}`);
  assert.deepEqual(r.written, [], 'nothing written');
  assert.equal(r.stdout, '', 'nothing logged: the server never started');
  return r.stderr;
}

describe('serve: each configuration that would fail later exits 2 with its key path and writes nothing', () => {
  it('a duration past what a timer holds (handshakeTimeout: 25d)', async () => {
    const err = await refused(`${BASE}http: { handshakeTimeout: 25d }\n`, 'http.handshakeTimeout');
    assert.match(err, /the longest a timer holds/);
  });

  it('zero and sub-millisecond durations', async () => {
    await refused(`${BASE}http: { handshakeTimeout: 0 }\n`, 'http.handshakeTimeout');
    await refused(`${BASE}http: { handshakeTimeout: 0.5ms }\n`, 'http.handshakeTimeout');
    await refused(`${BASE}upstream: { url: "http://127.0.0.1:9", timeout: 0s }\n`, 'upstream.timeout');
    await refused(`${BASE}authority: { lockout: { threshold: 5, window: 0 } }\n`, 'authority.lockout.window');
  });

  it('extendedProtection on a listener without TLS', async () => {
    await refused('stateDir: state\ndemoAccount: true\nlisten: { address: "127.0.0.1:0", extendedProtection: require }\n', 'listen[0].extendedProtection');
    await refused(`${BASE}http: { extendedProtection: require }\n`, 'http.extendedProtection');
  });

  it('a YAML alias bomb', async () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'log: { level: *d }'].join('\n');
    const err = await refused(`${BASE}${bomb}\n`, 'log');
    assert.doesNotMatch(err, /internal error/);
  });

  it('an identity secret shorter than the 32 bytes signIdentityHeaders needs', async () => {
    const err = await refused(`${BASE}upstream: { url: "http://127.0.0.1:9", identitySecretEnv: TEST_SECRET }\n`, 'upstream.identitySecretEnv', {}, { TEST_SECRET: 'x'.repeat(31) });
    assert.match(err, /holds 31 bytes; .* at least 32/);
    assert.ok(!err.includes('x'.repeat(31)), 'the secret is not echoed');
    await refused(`${BASE}upstream: { url: "http://127.0.0.1:9", identitySecretFile: secret.txt }\n`, 'upstream.identitySecretFile', { 'secret.txt': 'sixteen-bytes!!!\n' });
    await refused(`${BASE}upstream: { url: "http://127.0.0.1:9", identitySecretFile: missing.txt }\n`, 'upstream.identitySecretFile');
  });

  it('a bad inline policy value, with workers: 2 (the primary refuses it before forking)', async () => {
    const err = await refused(`${BASE}workers: 2\npolicy: { RestrictReceivingNTLMTraffic: Deny everything }\n`, 'policy.RestrictReceivingNTLMTraffic');
    assert.match(err, /"Deny everything" is not allowed; allowed: 0 \(Allow all\)/);
  });

  it('a policy file that is not there', async () => {
    await refused(`${BASE}policy: missing-policy.yaml\n`, 'policy');
  });

  describe('TLS files', { skip: skipUnlessOpenssl() }, () => {
    let a: TestCertificate;
    let b: TestCertificate;
    before(() => {
      a = makeCertificate();
      b = makeCertificate();
    });
    after(() => {
      a.cleanup();
      b.cleanup();
    });
    const tls = (cert: string, key: string): string => `${BASE.replace('listen: 127.0.0.1:0\n', '')}listen: { address: "127.0.0.1:0", tls: { cert: ${cert}, key: ${key} } }\n`;

    it('a missing certificate or key', async () => {
      const err = await refused(tls('missing-cert.pem', 'key.pem'), 'listen[0].tls.cert', { 'key.pem': a.key });
      assert.match(err, /cannot read \S+missing-cert\.pem: no such file/);
      await refused(tls('cert.pem', 'missing-key.pem'), 'listen[0].tls.key', { 'cert.pem': a.cert });
    });

    it('cert and key swapped', async () => {
      const err = await refused(tls('key.pem', 'cert.pem'), 'listen[0].tls.cert', { 'key.pem': a.key, 'cert.pem': a.cert });
      assert.match(err, /are cert and key swapped\?/);
      assert.match(err, /listen\[0\]\.tls\.key: \S+ holds a certificate, not a private key/);
    });

    it('a key that is not the certificate\'s', async () => {
      const err = await refused(tls('cert.pem', 'other-key.pem'), 'listen[0].tls.key', { 'cert.pem': a.cert, 'other-key.pem': b.key });
      assert.match(err, /is not the private key of the certificate/);
    });

    it('a plain listener beside a TLS one under extendedProtection: require, without its own setting', async () => {
      const yaml = `${BASE.replace('listen: 127.0.0.1:0\n', '')}listen:\n  - { address: "127.0.0.1:0", tls: { cert: cert.pem, key: key.pem } }\n  - "127.0.0.1:0"\nhttp: { extendedProtection: require }\n`;
      await refused(yaml, 'listen[1].extendedProtection', { 'cert.pem': a.cert, 'key.pem': a.key });
    });
  });
});

describe('serve: warnings and a failed start', () => {
  it('an empty account store starts, and warns that nobody can log on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-start-'));
    try {
      writeFileSync(join(dir, 'ntlmgate.yaml'), BASE.replace('demoAccount: true', 'demoAccount: false'));
      // Stopped by the test once listening (the signal may come before the CLI handles it: no exit code asserted).
      const r = await cli(['serve', '-c', 'ntlmgate.yaml'], { cwd: dir, until: /ntlmgate serve listening/ });
      const warn = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l['level'] === 'warn');
      assert.match(String(warn?.['msg']), /holds no account: nobody can log on/, r.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a start that fails (port taken) leaves no demo account; the next start makes one and shows its password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-start-'));
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      writeFileSync(join(dir, 'taken.yaml'), BASE.replace('listen: 127.0.0.1:0', `listen: 127.0.0.1:${port}`));
      const failed = await cli(['serve', '-c', 'taken.yaml'], { cwd: dir });
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stderr, /cannot start: .*EADDRINUSE/);
      assert.doesNotMatch(failed.stderr, /curl --ntlm/, 'no password shown');
      assert.ok(existsSync(join(dir, 'state', 'accounts.db')));
      const store = await openAccountStore(`sqlite:${join(dir, 'state', 'accounts.db')}`);
      try {
        assert.deepEqual(await store.listAccounts(), [], 'no account whose password nobody saw');
      } finally {
        await store.close();
      }
      writeFileSync(join(dir, 'ntlmgate.yaml'), BASE);
      const next = await cli(['serve', '-c', 'ntlmgate.yaml'], { cwd: dir, until: /curl --ntlm/ });
      assert.match(next.stderr, /curl --ntlm -u 'CORP\\demo:/);
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serve with workers: a failed start', () => {
  it('workers that cannot listen (port taken): exit 1, and the primary removes the demo account it made', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-start-'));
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      writeFileSync(join(dir, 'ntlmgate.yaml'), `${BASE.replace('listen: 127.0.0.1:0', `listen: 127.0.0.1:${port}`)}workers: 2\n`);
      const failed = await cli(['serve', '-c', 'ntlmgate.yaml'], { cwd: dir });
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stderr, /cannot start: worker \d+ exited during start-up/);
      assert.doesNotMatch(failed.stderr, /curl --ntlm/);
      const store = await openAccountStore(`sqlite:${join(dir, 'state', 'accounts.db')}`);
      try {
        assert.deepEqual(await store.listAccounts(), []);
      } finally {
        await store.close();
      }
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a missing input file is one clear line, not an internal error', () => {
  it('audit import of a file that is not there: exit 2, the path named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-start-'));
    try {
      const missing = join(dir, 'no-such-export.xml');
      const r = await cli(['audit', 'import', '--store', `sqlite:${join(dir, 'audit.db')}`, missing], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `ntlmgate: cannot open ${missing}: no such file or folder (ENOENT)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serve --config of a file that is not there: exit 2, the path named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-start-'));
    try {
      const r = await cli(['serve', '--config', 'nope.yaml'], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /nope\.yaml: 1 problem:\n {2}cannot read the file: no such file/);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
