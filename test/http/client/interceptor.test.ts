/**
 * ntlmInterceptor composed onto an undici Agent (with other interceptors): requests go down
 * the chain until an origin asks for Negotiate/NTLM; that 401 is swallowed and the request
 * replayed on the interceptor's pinned connections, where the origin's later requests go too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch, interceptors, request as undiciRequest } from 'undici';
import { ntlmInterceptor } from '../../../src/http/client/interceptor.js';
import { ALICE, randomStream, startIwaServer, type ClientEcho, type IwaTestServer } from './helpers.js';

const alice = { username: 'CORP\\alice', password: ALICE.password };

describe('ntlmInterceptor with compose()', () => {
  let server: IwaTestServer;
  let plain: http.Server;
  let plainUrl: string;
  before(async () => {
    server = await startIwaServer();
    // A server without authentication that redirects /go to the IWA server.
    plain = http.createServer((req, res) => {
      if (req.url === '/go') {
        res.writeHead(302, { location: `${server.url}landed` }).end();
        return;
      }
      res.setHeader('content-type', 'text/plain');
      res.end(`plain ${req.method} ${req.url} auth=${req.headers.authorization ?? '-'}`);
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await server.close();
    plain.closeAllConnections();
    await new Promise<void>((r) => plain.close(() => r()));
  });

  it('first request: down the chain, 401 swallowed, replayed pinned; later requests go pinned directly', async () => {
    const ntlm = ntlmInterceptor({ credentials: alice });
    const base = new Agent();
    const d = base.compose(ntlm);
    server.seen.length = 0;
    try {
      const res = await undiciFetch(server.url + 'a', { dispatcher: d });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as ClientEcho).name, 'CORP\\alice');
      const post = await undiciRequest(server.url + 'b', { dispatcher: d, method: 'POST', body: 'small body' });
      const echo = (await post.body.json()) as ClientEcho;
      assert.equal(echo.bodyBytes, 10);
      assert.equal(echo.name, 'CORP\\alice');
      // /a: chain (401), then pinned: NEGOTIATE + AUTHENTICATE (the origin is known: no second 401). /b: bare, authenticated.
      assert.deepEqual(
        server.seen.map((s) => [s.url, s.authorization ? 'auth' : '-']),
        [
          ['/a', '-'],
          ['/a', 'auth'],
          ['/a', 'auth'],
          ['/b', '-'],
        ],
      );
      assert.equal(ntlm.dispatcher.stats().pools.length, 1);
    } finally {
      await d.close();
      await ntlm.dispatcher.close();
    }
  });

  it('origins without NTLM stay on the chain untouched; interceptors listed after it (redirect) wrap it', async () => {
    const ntlm = ntlmInterceptor({ credentials: alice });
    const d = new Agent().compose(ntlm, interceptors.redirect({ maxRedirections: 2 }));
    try {
      const r = await undiciRequest(plainUrl + 'hello', { dispatcher: d });
      assert.equal(await r.body.text(), 'plain GET /hello auth=-');
      assert.equal(ntlm.dispatcher.stats().pools.length, 0, 'the pinned pool never saw the plain origin');
      // Redirected from the plain origin to the IWA one, where NTLM takes over.
      const viaRedirect = await undiciRequest(plainUrl + 'go', { dispatcher: d });
      assert.equal(viaRedirect.statusCode, 200);
      assert.equal(((await viaRedirect.body.json()) as ClientEcho).url, '/landed');
    } finally {
      await d.close();
      await ntlm.dispatcher.close();
    }
  });

  it('a stream body to an origin not seen yet goes pinned at once (HEAD probe), and is sent once', async () => {
    const ntlm = ntlmInterceptor({ credentials: alice });
    const d = new Agent().compose(ntlm);
    const { stream, sha256 } = randomStream(256 * 1024, 9);
    server.seen.length = 0;
    try {
      const r = await undiciRequest(server.url + 'up', { dispatcher: d, method: 'PUT', body: stream() });
      const echo = (await r.body.json()) as ClientEcho;
      assert.equal(echo.sha256, sha256);
      assert.equal(server.seen.filter((s) => s.method === 'PUT' && s.chunked).length, 1);
    } finally {
      await d.close();
      await ntlm.dispatcher.close();
    }
  });

  it('`origins` limits NTLM to the listed hosts: others get their 401 as is', async () => {
    const ntlm = ntlmInterceptor({ credentials: alice, origins: (o) => o === 'http://intranet.example.test' });
    const d = new Agent().compose(ntlm);
    try {
      const res = await undiciFetch(server.url, { dispatcher: d });
      assert.equal(res.status, 401);
      await res.arrayBuffer();
    } finally {
      await d.close();
      await ntlm.dispatcher.close();
    }
  });
});
