/**
 * Proxies that ask for NTLM / Negotiate (407): Squid 5 with a gss-ntlmssp helper (the real
 * peer, NTLM) for absolute-form requests and CONNECT tunnels — with NTLM to the origin inside
 * the tunnel, bound to the origin's certificate — and a small proxy of our own (Negotiate, a
 * proxy that closes after its first 407, policy for the proxy target).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fetch as undiciFetch, request as undiciRequest } from 'undici';
import { NtlmDispatcher } from '../../../src/http/client/dispatcher.js';
import { NtlmPolicyBlockedError, ProxyConnectError } from '../../../src/http/client/errors.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { skipUnlessSquid, startSquid, type SquidProxy } from '../../helpers/squid.js';
import { skipUnlessOpenssl } from '../server/helpers.js';
import { ALICE, BOB, makeCertificate, MemorySink, randomStream, startIwaServer, type ClientEcho, type IwaTestServer, type TestCertificate } from './helpers.js';
import { startTestProxy, type TestProxy } from './testProxy.js';

const alice = { username: 'CORP\\alice', password: ALICE.password };
const bob = { username: 'CORP\\bob', password: BOB.password };

async function fetchCause(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e instanceof TypeError && e.cause !== undefined ? e.cause : e;
  }
  return undefined;
}

const skipSquid = skipUnlessSquid() || skipUnlessOpenssl();

describe('through Squid (NTLM proxy authentication, gss-ntlmssp)', { skip: skipSquid }, () => {
  let squid: SquidProxy;
  let origin: IwaTestServer;
  let tlsOrigin: IwaTestServer;
  let cert: TestCertificate;
  before(async () => {
    cert = makeCertificate();
    [squid, origin, tlsOrigin] = await Promise.all([startSquid(), startIwaServer(), startIwaServer({ extendedProtection: 'require' }, { tls: cert })]);
  });
  after(async () => {
    await Promise.all([squid?.stop(), origin?.close(), tlsOrigin?.close()]);
    cert?.cleanup();
  });

  it('plain HTTP in absolute form: 407 handshake with the proxy, then 401 with the origin, on one connection; reused after', async () => {
    const d = new NtlmDispatcher({ credentials: alice, proxy: squid.url, connections: 1 });
    try {
      const res = await undiciFetch(origin.url + 'via-squid', { dispatcher: d });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as ClientEcho).name, 'CORP\\alice');
      const proxyLogons = squid.helperLog().filter((l) => l.endsWith('AF CORP\\alice')).length;
      assert.ok(proxyLogons >= 1, squid.helperLog().join('\n'));
      const again = await undiciFetch(origin.url + 'again', { dispatcher: d });
      assert.equal(((await again.json()) as ClientEcho).url, '/again');
      assert.equal(squid.helperLog().filter((l) => l.endsWith('AF CORP\\alice')).length, proxyLogons, 'no second proxy handshake');
    } finally {
      await d.close();
    }
  });

  it('HTTPS through a CONNECT tunnel: proxy NTLM in the CONNECT, origin NTLM inside with channel bindings (EPA require)', async () => {
    const d = new NtlmDispatcher({ credentials: alice, proxy: { url: squid.url, credentials: bob }, connect: { ca: cert.cert } });
    try {
      const res = await undiciFetch(tlsOrigin.url + 'tunnel', { dispatcher: d });
      assert.equal(res.status, 200);
      const echo = (await res.json()) as ClientEcho;
      assert.equal(echo.name, 'CORP\\alice', 'the origin sees the origin account');
      assert.equal(echo.channelBindingsVerified, true);
      assert.ok(squid.helperLog().some((l) => l.endsWith('AF CORP\\bob')), 'the proxy saw the proxy account');
    } finally {
      await d.close();
    }
  });

  it('plain HTTP through a tunnel (tunnel: true), and a 1 MB stream POST in absolute form sent once', async () => {
    const tunnelled = new NtlmDispatcher({ credentials: alice, proxy: { url: squid.url, tunnel: true } });
    const absolute = new NtlmDispatcher({ credentials: alice, proxy: squid.url });
    const { stream, sha256 } = randomStream(1024 * 1024, 11);
    try {
      const res = await undiciFetch(origin.url + 'tunnelled', { dispatcher: tunnelled });
      assert.equal(((await res.json()) as ClientEcho).name, 'CORP\\alice');
      origin.seen.length = 0;
      const r = await undiciRequest(origin.url + 'upload', { dispatcher: absolute, method: 'POST', body: stream() });
      const echo = (await r.body.json()) as ClientEcho;
      assert.equal(r.statusCode, 200);
      assert.equal(echo.sha256, sha256);
      assert.equal(origin.seen.filter((s) => s.method === 'POST' && (s.chunked || (s.contentLength ?? '0') !== '0')).length, 1);
    } finally {
      await Promise.all([tunnelled.close(), absolute.close()]);
    }
  });

  it('wrong proxy password: the CONNECT fails with ProxyConnectError 407; a plain request gets the 407 response', async () => {
    const d = new NtlmDispatcher({ credentials: { ...alice, password: 'wrong' }, proxy: squid.url, connect: { ca: cert.cert } });
    try {
      const cause = await fetchCause(undiciFetch(tlsOrigin.url, { dispatcher: d }));
      assert.ok(cause instanceof ProxyConnectError, String(cause));
      assert.equal(cause.statusCode, 407);
      // (fetch turns any 407 into a network error, as the Fetch standard says; undici.request shows it.)
      const plain = await undiciRequest(origin.url, { dispatcher: d });
      assert.equal(plain.statusCode, 407);
      await plain.body.arrayBuffer();
    } finally {
      await d.close();
    }
  });

  it('Deny all: no token goes to the proxy either (NtlmPolicyBlockedError, target proxy, 4001)', async () => {
    const sink = new MemorySink();
    const d = new NtlmDispatcher({ credentials: alice, proxy: squid.url, policy: loadPolicy({ RestrictSendingNTLMTraffic: 2 }), audit: sink });
    try {
      const cause = await fetchCause(undiciFetch(origin.url, { dispatcher: d }));
      assert.ok(cause instanceof NtlmPolicyBlockedError, String(cause));
      assert.equal(cause.target, 'proxy');
      assert.equal(sink.events.find((e) => e.eventId === 4001)?.data.TargetName, 'HTTP/127.0.0.1');
    } finally {
      await d.close();
    }
  });
});

describe('through a Negotiate proxy of our own', () => {
  let origin: IwaTestServer;
  before(async () => {
    origin = await startIwaServer();
  });
  after(() => origin.close());

  for (const closeAfterBare407 of [false, true]) {
    it(`Negotiate proxy auth, absolute form and CONNECT${closeAfterBare407 ? ' (the proxy closes after its first 407)' : ''}`, async () => {
      const proxy: TestProxy = await startTestProxy({ scheme: 'Negotiate', closeAfterBare407 });
      const sink = new MemorySink();
      const absolute = new NtlmDispatcher({ credentials: alice, proxy: proxy.url, audit: sink });
      const tunnelled = new NtlmDispatcher({ credentials: alice, proxy: { url: proxy.url, tunnel: true } });
      try {
        const a = await undiciFetch(origin.url + 'abs', { dispatcher: absolute });
        assert.equal(a.status, 200);
        assert.equal(((await a.json()) as ClientEcho).name, 'CORP\\alice');
        const t = await undiciFetch(origin.url + 'tun', { dispatcher: tunnelled });
        assert.equal(t.status, 200);
        assert.equal(((await t.json()) as ClientEcho).url, '/tun');
        assert.deepEqual(proxy.users, ['CORP\\alice', 'CORP\\alice']);
        assert.ok(proxy.seen.some((l) => /^CONNECT 127\.0\.0\.1:\d+ Negotiate$/.test(l)), proxy.seen.join('\n'));
        // A proxy that hangs up after its bare 407: each dispatcher starts its handshake on a second connection.
        assert.equal(proxy.connections, closeAfterBare407 ? 4 : 2);
        // Usage events for both hops: the proxy's SPN and the origin's.
        const services = sink.events.filter((e) => e.eventId === 4020 || e.eventId === 4021).map((e) => e.data.TargetService);
        assert.deepEqual(services, ['HTTP/127.0.0.1', 'HTTP/127.0.0.1']);
      } finally {
        await Promise.all([absolute.close(), tunnelled.close()]);
        await proxy.close();
      }
    });
  }
});
