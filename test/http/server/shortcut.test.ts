/**
 * The wrappers' keep-alive shortcut (handler.ts, Shortcut): it must decide exactly what the full
 * path decides. Each test also checks `stats().shortcutHits`, so that a shortcut which never
 * runs (and leaves every request to the full path) fails here.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createIwaHandler, iwa } from '../../../src/http/server/handler.js';
import { ALICE, BOB, baseOptions, keepAliveAgent, LOCAL, login, parseEcho, request, startServer } from './helpers.js';

describe('keep-alive shortcut (no log hook)', () => {
  it('later requests carry the connection identity, each connection its own', async () => {
    const s = await startServer({ log: undefined });
    const a = keepAliveAgent(s.url);
    const b = keepAliveAgent(s.url);
    try {
      assert.equal(parseEcho(await login(s.url, a, { credentials: ALICE })).name, 'CORP\\alice');
      assert.equal(parseEcho(await login(s.url, b, { credentials: BOB })).name, 'CORP\\bob');
      for (let i = 0; i < 20; i++) {
        const [ra, rb] = await Promise.all([request(s.url, { agent: a }), request(s.url, { agent: b })]);
        assert.equal(parseEcho(ra).name, 'CORP\\alice');
        assert.equal(parseEcho(rb).name, 'CORP\\bob');
      }
      assert.equal(s.core.stats().shortcutHits, 40, 'every later request took the shortcut');
      // A fresh connection has no identity: 401, never another connection's user.
      assert.equal((await request(s.url, { agent: false })).status, 401);
    } finally {
      a.destroy();
      b.destroy();
      await s.close();
    }
  });

  it('a user outside the allow-list keeps getting 403 on the authenticated connection', async () => {
    const s = await startServer({ log: undefined, allow: { users: ['CORP\\bob'] } });
    const agent = keepAliveAgent(s.url);
    try {
      assert.equal((await login(s.url, agent, { credentials: LOCAL })).status, 403);
      assert.equal(s.core.stats().authenticatedConnections, 1);
      assert.equal((await request(s.url, { agent })).status, 403);
      assert.equal((await request(s.url, { agent })).status, 403);
      assert.equal(s.core.stats().shortcutHits, 0, 'a refused identity goes through the full path');
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  it('identity headers a client adds on a later request are still stripped', async () => {
    const seen: (string | undefined)[] = [];
    const app = iwa(baseOptions({ log: undefined }))((req, res) => {
      seen.push(req.headers['x-ntlmgate-user'] as string | undefined);
      res.end(req.ntlmgate?.name ?? '');
    });
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const agent = keepAliveAgent(url);
    try {
      assert.equal((await login(url, agent)).status, 200);
      const r = await request(url, { agent, headers: { 'X-NTLMGate-User': 'CORP\\admin' } });
      assert.equal(r.status, 200);
      assert.equal(r.body, 'CORP\\alice');
      assert.equal(app.stats().shortcutHits, 0, 'a request with identity headers goes through the full path');
      assert.equal((await request(url, { agent })).body, 'CORP\\alice');
      assert.equal(app.stats().shortcutHits, 1);
      assert.deepEqual(seen, [undefined, undefined, undefined]);
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('middleware form: next() runs for later requests; new credentials re-authenticate', async () => {
    const handler = createIwaHandler(baseOptions({ log: undefined }));
    let nexts = 0;
    const nextArgs: number[] = [];
    const server = http.createServer((req, res) => {
      handler(req, res, (...args: unknown[]) => {
        nexts++;
        nextArgs.push(args.length);
        res.end(req.ntlmgate?.name ?? '');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const agent = keepAliveAgent(url);
    try {
      assert.equal((await login(url, agent)).body, 'CORP\\alice');
      assert.equal((await request(url, { agent })).body, 'CORP\\alice');
      assert.equal(handler.stats().shortcutHits, 1);
      // Bad credentials on the same connection: the old identity must not survive.
      assert.equal((await login(url, agent, { credentials: { ...BOB, password: 'wrong' } })).status, 401);
      assert.equal((await request(url, { agent })).status, 401);
      assert.equal(nexts, 2);
      assert.deepEqual(nextArgs, [0, 0], 'next() gets no argument (Connect reads one as an error), shortcut or not');
      assert.equal(handler.stats().shortcutHits, 1, 'a connection whose logon failed has no identity to shortcut');
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
