/**
 * `ntlmgate serve` end to end: in-process (startServe) for the behaviour, and the real CLI
 * process for the first-run message, JSON logs and SIGTERM.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { openAuditStore } from '../../src/audit/openAuditStore.js';
import type { AuditStore } from '../../src/audit/query.js';
import { tlsServerEndPointData } from '../../src/ntlm/channelBindings.js';
import { tlsServerEndPointHash } from '../../src/crypto/certificateHash.js';
import { openAccountStore } from '../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../src/authority/local/ntHash.js';
import { parseServeConfigText, type ServeConfig } from '../../src/serve/config.js';
import { verifyIdentityHeaders } from '../../src/http/server/identityHeaders.js';
import { createLogger } from '../../src/serve/logger.js';
import { startServe, type ServeHandle } from '../../src/serve/runtime.js';
import { curlNtlm, keepAliveAgent, login, makeCertificate, request, skipUnlessCurl, skipUnlessOpenssl, type Credentials } from '../http/server/helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A logger whose JSON lines land in an array. */
function memoryLogger(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ntlmgate-serve-'));
}

function configIn(dir: string, yaml: string): ServeConfig {
  return parseServeConfigText(`stateDir: ${dir}/state\nlisten: 127.0.0.1:0\nnames: { netbiosComputerName: WEB1, netbiosDomainName: CORP }\nshutdownTimeout: 5s\n${yaml}`, { file: join(dir, 'ntlmgate.yaml'), baseDir: dir });
}

async function addAccount(dir: string, c: Credentials): Promise<void> {
  const store = await openAccountStore(`sqlite:${dir}/state/accounts.db`);
  try {
    await store.addAccounts([{ domain: c.domain, name: c.user, ntHash: ntHashOfPassword(c.password) }]);
  } finally {
    await store.close();
  }
}

async function eventIds(audit: AuditStore): Promise<number[]> {
  const ids: number[] = [];
  for await (const e of audit.query({})) ids.push(e.eventId);
  return ids;
}

const ALICE: Credentials = { domain: 'CORP', user: 'alice', password: 'Al1ce!Pass2026' };

describe('serve in-process', () => {
  let dir: string;
  let h: ServeHandle;
  let log: ReturnType<typeof memoryLogger>;
  before(async () => {
    dir = tempDir();
    log = memoryLogger();
    h = await startServe(configIn(dir, 'demoAccount: true'), { logger: log.logger, version: 'test' });
  });
  after(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the demo account on first run; the demo user logs on and the page names it', async () => {
    assert.ok(h.demo, 'a demo account on an empty store');
    assert.equal(h.demo.domain, 'CORP');
    const agent = keepAliveAgent(h.urls[0] ?? '');
    const res = await login(h.urls[0] ?? '', agent, { scheme: 'NTLM', credentials: { domain: 'CORP', user: h.demo.user, password: h.demo.password }, headers: { accept: 'text/html' } });
    assert.equal(res.status, 200, res.body);
    assert.match(res.headers['content-type'] ?? '', /text\/html/);
    assert.match(res.body, /<span id="user">CORP\\demo<\/span>/);
    const json = await request(`${h.urls[0]}whoami`, { agent });
    assert.equal(json.status, 200, 'the connection stays authenticated');
    const who = JSON.parse(json.body) as { name: string; mechanism: string; ntlm: { version: string; micPresent: boolean }; requestId: string };
    assert.equal(who.name, 'CORP\\demo');
    assert.equal(who.mechanism, 'NTLM');
    assert.equal(who.ntlm.version, 'NTLMv2');
    assert.equal(who.ntlm.micPresent, true);
    assert.equal(json.headers['x-request-id'], who.requestId);
    agent.destroy();
  });

  it('a wrong password: 401, and the audit log holds the logon events', async () => {
    const agent = keepAliveAgent(h.urls[0] ?? '');
    const res = await login(h.urls[0] ?? '', agent, { scheme: 'NTLM', credentials: { domain: 'CORP', user: 'demo', password: 'wrong' } });
    assert.equal(res.status, 401);
    agent.destroy();
    const failed = log.lines.find((l) => l['reason'] === 'logon-failure');
    assert.ok(failed, 'the reason is logged');
    assert.equal(failed['user'], 'CORP\\demo');
    assert.ok(Array.isArray(failed['events']) && failed['events'].includes(8003), JSON.stringify(failed));
  });

  it('every request is logged once as a JSON line with its request id, never with a token', async () => {
    const res = await request(h.urls[0] ?? '', { headers: { authorization: 'NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==' } });
    assert.equal(res.status, 401);
    const id = res.headers['x-request-id'];
    const lines = log.lines.filter((l) => l['requestId'] === id && l['msg'] === 'request');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.['status'], 401);
    assert.equal(lines[0]?.['path'], '/');
    assert.ok(!JSON.stringify(log.lines).includes('TlRMTVNT'), 'no token in any log line');
    assert.ok(!JSON.stringify(log.lines).includes(h.demo?.password ?? '\0'), 'no password in any log line');
  });

  it('/healthz answers without authentication', async () => {
    const res = await request(`${h.urls[0]}healthz`);
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(res.body) as { status: string }).status, 'ok');
  });

  it('unknown paths are 404 after authentication, 401 before', async () => {
    assert.equal((await request(`${h.urls[0]}nope`)).status, 401);
    const agent = keepAliveAgent(h.urls[0] ?? '');
    const res = await login(`${h.urls[0]}nope`, agent, { scheme: 'NTLM', credentials: { domain: 'CORP', user: 'demo', password: h.demo?.password ?? '' } });
    assert.equal(res.status, 404);
    agent.destroy();
  });
});

describe('serve: restart, policy, audit durability', () => {
  it('a second start keeps the accounts and creates no demo account; the audit events survive the stop', async () => {
    const dir = tempDir();
    try {
      const cfg = configIn(dir, 'demoAccount: true\npolicy: { RestrictReceivingNTLMTraffic: Deny all domain accounts, AuditReceivingNTLMTraffic: 2 }');
      const first = await startServe(cfg, { logger: memoryLogger().logger, version: 'test' });
      assert.ok(first.demo);
      const agent = keepAliveAgent(first.urls[0] ?? '');
      const res = await login(first.urls[0] ?? '', agent, { scheme: 'NTLM', credentials: { domain: 'CORP', user: 'demo', password: first.demo.password } });
      agent.destroy();
      assert.equal(res.status, 401, 'Deny all domain accounts refuses CORP\\demo');
      await first.stop('test');
      const audit = await openAuditStore(`sqlite:${dir}/state/audit.db`);
      try {
        const ids = await eventIds(audit);
        assert.ok(ids.includes(4003), `4003 (blocked domain account) in ${ids.join(',')}`);
      } finally {
        await audit.close();
      }
      const second = await startServe(cfg, { logger: memoryLogger().logger, version: 'test' });
      assert.equal(second.demo, undefined);
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serve: upstream pass-on with signed identity headers', () => {
  it('passes the request, body and signed identity; strips client-sent identity headers and the Authorization', async () => {
    const dir = tempDir();
    const secret = 'a-shared-secret-of-32-characters';
    const seen: { headers: http.IncomingHttpHeaders; body: string; url: string }[] = [];
    const upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '' });
        const v = verifyIdentityHeaders(req.headers, secret);
        res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
        res.end(JSON.stringify(v));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    const env = { ...process.env, TEST_IDENTITY_SECRET: secret };
    await addAccount(dir, ALICE);
    const h = await startServe(configIn(dir, `upstream: { url: "http://127.0.0.1:${port}/base", identitySecretEnv: TEST_IDENTITY_SECRET }`), { logger: memoryLogger().logger, version: 'test', env });
    try {
      const agent = keepAliveAgent(h.urls[0] ?? '');
      const first = await login(`${h.urls[0]}app?q=1`, agent, { scheme: 'NTLM', credentials: ALICE, headers: { 'x-ntlmgate-user': 'CORP\\admin' } });
      assert.equal(first.status, 201, first.body);
      assert.equal(first.headers['x-upstream'], 'yes');
      const verified = JSON.parse(first.body) as { ok: boolean; identity?: { name: string } };
      assert.equal(verified.ok, true, first.body);
      assert.equal(verified.identity?.name, 'CORP\\alice');
      const posted = await request(`${h.urls[0]}upload`, { agent, method: 'POST', body: Buffer.from('hello upstream'), headers: { 'content-type': 'text/plain' } });
      assert.equal(posted.status, 201);
      agent.destroy();
      const last = seen.at(-1);
      assert.equal(last?.url, '/base/upload');
      assert.equal(last?.body, 'hello upstream');
      assert.equal(seen[0]?.url, '/base/app?q=1');
      for (const s of seen) {
        assert.equal(s.headers.authorization, undefined, 'the NTLM token stays at the gateway');
        assert.equal(s.headers['x-forwarded-for'], '127.0.0.1');
        assert.ok(s.headers['x-request-id']);
      }
      assert.equal(seen.length, 2, 'only authenticated requests reach the upstream');
    } finally {
      await h.stop();
      upstream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('identity headers in every spelling a CGI/WSGI/PHP upstream reads, and those upstreams trust, never reach it; the list is configurable', async () => {
    const dir = tempDir();
    const secret = 'another-secret-of-32-characters!';
    const seen: http.IncomingHttpHeaders[] = [];
    const upstream = http.createServer((req, res) => {
      seen.push(req.headers);
      res.end(JSON.stringify(verifyIdentityHeaders(req.headers, secret)));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    await addAccount(dir, ALICE);
    const forged = {
      X_NTLMGate_User: 'CORP\\admin',
      'x-ntlmgate_groups': 'Domain%20Admins',
      'X-Forwarded-User': 'CORP\\admin',
      X_Forwarded_User: 'CORP\\admin',
      'Remote-User': 'admin',
      'X-Authenticated-User': 'admin',
      'X-Webauth-User': 'admin',
    };
    const h = await startServe(configIn(dir, `upstream: { url: "http://127.0.0.1:${port}", identitySecretEnv: S, stripHeaders: [X-Forwarded-User, Remote-User, X-Authenticated-User, X-Webauth-User] }`), {
      logger: memoryLogger().logger,
      version: 'test',
      env: { S: secret },
    });
    try {
      const agent = keepAliveAgent(h.urls[0] ?? '');
      const res = await login(h.urls[0] ?? '', agent, { scheme: 'NTLM', credentials: ALICE, headers: { ...forged, 'X-Remote-User': 'kept: not on this list', 'X-Other': 'kept' } });
      assert.equal(res.status, 200, res.body);
      assert.equal((JSON.parse(res.body) as { identity?: { name: string } }).identity?.name, 'CORP\\alice', 'the signed set is ours');
      // A later request on the authenticated connection (the keep-alive path) is stripped too.
      assert.equal((await request(h.urls[0] ?? '', { agent, headers: forged })).status, 200);
      agent.destroy();
      assert.equal(seen.length, 2);
      for (const got of seen) {
        for (const name of Object.keys(forged)) assert.equal(got[name.toLowerCase()], undefined, `${name} reached the upstream`);
        assert.equal(got['x-ntlmgate-user'], 'CORP\\alice');
      }
      assert.equal(seen[0]?.['x-other'], 'kept');
      assert.equal(seen[0]?.['x-remote-user'], 'kept: not on this list', 'only the configured names (and X-NTLMGate-*) are stripped');
    } finally {
      await h.stop();
      upstream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an upstream that is down is a 502, not a crash', async () => {
    const dir = tempDir();
    await addAccount(dir, ALICE);
    const h = await startServe(configIn(dir, 'upstream: "http://127.0.0.1:1/"'), { logger: memoryLogger().logger, version: 'test' });
    try {
      const res = await login(h.urls[0] ?? '', keepAliveAgent(h.urls[0] ?? ''), { scheme: 'NTLM', credentials: ALICE });
      assert.equal(res.status, 502);
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serve: graceful shutdown', () => {
  it('finishes an in-flight request (its response closes the connection), refuses new connections, then resolves', async () => {
    const dir = tempDir();
    let release: () => void = () => undefined;
    const upstream = http.createServer((req, res) => {
      if (req.url === '/slow') {
        release = () => res.end('slow done');
        return;
      }
      res.end('fast');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    await addAccount(dir, ALICE);
    const h = await startServe(configIn(dir, `upstream: "http://127.0.0.1:${port}"`), { logger: memoryLogger().logger, version: 'test' });
    const url = h.urls[0] ?? '';
    try {
      const slowAgent = keepAliveAgent(url);
      const slow = login(`${url}slow`, slowAgent, { scheme: 'NTLM', credentials: ALICE });
      // Wait until the slow request reached the upstream.
      for (let i = 0; i < 200 && h.app.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const healthAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      assert.equal((await request(`${url}healthz`, { agent: healthAgent })).status, 200);
      let stopped = false;
      const stopping = h.stop('test').then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(stopped, false, 'waits for the in-flight request');
      await assert.rejects(request(`${url}healthz`), 'no new connections');
      release();
      const res = await slow;
      assert.equal(res.status, 200);
      assert.equal(res.body, 'slow done');
      assert.equal(res.headers.connection, 'close');
      await stopping;
      assert.equal(stopped, true);
      healthAgent.destroy();
      slowAgent.destroy();
    } finally {
      await h.stop();
      upstream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serve over HTTPS with Extended Protection from the configuration', { skip: skipUnlessOpenssl() }, () => {
  it('require: our client with channel bindings logs on; curl (none) is refused', async () => {
    const dir = tempDir();
    const cert = makeCertificate();
    writeFileSync(join(dir, 'key.pem'), cert.key);
    writeFileSync(join(dir, 'cert.pem'), cert.cert);
    await addAccount(dir, ALICE);
    const cfg = parseServeConfigText(
      `stateDir: ${dir}/state\nlisten: [{ address: "127.0.0.1:0", tls: { cert: cert.pem, key: key.pem } }]\nnames: { netbiosComputerName: WEB1, netbiosDomainName: CORP }\nhttp: { extendedProtection: require }`,
      { file: join(dir, 'ntlmgate.yaml'), baseDir: dir },
    );
    const h = await startServe(cfg, { logger: memoryLogger().logger, version: 'test' });
    try {
      const url = h.urls[0] ?? '';
      assert.match(url, /^https:/);
      const bindings = { applicationData: tlsServerEndPointData(tlsServerEndPointHash(cert.cert)) };
      const res = await login(`${url}whoami`, keepAliveAgent(url, cert.cert), { scheme: 'NTLM', credentials: ALICE, channelBindings: bindings, ca: cert.cert });
      assert.equal(res.status, 200, res.body);
      const who = JSON.parse(res.body) as { ntlm: { channelBindingsVerified: boolean }; tls: boolean };
      assert.equal(who.ntlm.channelBindingsVerified, true);
      assert.equal(who.tls, true);
      if (!skipUnlessCurl()) {
        const c = await curlNtlm(url, ALICE, ['--cacert', cert.certFile]);
        assert.equal(c.status, 401);
      }
    } finally {
      await h.stop();
      cert.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the ntlmgate serve process', { skip: skipUnlessCurl() }, () => {
  it('prints the curl command on first run, logs JSON lines, and exits 0 on SIGTERM after flushing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ntlmgate.yaml'), 'listen: 127.0.0.1:0\ndemoAccount: true\nnames: { netbiosComputerName: WEB1 }\n');
    const child = spawn(process.execPath, [CLI, 'serve', '--config', 'ntlmgate.yaml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      for (let i = 0; i < 300 && !/curl --ntlm/.test(stderr); i++) await new Promise((r) => setTimeout(r, 20));
      const cmd = /curl --ntlm -u '([^\\]+)\\([^:]+):([^']+)' (\S+)/.exec(stderr);
      assert.ok(cmd, `first-run message:\n${stderr}\n${stdout}`);
      const [, domain = '', user = '', password = '', url = ''] = cmd;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const ok = await curlNtlm(url, { domain, user, password });
      assert.equal(ok.status, 200, ok.stderr);
      assert.match(ok.body, new RegExp(`${domain}\\\\${user}`));
      const bad = await curlNtlm(url, { domain, user, password: 'wrong' });
      assert.equal(bad.status, 401);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(lines.some((l) => l['msg'] === 'ntlmgate serve listening'));
      assert.ok(lines.some((l) => l['msg'] === 'request' && l['status'] === 200 && l['user'] === `${domain}\\${user}`));
      assert.equal(lines.at(-1)?.['msg'], 'stopped; audit log flushed');
      assert.ok(!stdout.includes(password), 'the password is never logged');
      // The audit log on disk holds the logons.
      const audit = await openAuditStore(`sqlite:${dir}/.ntlmgate/audit.db`);
      try {
        const ids = await eventIds(audit);
        assert.ok(ids.includes(8002) && ids.includes(4023), ids.join(','));
      } finally {
        await audit.close();
      }
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad configuration: exit 2 with the key named, nothing listening', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ntlmgate.yaml'), 'http: { providers: [Kerberos] }\n');
    const child = spawn(process.execPath, [CLI, 'serve', '-c', join(dir, 'ntlmgate.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 2);
    assert.match(stderr, /http\.providers\[0\]: expected one of Negotiate, NTLM, got "Kerberos"/);
  });
});
