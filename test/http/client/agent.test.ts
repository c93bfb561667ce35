/**
 * NtlmHttpAgent / NtlmHttpsAgent for http.request, and the axios hook, against our IWA server:
 * each new socket is authenticated with HEAD legs before the caller's request goes out on it;
 * bodies (streams included) cross once; HTTPS with Extended Protection `require`; the caller's
 * own agents (and their TLS options) keep working under axios.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError } from 'axios';
import { NtlmHttpAgent, NtlmHttpsAgent } from '../../../src/http/client/agent.js';
import { ntlmAxios } from '../../../src/http/client/axios.js';
import { HttpAuthError, NtlmPolicyBlockedError } from '../../../src/http/client/errors.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { skipUnlessOpenssl } from '../server/helpers.js';
import { ALICE, BOB, MemorySink, randomStream, socketsUsed, httpsEpaServerForSuite, startIwaServer, type ClientEcho, type IwaTestServer } from './helpers.js';

const alice = { username: 'CORP\\alice', password: ALICE.password };

interface Answer {
  readonly status: number;
  readonly body: string;
}

function call(url: string, o: http.RequestOptions & { readonly body?: Buffer | NodeJS.ReadableStream }): Promise<Answer> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, o, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const b = o.body;
    if (b === undefined) req.end();
    else if (Buffer.isBuffer(b)) req.end(b);
    else b.pipe(req);
  });
}

describe('NtlmHttpAgent with http.request', () => {
  let server: IwaTestServer;
  before(async () => {
    server = await startIwaServer();
  });
  after(() => server.close());

  it('authenticates each new socket, then keeps using it (one handshake for many requests)', async () => {
    server.seen.length = 0;
    const agent = new NtlmHttpAgent({ credentials: alice, agentOptions: { maxSockets: 1 } });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await call(`${server.url}page/${i}`, { agent });
        assert.equal(r.status, 200);
        const echo = JSON.parse(r.body) as ClientEcho;
        assert.equal(echo.name, 'CORP\\alice');
        assert.equal(echo.method, 'GET');
      }
      assert.deepEqual(
        server.seen.map((s) => [s.method, s.authorization ? 'auth' : '-']),
        [
          ['HEAD', '-'],
          ['HEAD', 'auth'],
          ['HEAD', 'auth'],
          ['GET', '-'],
          ['GET', '-'],
          ['GET', '-'],
        ],
      );
      assert.equal(socketsUsed(server.seen), 1);
    } finally {
      agent.destroy();
    }
  });

  it('a streamed POST (http.request piped) is sent once, on the authenticated socket', async () => {
    server.seen.length = 0;
    const agent = new NtlmHttpAgent({ credentials: { username: 'bob', domain: 'CORP', password: BOB.password } });
    const { stream, sha256 } = randomStream(2 * 1024 * 1024, 3);
    try {
      const r = await call(`${server.url}upload`, { agent, method: 'POST', body: stream() });
      const echo = JSON.parse(r.body) as ClientEcho;
      assert.equal(echo.name, 'CORP\\bob');
      assert.equal(echo.sha256, sha256);
      assert.equal(server.seen.filter((s) => s.method === 'POST').length, 1);
    } finally {
      agent.destroy();
    }
  });

  it('Deny all: the request fails with NtlmPolicyBlockedError and the server sees no token', async () => {
    server.seen.length = 0;
    const sink = new MemorySink();
    const agent = new NtlmHttpAgent({ credentials: alice, policy: loadPolicy({ RestrictSendingNTLMTraffic: 2 }), audit: sink });
    try {
      await assert.rejects(call(server.url, { agent }), (e: unknown) => e instanceof NtlmPolicyBlockedError && e.host === '127.0.0.1');
      assert.ok(sink.ids().includes(4001));
      assert.equal(server.seen.filter((s) => s.authorization).length, 0);
    } finally {
      agent.destroy();
    }
  });

  it('wrong password: the caller gets the 401', async () => {
    const agent = new NtlmHttpAgent({ credentials: { ...alice, password: 'nope' } });
    try {
      assert.equal((await call(server.url, { agent })).status, 401);
    } finally {
      agent.destroy();
    }
  });

  it('refuses to wrap an agent that makes its sockets in createSocket (proxy agents), and one that is already NTLM', () => {
    class SocketMaker extends http.Agent {
      createSocket(): void {}
    }
    assert.throws(() => new NtlmHttpAgent({ credentials: alice, agent: new SocketMaker() }), (e: unknown) => e instanceof HttpAuthError && e.code === 'BAD_OPTION');
    const own = new NtlmHttpAgent({ credentials: alice });
    assert.throws(() => new NtlmHttpAgent({ credentials: alice, agent: own }), (e: unknown) => e instanceof HttpAuthError && e.code === 'BAD_OPTION');
    own.destroy();
  });
});

describe('NtlmHttpsAgent and axios over HTTPS with Extended Protection `require`', { skip: skipUnlessOpenssl() }, () => {
  const tls = httpsEpaServerForSuite();

  it("https.request with NtlmHttpsAgent around the caller's https.Agent (its CA): channel bindings verified", async () => {
    const callerAgent = new https.Agent({ ca: tls.cert.cert, keepAlive: true });
    const agent = new NtlmHttpsAgent({ credentials: alice, agent: callerAgent });
    try {
      const r = await call(tls.server.url, { agent });
      assert.equal(r.status, 200, r.body);
      const echo = JSON.parse(r.body) as ClientEcho;
      assert.equal(echo.channelBindingsVerified, true);
      assert.equal(echo.name, 'CORP\\alice');
    } finally {
      agent.destroy();
      callerAgent.destroy();
    }
  });

  it("axios: the caller's httpsAgent (with its CA) stays in force; bodies and per-request agents work", async () => {
    const callerAgent = new https.Agent({ ca: tls.cert.cert, keepAlive: true });
    const client = axios.create({ httpsAgent: callerAgent });
    ntlmAxios(client, { credentials: alice });
    const data = Buffer.from(JSON.stringify({ order: 42 }));
    try {
      const get = await client.get<ClientEcho>(tls.server.url);
      assert.equal(get.status, 200);
      assert.equal(get.data.name, 'CORP\\alice');
      assert.equal(get.data.channelBindingsVerified, true);
      const post = await client.post<ClientEcho>(tls.server.url + 'orders', data, { headers: { 'content-type': 'application/json' } });
      assert.equal(post.data.sha256, createHash('sha256').update(data).digest('hex'));
      // A per-request agent (another account's CA-carrying agent) is wrapped just the same.
      const other = new https.Agent({ ca: tls.cert.cert });
      const per = await client.get<ClientEcho>(tls.server.url + 'per', { httpsAgent: other });
      assert.equal(per.data.url, '/per');
      other.destroy();
      // Without the caller's CA (a plain axios instance), TLS verification still applies: the agent kept its job.
      const bare = axios.create();
      ntlmAxios(bare, { credentials: alice });
      await assert.rejects(bare.get(tls.server.url), (e: unknown) => e instanceof AxiosError && /self[- ]signed|certificate/i.test(String(e.message)));
    } finally {
      callerAgent.destroy();
    }
  });

  it('axios: a policy block surfaces as the AxiosError cause', async () => {
    const client = axios.create({ httpsAgent: new https.Agent({ ca: tls.cert.cert }) });
    ntlmAxios(client, { credentials: alice, policy: loadPolicy({ RestrictSendingNTLMTraffic: 2 }) });
    await assert.rejects(client.get(tls.server.url), (e: unknown) => {
      const cause = (e as { cause?: unknown }).cause;
      return e instanceof AxiosError && cause instanceof NtlmPolicyBlockedError;
    });
  });
});
