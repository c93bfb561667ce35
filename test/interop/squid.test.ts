/**
 * The Squid proxy peer is real: Squid 5 demands NTLM (407 + Proxy-Authenticate: NTLM) and
 * gss-ntlmssp, through test/peers/squid_ntlm_helper.py, decides every logon. Proved with
 * clients we did not write — curl (plain request and CONNECT tunnel) and Python
 * requests-ntlm — and then with our own NtlmClientContext over a raw socket, whose MS-NLMP
 * layout must pass gss-ntlmssp untouched (no helper layout fix).
 *
 * curl 7.88 sends the pre-Version NTLM layout that gss-ntlmssp 1.2 refuses; the helper inserts
 * the missing all-zero Version field (see its header) and logs it. The tests assert that this
 * is the only thing that happens for curl, and that it never happens for the other clients.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { NtlmClientContext } from '../../src/ntlm/clientContext.js';
import { PEERS_DIR, skipUnlessPeers } from '../helpers/peers.js';
import { skipUnlessSquid, startSquid, type SquidProxy } from '../helpers/squid.js';

const CURL = '/usr/bin/curl';
const PYTHON = '/usr/bin/python3';
const ALICE = { user: 'alice', domain: 'CORP', password: 'Al1ce!Pass2026' };
const BOB = { user: 'bob', domain: 'CORP', password: 'B0b!Pass2026' };
type Creds = typeof ALICE;

function skipOrFail(missing: string | undefined): string | false {
  if (!missing) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but a test peer is missing: ${missing}`);
  return missing;
}
const skipSquid = skipUnlessSquid();
const skipCurl = skipSquid || skipOrFail(existsSync(CURL) ? undefined : `needs ${CURL} (test/peers/install.sh)`);
const skipRequests = skipSquid || skipUnlessPeers(['requests', 'requests_ntlm']);
const skipOpenssl = skipOrFail(spawnSync('openssl', ['version']).status === 0 ? undefined : 'needs the openssl CLI (test/peers/install.sh)');

/** What the origin saw: the proxy must have consumed Proxy-Authorization. */
interface Echo {
  readonly origin: 'http' | 'https';
  readonly url: string;
  readonly proxyAuthorization: string | null;
  readonly via: string | null;
}

function echoHandler(origin: Echo['origin']): http.RequestListener {
  return (req, res) => {
    const echo: Echo = {
      origin,
      url: req.url ?? '',
      proxyAuthorization: req.headers['proxy-authorization'] ?? null,
      via: typeof req.headers.via === 'string' ? req.headers.via : null,
    };
    const body = JSON.stringify(echo);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-squid-test-'));
  try {
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An environment without proxy variables, so only the explicit -x / proxies= is used. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/_proxy$/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

interface CurlResult {
  readonly status: number;
  /** Status of the proxy's answer to CONNECT (0 when there was none). */
  readonly connectStatus: number;
  readonly body: string;
  readonly stderr: string;
}

/** curl through the proxy; creds undefined = no --proxy-user at all. */
async function curl(proxy: SquidProxy, url: string, creds: Creds | undefined, extra: readonly string[] = []): Promise<CurlResult> {
  const auth = creds ? ['--proxy-ntlm', '--proxy-user', `${creds.domain}\\${creds.user}:${creds.password}`] : [];
  const r = await run(CURL, ['-sS', '--noproxy', '', '-x', proxy.url, ...auth, '-w', '\n%{http_code} %{http_connect}', ...extra, url], cleanEnv());
  const cut = r.stdout.lastIndexOf('\n');
  const [status = '0', connect = '0'] = r.stdout.slice(cut + 1).split(' ');
  return { status: Number(status), connectStatus: Number(connect), body: r.stdout.slice(0, cut), stderr: r.stderr };
}

const REQUESTS_NTLM = `
import json, sys, requests
from requests_ntlm import HttpNtlmAuth
url, proxy, user, password = sys.argv[1:5]
with requests.Session() as s:   # a fresh session: NTLM is bound to the proxy connection
    s.trust_env = False
    r = s.get(url, proxies={'http': proxy}, auth=HttpNtlmAuth(user, password), timeout=20)
    print(json.dumps({'status': r.status_code, 'body': r.text, 'history': [h.status_code for h in r.history]}))
`;

/** Python requests + requests_ntlm (ntlm-auth underneath), which answers a 407 with Proxy-Authorization legs. */
async function requestsNtlm(proxy: SquidProxy, url: string, creds: Creds): Promise<{ status: number; body: string; history: number[] }> {
  const r = await run(PYTHON, ['-c', REQUESTS_NTLM, url, proxy.url, `${creds.domain}\\${creds.user}`, creds.password], cleanEnv({ OPENSSL_CONF: join(PEERS_DIR, 'openssl-legacy.cnf') }));
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { status: number; body: string; history: number[] };
}

interface RawResponse {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: Buffer;
  header(name: string): string[];
}

/** HTTP/1.1 over one raw socket, so every NTLM leg provably stays on the same connection. */
class RawConnection {
  private buf = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly onData = (d: Buffer): void => {
    this.buf = Buffer.concat([this.buf, d]);
    this.wake?.();
  };

  private constructor(readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  private async until(ready: () => boolean): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!ready()) {
      if (this.closed) throw new Error('connection closed by the proxy');
      if (Date.now() > deadline) throw new Error('timed out waiting for the proxy');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Sends a request head (no body) and reads one response; bodyless for a CONNECT 2xx. */
  async exchange(head: string, opts: { connect?: boolean } = {}): Promise<RawResponse> {
    this.socket.write(head);
    await this.until(() => this.buf.includes('\r\n\r\n'));
    const end = this.buf.indexOf('\r\n\r\n');
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    this.buf = this.buf.subarray(end + 4);
    const status = Number((lines[0] ?? '').split(' ')[1]);
    const headers = lines.slice(1).map((l): [string, string] => {
      const c = l.indexOf(':');
      return [l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim()];
    });
    const header = (name: string): string[] => headers.filter(([k]) => k === name.toLowerCase()).map(([, v]) => v);
    let body = Buffer.alloc(0);
    if (!(opts.connect && status >= 200 && status < 300)) {
      const len = header('content-length')[0];
      if (len === undefined) throw new Error(`response without Content-Length: ${lines[0]}`);
      await this.until(() => this.buf.length >= Number(len));
      body = this.buf.subarray(0, Number(len));
      this.buf = this.buf.subarray(Number(len));
    }
    return { status, headers, body, header };
  }

  /** Hands the socket over (after a CONNECT 200). */
  detach(): net.Socket {
    this.socket.removeListener('data', this.onData);
    assert.equal(this.buf.length, 0, 'no bytes may follow the CONNECT response');
    return this.socket;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The NTLM token of `Proxy-Authenticate: NTLM <b64>`, or undefined. */
function proxyChallenge(res: RawResponse): Buffer | undefined {
  for (const v of res.header('proxy-authenticate')) {
    const m = /^NTLM\s+([A-Za-z0-9+/=]+)$/.exec(v);
    if (m?.[1]) return Buffer.from(m[1], 'base64');
  }
  return undefined;
}

/** Runs the two NTLM legs of `head(authorizationHeaderLine)` with our client; returns the final response. */
async function ntlmLegs(conn: RawConnection, creds: Creds, head: (auth: string) => string, connect = false): Promise<RawResponse> {
  const client = new NtlmClientContext({ credentials: creds, workstation: 'WS01' });
  const first = await conn.exchange(head(`Proxy-Authorization: NTLM ${client.negotiate().toString('base64')}\r\n`), { connect });
  assert.equal(first.status, 407, 'the NEGOTIATE leg gets a 407 with the CHALLENGE');
  const challenge = proxyChallenge(first);
  assert.ok(challenge, `Proxy-Authenticate carries a CHALLENGE: ${JSON.stringify(first.header('proxy-authenticate'))}`);
  return conn.exchange(head(`Proxy-Authorization: NTLM ${client.authenticate(challenge).toString('base64')}\r\n`), { connect });
}

/** New helper log lines produced by `fn`. */
async function helperLinesDuring(proxy: SquidProxy, fn: () => Promise<void>): Promise<string[]> {
  const before = proxy.helperLog().length;
  await fn();
  return proxy.helperLog().slice(before);
}

describe('Squid 5 + gss-ntlmssp NTLM proxy (test/peers/squid.sh)', { skip: skipSquid || skipOpenssl }, () => {
  let proxy: SquidProxy;
  let httpOrigin: http.Server;
  let httpsOrigin: https.Server;
  let httpUrl = '';
  let httpsPort = 0;

  before(async () => {
    const { key, cert } = selfSigned();
    httpOrigin = http.createServer(echoHandler('http'));
    httpsOrigin = https.createServer({ key, cert }, echoHandler('https'));
    httpUrl = `http://127.0.0.1:${await listen(httpOrigin)}/`;
    httpsPort = await listen(httpsOrigin);
    proxy = await startSquid();
  });

  after(async () => {
    await proxy?.stop();
    httpOrigin?.closeAllConnections();
    httpsOrigin?.closeAllConnections();
    httpOrigin?.close();
    httpsOrigin?.close();
  });

  it('without credentials: 407 with Proxy-Authenticate: NTLM (and nothing else)', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'GET', path: httpUrl, headers: { host: new URL(httpUrl).host } }, resolve);
      req.on('error', reject);
      req.end();
    });
    res.resume();
    assert.equal(res.statusCode, 407);
    assert.deepEqual(res.headersDistinct['proxy-authenticate'], ['NTLM']);
  });

  it('curl --proxy-ntlm, plain request: 200 as CORP\\alice; the origin never sees Proxy-Authorization', { skip: skipCurl }, async () => {
    let r: CurlResult | undefined;
    const lines = await helperLinesDuring(proxy, async () => {
      r = await curl(proxy, `${httpUrl}curl-plain`, ALICE);
    });
    assert.ok(r);
    assert.equal(r.status, 200, r.stderr);
    const echo = JSON.parse(r.body) as Echo;
    assert.equal(echo.origin, 'http');
    assert.equal(echo.url, '/curl-plain');
    assert.equal(echo.proxyAuthorization, null, 'Squid consumes Proxy-Authorization');
    assert.match(echo.via ?? '', /squid/i);
    assert.deepEqual(
      lines.filter((l) => / AF /.test(l)).map((l) => l.replace(/^squid_ntlm_helper\[\d+\]: /, '')),
      ['AF CORP\\alice (layout fix: negotiate+authenticate)'],
      'gss-ntlmssp accepted curl after the helper inserted the missing Version fields',
    );
    assert.ok(proxy.accessLog().some((l) => l.includes('/curl-plain') && l.includes('CORP\\\\alice') && l.includes('/200 ')));
  });

  it('curl --proxytunnel: CONNECT authenticated with NTLM, then TLS to the origin: 200', { skip: skipCurl }, async () => {
    const r = await curl(proxy, `https://127.0.0.1:${httpsPort}/curl-tunnel`, BOB, ['-k', '--proxytunnel']);
    assert.equal(r.connectStatus, 200, r.stderr);
    assert.equal(r.status, 200, r.stderr);
    const echo = JSON.parse(r.body) as Echo;
    assert.equal(echo.origin, 'https');
    assert.equal(echo.url, '/curl-tunnel');
    assert.equal(echo.proxyAuthorization, null);
    assert.ok(proxy.accessLog().some((l) => l.includes(`CONNECT 127.0.0.1:${httpsPort}`) && l.includes('CORP\\\\bob')));
  });

  it('curl with a wrong password or an unknown user: 407, plain and CONNECT (gss-ntlmssp says no)', { skip: skipCurl }, async () => {
    let plain: CurlResult | undefined;
    const lines = await helperLinesDuring(proxy, async () => {
      plain = await curl(proxy, httpUrl, { ...ALICE, password: 'wrong' });
    });
    assert.equal(plain?.status, 407);
    assert.ok(lines.some((l) => /: NA .*Unspecified GSS failure/.test(l)), lines.join('\n'));
    const tunnel = await curl(proxy, `https://127.0.0.1:${httpsPort}/`, { ...ALICE, password: 'wrong' }, ['-k', '--proxytunnel']);
    assert.equal(tunnel.connectStatus, 407);
    const unknown = await curl(proxy, httpUrl, { ...ALICE, user: 'mallory' });
    assert.equal(unknown.status, 407);
  });

  it('Python requests-ntlm: 407 → NTLM legs → 200, with no layout fix; wrong password 407', { skip: skipRequests }, async () => {
    let ok: Awaited<ReturnType<typeof requestsNtlm>> | undefined;
    const lines = await helperLinesDuring(proxy, async () => {
      ok = await requestsNtlm(proxy, `${httpUrl}requests`, ALICE);
    });
    assert.ok(ok);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.history, [407, 407], 'no credentials, then the CHALLENGE');
    assert.equal((JSON.parse(ok.body) as Echo).proxyAuthorization, null);
    assert.deepEqual(lines.filter((l) => / AF /.test(l)).map((l) => l.replace(/^squid_ntlm_helper\[\d+\]: /, '')), ['AF CORP\\alice']);
    assert.ok(!lines.some((l) => l.includes('layout fix')), lines.join('\n'));
    const bad = await requestsNtlm(proxy, httpUrl, { ...ALICE, password: 'wrong' });
    assert.equal(bad.status, 407);
  });

  it('NtlmClientContext over one keep-alive socket: GET legs → 200, the connection stays authenticated', async () => {
    const conn = await RawConnection.open(proxy.port);
    try {
      const host = new URL(httpUrl).host;
      const get = (path: string) => (auth: string) => `GET ${httpUrl}${path} HTTP/1.1\r\nHost: ${host}\r\n${auth}Proxy-Connection: keep-alive\r\n\r\n`;
      let res: RawResponse | undefined;
      const lines = await helperLinesDuring(proxy, async () => {
        res = await ntlmLegs(conn, ALICE, get('ours-1'));
      });
      assert.equal(res?.status, 200, res?.body.toString());
      const echo = JSON.parse(res.body.toString()) as Echo;
      assert.equal(echo.url, '/ours-1');
      assert.equal(echo.proxyAuthorization, null);
      assert.deepEqual(lines.filter((l) => / AF /.test(l)).map((l) => l.replace(/^squid_ntlm_helper\[\d+\]: /, '')), ['AF CORP\\alice']);
      assert.ok(!lines.some((l) => l.includes('layout fix')), 'our layout needs no fix-up');
      // NTLM authenticates the connection: a further request without a header is let through.
      const again = await conn.exchange(get('ours-2')(''));
      assert.equal(again.status, 200);
      assert.equal((JSON.parse(again.body.toString()) as Echo).url, '/ours-2');
      assert.ok(proxy.accessLog().some((l) => l.includes('/ours-2') && l.includes('CORP\\\\alice')));
    } finally {
      conn.close();
    }
  });

  it('NtlmClientContext: CONNECT legs → 200 Connection established → TLS GET through the tunnel', async () => {
    const conn = await RawConnection.open(proxy.port);
    const target = `127.0.0.1:${httpsPort}`;
    const res = await ntlmLegs(conn, BOB, (auth) => `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`, true);
    assert.equal(res.status, 200);
    const socket = conn.detach();
    const body = await new Promise<string>((resolve, reject) => {
      const t = tls.connect({ socket, servername: 'localhost', rejectUnauthorized: false }, () => {
        t.write(`GET /ours-tunnel HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
      });
      let out = '';
      t.on('data', (d: Buffer) => (out += d.toString()));
      t.on('end', () => resolve(out));
      t.on('error', reject);
    });
    assert.match(body, /^HTTP\/1\.1 200 /);
    assert.equal((JSON.parse(body.slice(body.indexOf('\r\n\r\n') + 4)) as Echo).url, '/ours-tunnel');
    assert.ok(proxy.accessLog().some((l) => l.includes(`CONNECT ${target}`) && l.includes('CORP\\\\bob')));
  });

  it('NtlmClientContext with a wrong password: 407 after the AUTHENTICATE', async () => {
    const conn = await RawConnection.open(proxy.port);
    try {
      const host = new URL(httpUrl).host;
      const res = await ntlmLegs(conn, { ...ALICE, password: 'wrong' }, (auth) => `GET ${httpUrl} HTTP/1.1\r\nHost: ${host}\r\n${auth}\r\n`);
      assert.equal(res.status, 407);
      assert.deepEqual(res.header('proxy-authenticate'), ['NTLM'], 'a fresh NTLM offer, no CHALLENGE');
    } finally {
      conn.close();
    }
  });

  it('garbage in Proxy-Authorization: 407 (helper BH / gss-ntlmssp refusal), and the proxy keeps working', async () => {
    const host = new URL(httpUrl).host;
    const cases: [string, RegExp][] = [
      ['!!!not-base64', /: BH YR token is not base64/],
      ['AAAA', /: NEGOTIATE refused by gss-ntlmssp: .*Invalid token/],
      ['TlRMTVNTUAADAAAA', /: NEGOTIATE refused by gss-ntlmssp: /],
    ];
    for (const [token, logged] of cases) {
      const conn = await RawConnection.open(proxy.port);
      try {
        const lines = await helperLinesDuring(proxy, async () => {
          const res = await conn.exchange(`GET ${httpUrl} HTTP/1.1\r\nHost: ${host}\r\nProxy-Authorization: NTLM ${token}\r\n\r\n`);
          assert.equal(res.status, 407, token);
        });
        assert.ok(lines.some((l) => logged.test(l)), `${token}: ${lines.join(' | ')}`);
      } finally {
        conn.close();
      }
    }
    const conn = await RawConnection.open(proxy.port);
    try {
      const get = (auth: string) => `GET ${httpUrl}after-garbage HTTP/1.1\r\nHost: ${host}\r\n${auth}\r\n`;
      assert.equal((await ntlmLegs(conn, ALICE, get)).status, 200);
    } finally {
      conn.close();
    }
  });
});

describe('Squid with the helper layout fix off (NTLMGATE_SQUID_LAYOUT_FIX=0)', { skip: skipCurl || skipOpenssl }, () => {
  let proxy: SquidProxy;
  let origin: http.Server;
  let url = '';
  before(async () => {
    origin = http.createServer(echoHandler('http'));
    url = `http://127.0.0.1:${await listen(origin)}/`;
    proxy = await startSquid({ layoutFix: false });
  });
  after(async () => {
    await proxy?.stop();
    origin?.closeAllConnections();
    origin?.close();
  });

  it("curl's 32-byte NEGOTIATE is refused by stock gss-ntlmssp; our client still logs on", async () => {
    let r: CurlResult | undefined;
    const lines = await helperLinesDuring(proxy, async () => {
      r = await curl(proxy, url, ALICE);
    });
    assert.equal(r?.status, 407);
    assert.ok(lines.some((l) => /NEGOTIATE refused by gss-ntlmssp: .*Failed to decode data/.test(l)), lines.join('\n'));
    const conn = await RawConnection.open(proxy.port);
    try {
      const host = new URL(url).host;
      const res = await ntlmLegs(conn, ALICE, (auth) => `GET ${url} HTTP/1.1\r\nHost: ${host}\r\n${auth}\r\n`);
      assert.equal(res.status, 200);
    } finally {
      conn.close();
    }
  });
});

describe('squid_ntlm_helper.py on its own: one reply line per request, BH on garbage, never exits', { skip: skipSquid }, () => {
  it('answers garbage with BH and still completes a handshake afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-squid-helper-'));
    const users = join(dir, 'users');
    writeFileSync(users, 'CORP:alice:Al1ce!Pass2026\n');
    const child = spawn(PYTHON, [join(PEERS_DIR, 'squid_ntlm_helper.py'), '--users-file', users], { stdio: ['pipe', 'pipe', 'pipe'] });
    const replies: string[] = [];
    const waiters: ((l: string) => void)[] = [];
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const w = waiters.shift();
        if (w) w(line);
        else replies.push(line);
      }
    });
    const ask = (line: string): Promise<string> => {
      child.stdin.write(line + '\n');
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(line)}`)), 15_000);
        const got = replies.shift();
        if (got !== undefined) {
          clearTimeout(t);
          resolve(got);
        } else
          waiters.push((l) => {
            clearTimeout(t);
            resolve(l);
          });
      });
    };
    try {
      for (const garbage of ['hello', 'YR', 'YR %%%', 'KK AAAA', 'KK TlRMTVNTUAADAAAA', 'ZZ top', 'YR ' + 'A'.repeat(5000)]) {
        const r = await ask(garbage);
        assert.match(r, /^(BH|NA) /, `${garbage.slice(0, 20)} → ${r}`);
      }
      assert.match(await ask('KK AAAA'), /^BH KK without a pending YR/);
      const client = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' });
      const tt = await ask(`YR ${client.negotiate().toString('base64')}`);
      assert.match(tt, /^TT [A-Za-z0-9+/]+=*$/);
      const af = await ask(`KK ${client.authenticate(Buffer.from(tt.slice(3), 'base64')).toString('base64')}`);
      assert.equal(af, 'AF CORP\\alice');
      // A new YR resets the context mid-handshake.
      const c2 = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' });
      await ask(`YR ${new NtlmClientContext({ credentials: ALICE }).negotiate().toString('base64')}`);
      const tt2 = await ask(`YR ${c2.negotiate().toString('base64')}`);
      assert.equal(await ask(`KK ${c2.authenticate(Buffer.from(tt2.slice(3), 'base64')).toString('base64')}`), 'AF CORP\\alice');
      assert.equal(child.exitCode, null, 'still running');
    } finally {
      child.stdin.end();
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
