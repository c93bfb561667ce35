/**
 * `ntlmgate fetch` end to end: the compiled CLI (dist/src/cli/main.js) spawned as a real
 * process against our own IWA server (test/http/client/helpers.ts startIwaServer, which runs
 * the server helpers' iwa() setup and records every request head), against Apache +
 * mod_auth_gssapi + gss-ntlmssp and through Squid with NTLM proxy authentication. The peers
 * skip with a reason on a developer machine and fail under CI=true.
 *
 * The servers run in this process, so the CLI is spawned asynchronously (spawnSync would
 * block the event loop the server answers on).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APACHE_ALICE, skipUnlessApache, startApache, type ApachePeer } from '../../helpers/apache.js';
import { skipUnlessSquid, startSquid, type SquidProxy } from '../../helpers/squid.js';
import { ALICE, BOB, httpsEpaServerForSuite, startIwaServer, type ClientEcho, type IwaTestServer } from '../../http/client/helpers.js';
import { skipUnlessOpenssl } from '../../http/server/helpers.js';

// This file runs as dist/test/cli/commands/fetch.test.js; the CLI is dist/src/cli/main.js.
const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface RunOptions {
  readonly env?: Record<string, string>;
  readonly input?: string | Buffer;
}

/** The environment without any password variable of the caller's. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NTLMGATE_PASSWORD'];
  delete env['NTLMGATE_PROXY_PASSWORD'];
  return env;
}

function ntlmgate(args: readonly string[], o: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...baseEnv(), ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(o.input ?? '');
  });
}

const withPassword = (password: string = ALICE.password): RunOptions => ({ env: { NTLMGATE_PASSWORD: password } });
const ALICE_ARG = 'CORP\\alice';

/** The NTLM messages `-v` decoded, in order (the titles the decoder prints). */
function decodedMessages(stderr: string): string[] {
  return [...stderr.matchAll(/^\s+NTLM (NEGOTIATE|CHALLENGE|AUTHENTICATE)_MESSAGE \(type \d\)$/gm)].map((m) => m[1] ?? '');
}

describe('ntlmgate fetch → our IWA server', () => {
  let server: IwaTestServer;
  let dir: string;
  before(async () => {
    server = await startIwaServer();
    dir = mkdtempSync(join(tmpdir(), 'ntlmgate-fetch-'));
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('GET with the password in NTLMGATE_PASSWORD: 200, the body (only) on stdout, the server names CORP\\alice', async () => {
    const r = await ntlmgate(['fetch', '-u', ALICE_ARG, `${server.url}hello`], withPassword());
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const echo = JSON.parse(r.stdout) as ClientEcho;
    assert.equal(echo.name, 'CORP\\alice');
    assert.equal(echo.ntlmVersion, 'NTLMv2');
    assert.equal(echo.url, '/hello');
  });

  it('a wrong password: the 401 and exit 22, nothing but the 401 body on stdout', async () => {
    const r = await ntlmgate(['fetch', '-u', ALICE_ARG, server.url], withPassword('not-the-password'));
    assert.equal(r.status, 22);
    assert.match(r.stderr, /^ntlmgate: HTTP 401 .*127\.0\.0\.1/m);
    assert.doesNotMatch(r.stdout, /alice/);
    assert.ok(server.logs.some((l) => l.user === 'CORP\\alice' && l.reason === 'logon-failure'), JSON.stringify(server.logs));
  });

  it('--password-stdin reads one line; -u user@domain is sent as a UPN with an empty domain', async () => {
    const ok = await ntlmgate(['fetch', '-u', ALICE_ARG, '--password-stdin', server.url], { input: `${ALICE.password}\n` });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as ClientEcho).name, 'CORP\\alice');

    const upn = await ntlmgate(['fetch', '-v', '--ntlm', '-u', 'alice@corp.example.test', '--password-stdin', server.url], { input: `${ALICE.password}\n` });
    // MemoryAuthority has no UPN lookup: the server refuses, but the AUTHENTICATE shows the UPN form.
    assert.match(upn.stderr, /^\s+User:\s+alice@corp\.example\.test$/m);
    assert.match(upn.stderr, /^\s+Domain:\s+\(empty\)$/m);

    const empty = await ntlmgate(['fetch', '-u', ALICE_ARG, '--password-stdin', server.url], { input: '\n' });
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /empty password/);
  });

  it('passwords on the command line are refused (--password, --proxy-password, -u user:password, URL userinfo) before any request', async () => {
    const before = server.seen.length;
    const cases: [string[], RegExp][] = [
      [['fetch', '-u', ALICE_ARG, '--password', ALICE.password, server.url], /never taken from the command line.*--password-stdin.*NTLMGATE_PASSWORD/],
      [['fetch', '-u', ALICE_ARG, '--password', server.url], /never taken from the command line/],
      [['fetch', '-u', ALICE_ARG, '--proxy', 'http://127.0.0.1:9', '--proxy-password', 'x', server.url], /never taken from the command line.*NTLMGATE_PROXY_PASSWORD/],
      [['fetch', '-u', `${ALICE_ARG}:${ALICE.password}`, server.url], /names an account only.*never taken from the command line/],
      [['fetch', '-u', ALICE_ARG, server.url.replace('http://', `http://alice:${encodeURIComponent(ALICE.password)}@`)], /credentials in the URL are refused/],
    ];
    for (const [args, message] of cases) {
      const r = await ntlmgate(args, withPassword());
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    assert.equal(server.seen.length, before, 'no request was made');
  });

  it('no password source and no terminal: a usage error naming the ways to give one', async () => {
    const r = await ntlmgate(['fetch', '-u', ALICE_ARG, server.url]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no terminal to ask for the password.*--password-stdin.*NTLMGATE_PASSWORD/);
  });

  it('-v shows every handshake header decoded (NEGOTIATE, CHALLENGE, AUTHENTICATE) on stderr; stdout stays the body', async () => {
    const r = await ntlmgate(['fetch', '-v', '--ntlm', '-u', ALICE_ARG, server.url], withPassword());
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as ClientEcho).name, 'CORP\\alice');
    assert.deepEqual(decodedMessages(r.stderr), ['NEGOTIATE', 'CHALLENGE', 'AUTHENTICATE']);
    assert.match(r.stderr, /^< 401 WWW-Authenticate: NTLM$/m, 'the bare offer of the first 401');
    assert.match(r.stderr, /^> GET Authorization: NTLM TlRMTVNTUAAB/m);
    assert.match(r.stderr, /^< 401 WWW-Authenticate: NTLM TlRMTVNTUAAC/m);
    assert.match(r.stderr, /^> GET Authorization: NTLM TlRMTVNTUAAD/m);
    assert.match(r.stderr, /^\s+Server challenge:\s+[0-9a-f]{16}$/m);
    assert.match(r.stderr, /^\s+User:\s+alice$/m);
    assert.match(r.stderr, /^\s+Target name:\s+HTTP\/127\.0\.0\.1$/m);
    assert.match(r.stderr, /^< HTTP 200/m);
    assert.doesNotMatch(r.stderr, new RegExp(ALICE.password.replace(/[!]/g, '\\$&')), 'never the password');
  });

  it('-v with Negotiate: the SPNEGO layers and the NTLM messages inside them, and the final token', async () => {
    const r = await ntlmgate(['fetch', '-v', '--negotiate', '-u', ALICE_ARG, server.url], withPassword());
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(decodedMessages(r.stderr), ['NEGOTIATE', 'CHALLENGE', 'AUTHENTICATE']);
    assert.match(r.stderr, /^\s+SPNEGO NegTokenInit/m);
    assert.match(r.stderr, /^\s+SPNEGO NegTokenResp/m);
    assert.match(r.stderr, /^< 200 WWW-Authenticate: Negotiate \S+$/m, 'the accept-completed token');
    assert.match(r.stderr, /^\s+negState:\s+accept-completed$/m);
  });

  it('-d POSTs a body (text, @file, @- with the password from the environment); -X, -H, -i and -o', async () => {
    const text = await ntlmgate(['fetch', '-u', ALICE_ARG, '-d', 'a=1&b=2', server.url], withPassword());
    assert.equal(text.status, 0, text.stderr);
    const echo = JSON.parse(text.stdout) as ClientEcho;
    assert.equal(echo.method, 'POST');
    assert.equal(echo.bodyBytes, 7);
    assert.equal(echo.name, 'CORP\\alice');
    const seen = server.seen.filter((s) => s.method === 'POST' && s.contentLength === '7');
    assert.ok(seen.length >= 1);

    const file = join(dir, 'body.json');
    writeFileSync(file, '{"x":1}\n');
    const fromFile = await ntlmgate(['fetch', '-u', ALICE_ARG, '-X', 'PUT', '-H', 'Content-Type: application/json', '-d', `@${file}`, `${server.url}put`], withPassword());
    assert.equal(fromFile.status, 0, fromFile.stderr);
    const put = JSON.parse(fromFile.stdout) as ClientEcho;
    assert.equal(put.method, 'PUT');
    assert.equal(put.bodyBytes, 8, 'sent as is, newline included');

    const fromStdin = await ntlmgate(['fetch', '-u', ALICE_ARG, '-d', '@-', '-i', server.url], { ...withPassword(), input: 'from stdin' });
    assert.equal(fromStdin.status, 0, fromStdin.stderr);
    assert.match(fromStdin.stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(fromStdin.stdout, /\r\ncontent-type: application\/json\r\n/);
    const body = fromStdin.stdout.slice(fromStdin.stdout.indexOf('\r\n\r\n') + 4);
    assert.equal((JSON.parse(body) as ClientEcho).bodyBytes, 10);

    const outFile = join(dir, 'out.json');
    const toFile = await ntlmgate(['fetch', '-u', ALICE_ARG, '-o', outFile, server.url], withPassword());
    assert.equal(toFile.status, 0, toFile.stderr);
    assert.equal(toFile.stdout, '');
    assert.equal((JSON.parse(readFileSync(outFile, 'utf8')) as ClientEcho).name, 'CORP\\alice');
  });

  it('stdin cannot be both the password and the body', async () => {
    const r = await ntlmgate(['fetch', '-u', ALICE_ARG, '--password-stdin', '-d', '@-', server.url], { input: `${ALICE.password}\nbody` });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /stdin cannot carry both the password.*and the body/);
  });

  it('--policy Deny all: exit 4 with the typed error naming the setting and host, and no token reaches the server', async () => {
    const policy = join(dir, 'deny.yaml');
    writeFileSync(policy, 'RestrictSendingNTLMTraffic: Deny all\n');
    const from = server.seen.length;
    const r = await ntlmgate(['fetch', '-v', '-u', ALICE_ARG, '--policy', policy, `${server.url}blocked`], withPassword());
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /^ntlmgate: NTLM to 127\.0\.0\.1 blocked by RestrictSendingNTLMTraffic: .*deny\.yaml.*no NTLM token was sent/m);
    assert.equal(r.stdout, '');
    const seen = server.seen.slice(from);
    assert.ok(seen.length >= 1, 'the unauthenticated request was made');
    assert.deepEqual(seen.map((s) => s.authorization), seen.map(() => undefined), 'no Authorization header at all');
    assert.doesNotMatch(r.stderr, /^> /m, '-v shows nothing sent');

    const allowed = join(dir, 'allow.yaml');
    writeFileSync(allowed, 'RestrictSendingNTLMTraffic: Deny all\nClientAllowedNTLMServers: [127.0.0.1]\n');
    const ok = await ntlmgate(['fetch', '-u', ALICE_ARG, '--policy', allowed, server.url], withPassword());
    assert.equal(ok.status, 0, ok.stderr);

    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'RestrictSendingNTLMTraffic: Sometimes\n');
    const bad = await ntlmgate(['fetch', '-u', ALICE_ARG, '--policy', broken, server.url], withPassword());
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /RestrictSendingNTLMTraffic/);
  });

  it('usage errors exit 2: no -u, a bad URL, a malformed -H, --proxy-user without --proxy', async () => {
    for (const args of [
      ['fetch', server.url],
      ['fetch', '-u', ALICE_ARG, 'ftp://127.0.0.1/'],
      ['fetch', '-u', ALICE_ARG, '-H', 'no colon here', server.url],
      ['fetch', '-u', ALICE_ARG, '--proxy-user', 'CORP\\bob', server.url],
    ]) {
      const r = await ntlmgate(args, withPassword());
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^ntlmgate: /);
    }
  });

  it('no server listening: exit 1 with the origin in the message', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const r = await ntlmgate(['fetch', '-u', ALICE_ARG, `http://127.0.0.1:${port}/`], withPassword());
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`^ntlmgate: http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`, 'm'));
  });

  it('--max-time against a server that never answers: exit 28', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const r = await ntlmgate(['fetch', '-u', ALICE_ARG, '-m', '0.5', `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`], withPassword());
      assert.equal(r.status, 28, r.stderr);
      assert.match(r.stderr, /within --max-time 0\.5 s/);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('ntlmgate fetch over HTTPS (Extended Protection require)', { skip: skipUnlessOpenssl() }, () => {
  const tls = httpsEpaServerForSuite();

  it('--cacert: 200 with channel bindings verified; without it the certificate is refused (exit 1); -k skips the check', async () => {
    const ok = await ntlmgate(['fetch', '-u', ALICE_ARG, '--cacert', tls.cert.certFile, tls.server.url], withPassword());
    assert.equal(ok.status, 0, ok.stderr);
    const echo = JSON.parse(ok.stdout) as ClientEcho;
    assert.equal(echo.name, 'CORP\\alice');
    assert.equal(echo.channelBindingsVerified, true);

    const untrusted = await ntlmgate(['fetch', '-u', ALICE_ARG, tls.server.url], withPassword());
    assert.equal(untrusted.status, 1);
    assert.match(untrusted.stderr, /certificate/i);

    const insecure = await ntlmgate(['fetch', '-k', '-u', ALICE_ARG, tls.server.url], withPassword());
    assert.equal(insecure.status, 0, insecure.stderr);
    assert.equal((JSON.parse(insecure.stdout) as ClientEcho).channelBindingsVerified, true);
  });
});

describe('ntlmgate fetch → Apache + mod_auth_gssapi + gss-ntlmssp', { skip: skipUnlessApache() }, () => {
  let apache: ApachePeer;
  before(async () => {
    apache = await startApache();
  });
  after(async () => {
    await apache?.stop();
  });
  const account = `${APACHE_ALICE.domain}\\${APACHE_ALICE.user}`;

  for (const scheme of ['--ntlm', '--negotiate'] as const) {
    it(`${scheme}: 200, Apache names CORP\\alice; -v decodes the three messages`, async () => {
      const r = await ntlmgate(['fetch', '-v', scheme, '-u', account, `${apache.url}whoami`], withPassword(APACHE_ALICE.password));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'user=CORP\\alice');
      assert.deepEqual(decodedMessages(r.stderr), ['NEGOTIATE', 'CHALLENGE', 'AUTHENTICATE']);
      assert.match(r.stderr, /^< x-auth-user: CORP\\alice$/m);
    });
  }

  it('a wrong password: 401 and exit 22', async () => {
    const r = await ntlmgate(['fetch', '-u', account, `${apache.url}whoami`], withPassword('wrong-password'));
    assert.equal(r.status, 22);
    assert.match(r.stderr, /HTTP 401/);
  });

  it('--password-stdin, and a public path answered without any handshake', async () => {
    const r = await ntlmgate(['fetch', '-v', '-u', account, '--password-stdin', `${apache.url}whoami`], { input: `${APACHE_ALICE.password}\n` });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'user=CORP\\alice');
    const pub = await ntlmgate(['fetch', '-v', '-u', account, `${apache.url}public/`], withPassword(APACHE_ALICE.password));
    assert.equal(pub.status, 0, pub.stderr);
    assert.deepEqual(decodedMessages(pub.stderr), [], 'nothing to decode: no one asked');
  });
});

describe('ntlmgate fetch through Squid (NTLM proxy authentication)', { skip: skipUnlessSquid() }, () => {
  let squid: SquidProxy;
  let origin: IwaTestServer;
  before(async () => {
    [squid, origin] = await Promise.all([startSquid(), startIwaServer()]);
  });
  after(async () => {
    await Promise.all([squid?.stop(), origin?.close()]);
  });

  it('--proxy-user CORP\\bob (NTLMGATE_PROXY_PASSWORD) to the proxy, -u CORP\\alice to the origin; -v shows both handshakes decoded', async () => {
    const r = await ntlmgate(['fetch', '-v', '--ntlm', '-u', ALICE_ARG, '--proxy', squid.url, '--proxy-user', 'CORP\\bob', `${origin.url}via-squid`], {
      env: { NTLMGATE_PASSWORD: ALICE.password, NTLMGATE_PROXY_PASSWORD: BOB.password },
    });
    assert.equal(r.status, 0, r.stderr);
    const echo = JSON.parse(r.stdout) as ClientEcho;
    assert.equal(echo.name, 'CORP\\alice', 'the origin sees the origin account');
    assert.equal(echo.url, '/via-squid');
    assert.ok(squid.helperLog().some((l) => l.endsWith('AF CORP\\bob')), squid.helperLog().join('\n'));
    assert.match(r.stderr, /^< 407 Proxy-Authenticate: NTLM TlRMTVNTUAAC/m);
    assert.match(r.stderr, /^> GET Proxy-Authorization: NTLM TlRMTVNTUAAD/m);
    assert.match(r.stderr, /^> GET Authorization: NTLM TlRMTVNTUAAD/m);
    assert.deepEqual(decodedMessages(r.stderr), ['NEGOTIATE', 'CHALLENGE', 'AUTHENTICATE', 'NEGOTIATE', 'CHALLENGE', 'AUTHENTICATE']);
  });

  it('a wrong proxy password: the 407 and exit 22; -p tunnels plain HTTP through CONNECT', async () => {
    const bad = await ntlmgate(['fetch', '-u', ALICE_ARG, '--proxy', squid.url, '--proxy-user', 'CORP\\bob', origin.url], {
      env: { NTLMGATE_PASSWORD: ALICE.password, NTLMGATE_PROXY_PASSWORD: 'wrong' },
    });
    assert.equal(bad.status, 22);
    assert.match(bad.stderr, /HTTP 407/);

    const tunnel = await ntlmgate(['fetch', '-v', '-p', '-u', ALICE_ARG, '--proxy', squid.url, `${origin.url}tunnel`], withPassword());
    assert.equal(tunnel.status, 0, tunnel.stderr);
    assert.equal((JSON.parse(tunnel.stdout) as ClientEcho).name, 'CORP\\alice');
    assert.match(tunnel.stderr, /^> CONNECT Proxy-Authorization: (NTLM|Negotiate) /m);
  });

  it('no proxy password source: a usage error naming NTLMGATE_PROXY_PASSWORD', async () => {
    const r = await ntlmgate(['fetch', '-u', ALICE_ARG, '--proxy', squid.url, '--proxy-user', 'CORP\\bob', origin.url], withPassword());
    assert.equal(r.status, 2);
    assert.match(r.stderr, /NTLMGATE_PROXY_PASSWORD/);
  });
});
