/**
 * Load on one origin: 200 concurrent fetches through each of two dispatchers with different
 * accounts all come back as the right user, over no more sockets than the pools allow; and a
 * 10 MB streamed POST crosses the wire exactly once, intact.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fetch as undiciFetch, request as undiciRequest } from 'undici';
import { NtlmDispatcher } from '../../../src/http/client/dispatcher.js';
import { ALICE, BOB, randomStream, startIwaServer, type ClientEcho, type IwaTestServer } from './helpers.js';

describe('NtlmDispatcher under concurrency', () => {
  let server: IwaTestServer;
  before(async () => {
    server = await startIwaServer();
  });
  after(() => server.close());

  it('200 concurrent fetches per dispatcher, two accounts: every answer names its own user; sockets ≤ pool size', async () => {
    const POOL = 4;
    const N = 200;
    const alice = new NtlmDispatcher({ credentials: { username: 'CORP\\alice', password: ALICE.password }, connections: POOL });
    const bob = new NtlmDispatcher({ credentials: { username: 'bob', domain: 'CORP', password: BOB.password }, connections: POOL });
    const socketsBefore = server.sockets.length;
    const seenBefore = server.seen.length;
    try {
      const one = async (d: NtlmDispatcher, i: number): Promise<string | undefined> => {
        const res = await undiciFetch(`${server.url}item/${i}`, { dispatcher: d });
        assert.equal(res.status, 200);
        const echo = (await res.json()) as ClientEcho;
        assert.equal(echo.url, `/item/${i}`);
        return echo.name;
      };
      const results = await Promise.all([...Array.from({ length: N }, (_, i) => one(alice, i)), ...Array.from({ length: N }, (_, i) => one(bob, i))]);
      assert.deepEqual(new Set(results.slice(0, N)), new Set(['CORP\\alice']));
      assert.deepEqual(new Set(results.slice(N)), new Set(['CORP\\bob']));
      const used = server.sockets.length - socketsBefore;
      assert.ok(used <= 2 * POOL, `${used} sockets for two pools of ${POOL}`);
      assert.ok(used >= 2, 'each account has its own connections');
      // One handshake per connection: two legs with an Authorization header per socket, no more.
      const legs = server.seen.slice(seenBefore);
      const authLegs = legs.filter((l) => l.authorization !== undefined).length;
      assert.equal(authLegs, 2 * used, `${authLegs} Authorization headers over ${used} sockets`);
      assert.ok(legs.length <= 2 * N + 2 * used, `${legs.length} requests reached the server for ${2 * N} fetches: at most two extra per connection`);
      for (const d of [alice, bob]) assert.ok((d.stats().pools[0]?.connections ?? 0) <= POOL);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('a 10 MB streamed POST arrives intact, and the body crosses the wire once', async () => {
    const SIZE = 10 * 1024 * 1024;
    const { stream, sha256 } = randomStream(SIZE, 42);
    const d = new NtlmDispatcher({ credentials: { username: 'CORP\\alice', password: ALICE.password }, connections: 2 });
    const seenBefore = server.seen.length;
    const bytesBefore = server.bytesRead();
    try {
      const r = await undiciRequest(`${server.url}big`, { dispatcher: d, method: 'POST', body: stream(), headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(r.statusCode, 200);
      const echo = (await r.body.json()) as ClientEcho;
      assert.equal(echo.name, 'CORP\\alice');
      assert.equal(echo.bodyBytes, SIZE);
      assert.equal(echo.sha256, sha256);
      // Every byte the server read for this exchange: the body once, plus a few request heads.
      const read = server.bytesRead() - bytesBefore;
      assert.ok(read >= SIZE && read < SIZE + 32 * 1024, `server read ${read} bytes for a ${SIZE}-byte body`);
      const legs = server.seen.slice(seenBefore);
      const withBody = legs.filter((l) => l.chunked || (l.contentLength !== undefined && l.contentLength !== '0'));
      assert.equal(withBody.length, 1, `one request carried the body: ${JSON.stringify(legs.map((l) => [l.method, l.contentLength, l.chunked]))}`);
    } finally {
      await d.close();
    }
  });
});
