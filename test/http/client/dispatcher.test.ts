/**
 * NtlmDispatcher against our own IWA server: undici's fetch, Node's global fetch and
 * undici.request; Negotiate and NTLM; one handshake per pinned connection, reused; a new
 * socket under the same Client is treated as unauthenticated; stream bodies are sent once;
 * HTTPS with Extended Protection `require` gets our channel bindings.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { fetch as undiciFetch, request as undiciRequest } from 'undici';
import { NtlmDispatcher } from '../../../src/http/client/dispatcher.js';
import { LocalAuthority } from '../../../src/authority/local/localAuthority.js';
import { ntHashOfPassword } from '../../../src/authority/local/ntHash.js';
import { openSqliteAccountStore } from '../../../src/authority/local/stores/sqlite.js';
import { ntowfv1 } from '../../../src/ntlm/owf.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { LOCKOUT } from '../../authority/helpers.js';
import { ALICE, randomStream, httpsEpaServerForSuite, startIwaServer, socketsUsed, type ClientEcho, type IwaTestServer } from './helpers.js';
import { skipUnlessOpenssl } from '../server/helpers.js';

const alice = { username: `${ALICE.domain}\\${ALICE.user}`, password: ALICE.password };

async function json(res: { json(): Promise<unknown> }): Promise<ClientEcho> {
  return (await res.json()) as ClientEcho;
}

describe('NtlmDispatcher against our IWA server (HTTP)', () => {
  let server: IwaTestServer;
  before(async () => {
    server = await startIwaServer();
  });
  after(() => server.close());

  it("undici fetch: 401 → NEGOTIATE → AUTHENTICATE on one connection, then reused without a handshake", async () => {
    server.seen.length = 0;
    const d = new NtlmDispatcher({ credentials: alice, connections: 1 });
    try {
      const res = await undiciFetch(server.url + 'one', { dispatcher: d });
      assert.equal(res.status, 200);
      const echo = await json(res);
      assert.equal(echo.name, 'CORP\\alice');
      assert.equal(echo.scheme, 'Negotiate', 'Negotiate is preferred when both are offered');
      assert.equal(echo.micPresent, true);
      const again = await undiciFetch(server.url + 'two', { dispatcher: d });
      assert.equal((await json(again)).name, 'CORP\\alice');
      // plain (401), NEGOTIATE (401), AUTHENTICATE (200), then the second request bare (200).
      assert.deepEqual(
        server.seen.map((s) => [s.url, s.authorization?.split(' ')[0] ?? '-']),
        [
          ['/one', '-'],
          ['/one', 'Negotiate'],
          ['/one', 'Negotiate'],
          ['/two', '-'],
        ],
      );
      assert.equal(socketsUsed(server.seen), 1);
    } finally {
      await d.close();
    }
  });

  it("Node's global fetch and undici.request use the same dispatcher", async () => {
    const d = new NtlmDispatcher({ credentials: alice, connections: 2 });
    try {
      const res = await fetch(server.url + 'global', { dispatcher: d } as unknown as RequestInit);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as ClientEcho).name, 'CORP\\alice');
      const r = await undiciRequest(server.url + 'request', { dispatcher: d });
      assert.equal(r.statusCode, 200);
      assert.equal(((await r.body.json()) as ClientEcho).url, '/request');
      const viaMethod = await d.request({ origin: server.url, path: '/method', method: 'GET' });
      assert.equal(viaMethod.statusCode, 200);
      assert.equal(((await viaMethod.body.json()) as ClientEcho).name, 'CORP\\alice');
    } finally {
      await d.close();
    }
  });

  it('NTLM only; NT-hash credentials with a workstation name', async () => {
    const d1 = new NtlmDispatcher({ credentials: alice, schemes: ['NTLM'] });
    const d2 = new NtlmDispatcher({ credentials: { username: 'alice', domain: 'CORP', ntHash: ntowfv1(ALICE.password).toString('hex'), workstation: 'WS01' } });
    try {
      const e1 = await json(await undiciFetch(server.url, { dispatcher: d1 }));
      assert.equal(e1.scheme, 'NTLM');
      assert.equal(e1.name, 'CORP\\alice');
      assert.equal((await json(await undiciFetch(server.url, { dispatcher: d2 }))).name, 'CORP\\alice');
    } finally {
      await Promise.all([d1.close(), d2.close()]);
    }
  });

  it('user@domain (a UPN) is sent whole with an empty domain; a DC (LocalAuthority) maps it to CORP\\alice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-client-upn-'));
    const store = await openSqliteAccountStore(join(dir, 'accounts.db'));
    await store.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: ntHashOfPassword(ALICE.password) }]);
    const authority = new LocalAuthority({ store, domain: { netbios: 'CORP', dns: 'corp.example.test' }, policy: loadPolicy({}), dcName: 'DC1', lockout: LOCKOUT });
    const s = await startIwaServer({ authority });
    const d = new NtlmDispatcher({ credentials: { username: 'alice@corp.example.test', password: ALICE.password } });
    try {
      const res = await undiciFetch(s.url, { dispatcher: d });
      assert.equal(res.status, 200);
      assert.equal((await json(res)).name, 'CORP\\alice');
    } finally {
      await d.close();
      await s.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the SPN goes out as MsvAvTargetName: a server requiring HTTP/127.0.0.1 accepts it, and refuses another name', async () => {
    const s = await startIwaServer({ targetNames: { names: ['HTTP/127.0.0.1'], require: true } });
    const right = new NtlmDispatcher({ credentials: alice });
    const wrong = new NtlmDispatcher({ credentials: alice, spn: (host) => `HTTP/not-${host}` });
    try {
      assert.equal((await json(await undiciFetch(s.url, { dispatcher: right }))).name, 'CORP\\alice');
      const res = await undiciFetch(s.url, { dispatcher: wrong });
      assert.equal(res.status, 401);
      await res.arrayBuffer();
    } finally {
      await Promise.all([right.close(), wrong.close()]);
      await s.close();
    }
  });

  it('a wrong password gets the 401 (not an exception), after exactly one handshake', async () => {
    server.seen.length = 0;
    const d = new NtlmDispatcher({ credentials: { ...alice, password: 'wrong' } });
    try {
      const res = await undiciFetch(server.url + 'bad', { dispatcher: d });
      assert.equal(res.status, 401);
      await res.arrayBuffer();
      assert.equal(server.seen.length, 3, 'plain, NEGOTIATE, AUTHENTICATE — no retry loop');
    } finally {
      await d.close();
    }
  });

  it('a new socket under a pinned connection is unauthenticated: the next request starts with a NEGOTIATE', async () => {
    const d = new NtlmDispatcher({ credentials: alice, connections: 1 });
    try {
      assert.equal((await undiciFetch(server.url + 'first', { dispatcher: d })).status, 200);
      // The server drops every connection (idle timeout, restart…).
      server.seen.length = 0;
      server.server.closeAllConnections();
      await new Promise((r) => setTimeout(r, 50));
      const res = await undiciFetch(server.url + 'after', { dispatcher: d });
      assert.equal(res.status, 200);
      assert.equal((await json(res)).name, 'CORP\\alice');
      // The origin is known to want Negotiate: the new connection starts its handshake at once.
      assert.deepEqual(
        server.seen.map((s) => s.authorization?.split(' ')[0] ?? '-'),
        ['Negotiate', 'Negotiate'],
      );
    } finally {
      await d.close();
    }
  });

  it('a stream body is sent once: HEAD probe, NEGOTIATE on the same method with no body, AUTHENTICATE with the body', async () => {
    server.seen.length = 0;
    const d = new NtlmDispatcher({ credentials: alice, connections: 1 });
    const { stream, sha256 } = randomStream(1024 * 1024, 7);
    try {
      const before = server.bytesRead();
      const r = await undiciRequest(server.url + 'upload', { dispatcher: d, method: 'POST', body: stream() });
      const echo = (await r.body.json()) as ClientEcho;
      assert.equal(r.statusCode, 200);
      assert.equal(echo.sha256, sha256);
      assert.equal(echo.bodyBytes, 1024 * 1024);
      const read = server.bytesRead() - before;
      assert.ok(read > 1024 * 1024 && read < 1024 * 1024 + 16 * 1024, `the server read ${read} bytes for a 1 MiB body`);
      assert.deepEqual(
        server.seen.map((s) => [s.method, s.authorization ? 'auth' : '-', s.contentLength ?? (s.chunked ? 'chunked' : '-')]),
        [
          ['HEAD', '-', '-'],
          ['POST', 'auth', '0'],
          ['POST', 'auth', 'chunked'],
        ],
      );
      // Next time the origin is known: a stream POST on the authenticated connection goes straight out.
      server.seen.length = 0;
      const again = randomStream(4096, 8);
      const r2 = await undiciRequest(server.url + 'upload2', { dispatcher: d, method: 'POST', body: again.stream() });
      assert.equal(((await r2.body.json()) as ClientEcho).sha256, again.sha256);
      assert.equal(server.seen.length, 1);
    } finally {
      await d.close();
    }
  });

  it('a fetch upload (web stream body) works and arrives intact', async () => {
    const d = new NtlmDispatcher({ credentials: alice });
    const data = Buffer.alloc(300_000, 0x61);
    try {
      const res = await undiciFetch(server.url + 'fetch-upload', {
        dispatcher: d,
        method: 'PUT',
        body: Readable.toWeb(Readable.from([data.subarray(0, 100_000), data.subarray(100_000)])) as ReadableStream,
        duplex: 'half',
      });
      const echo = await json(res);
      assert.equal(echo.method, 'PUT');
      assert.equal(echo.sha256, createHash('sha256').update(data).digest('hex'));
    } finally {
      await d.close();
    }
  });

  it('a Buffer body is replayed: the NEGOTIATE leg carries Content-Length 0', async () => {
    server.seen.length = 0;
    const d = new NtlmDispatcher({ credentials: alice, connections: 1 });
    const body = Buffer.from('{"hello":"world"}');
    try {
      const r = await d.request({ origin: server.url, path: '/json', method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const echo = (await r.body.json()) as ClientEcho;
      assert.equal(echo.bodyBytes, body.length);
      assert.deepEqual(
        server.seen.map((s) => [s.method, s.authorization ? 'auth' : '-', s.contentLength]),
        [
          ['POST', '-', String(body.length)],
          ['POST', 'auth', '0'],
          ['POST', 'auth', String(body.length)],
        ],
      );
    } finally {
      await d.close();
    }
  });

  it('a server that authenticates every request (persistence: request): each request gets its own handshake', async () => {
    const s = await startIwaServer({ persistence: 'request' });
    const d = new NtlmDispatcher({ credentials: alice, connections: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await undiciFetch(s.url + `r${i}`, { dispatcher: d });
        assert.equal(res.status, 200);
        assert.equal((await json(res)).name, 'CORP\\alice');
      }
      assert.equal(socketsUsed(s.seen), 1);
    } finally {
      await d.close();
      await s.close();
    }
  });

  it("Node's global fetch uploads a stream body and downloads 8 MB with backpressure", async () => {
    const d = new NtlmDispatcher({ credentials: alice, connections: 1 });
    const data = Buffer.alloc(200_000, 0x62);
    try {
      const up = await fetch(server.url + 'global-upload', {
        dispatcher: d,
        method: 'POST',
        body: Readable.toWeb(Readable.from([data])) as ReadableStream,
        duplex: 'half',
      } as unknown as RequestInit);
      assert.equal(((await up.json()) as ClientEcho).sha256, createHash('sha256').update(data).digest('hex'));
      const down = await fetch(server.url + '?download=8388608', { dispatcher: d } as unknown as RequestInit);
      let n = 0;
      for await (const chunk of down.body as unknown as AsyncIterable<Uint8Array>) {
        n += chunk.length;
        if (n < 1024 * 1024) await new Promise((r) => setTimeout(r, 1)); // a slow reader
      }
      assert.equal(n, 8 * 1024 * 1024);
      const r = await undiciRequest(server.url + '?download=3000000', { dispatcher: d });
      assert.equal((await r.body.arrayBuffer()).byteLength, 3_000_000);
    } finally {
      await d.close();
    }
  });

  it('aborting in the middle of a response body fails that request only; the pool carries on', async () => {
    const d = new NtlmDispatcher({ credentials: alice, connections: 1 });
    try {
      const ac = new AbortController();
      const res = await undiciFetch(server.url + '?download=20000000', { dispatcher: d, signal: ac.signal });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      ac.abort();
      await assert.rejects(
        (async () => {
          for (;;) if ((await reader.read()).done) return;
        })(),
        (e: unknown) => (e as Error).name === 'AbortError',
      );
      const next = await undiciFetch(server.url + 'after-abort', { dispatcher: d });
      assert.equal((await json(next)).url, '/after-abort');
      assert.equal(d.stats().active, 0);
    } finally {
      await d.close();
    }
  });

  it('an aborted request rejects with the abort reason and frees its connection', async () => {
    const d = new NtlmDispatcher({ credentials: alice, connections: 1 });
    try {
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(undiciFetch(server.url, { dispatcher: d, signal: ac.signal }), (e: unknown) => (e as Error).name === 'AbortError');
      const res = await undiciFetch(server.url, { dispatcher: d });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    } finally {
      await d.close();
    }
  });
});

describe('NtlmDispatcher over HTTPS with Extended Protection `require`', { skip: skipUnlessOpenssl() }, () => {
  const tls = httpsEpaServerForSuite();

  for (const scheme of ['Negotiate', 'NTLM'] as const) {
    it(`${scheme}: our channel bindings (tls-server-end-point of the server's certificate) are accepted`, async () => {
      const d = new NtlmDispatcher({ credentials: alice, schemes: [scheme], connect: { ca: tls.cert.cert } });
      try {
        const res = await undiciFetch(tls.server.url, { dispatcher: d });
        assert.equal(res.status, 200);
        const echo = await json(res);
        assert.equal(echo.name, 'CORP\\alice');
        assert.equal(echo.channelBindings, 'present');
        assert.equal(echo.channelBindingsVerified, true);
        // A second connection, started before its socket exists (the origin is known), binds to that socket.
        tls.server.server.closeAllConnections();
        await new Promise((r) => setTimeout(r, 50));
        const again = await undiciFetch(tls.server.url + 'again', { dispatcher: d });
        assert.equal((await json(again)).channelBindingsVerified, true);
      } finally {
        await d.close();
      }
    });
  }

  it('with TLS session resumption turned on, a resumed session (no certificate in sight) binds to the full handshake\'s certificate', async () => {
    const d = new NtlmDispatcher({ credentials: alice, connect: { ca: tls.cert.cert, maxCachedSessions: 10 } });
    try {
      const first = await undiciFetch(tls.server.url, { dispatcher: d });
      assert.equal((await json(first)).channelBindingsVerified, true);
      await new Promise((r) => setTimeout(r, 50)); // the TLS 1.3 session ticket arrives after the handshake
      tls.server.server.closeAllConnections();
      await new Promise((r) => setTimeout(r, 50));
      const again = await undiciFetch(tls.server.url + 'resumed', { dispatcher: d });
      assert.equal(again.status, 200);
      assert.equal((await json(again)).channelBindingsVerified, true);
      const last = tls.server.sockets[tls.server.sockets.length - 1] as TLSSocket;
      assert.equal(last.isSessionReused(), true, 'the second connection resumed the TLS session');
    } finally {
      await d.close();
    }
  });
});
