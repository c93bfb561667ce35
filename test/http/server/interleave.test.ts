/**
 * Connection-bound identity under load: two users on two keep-alive connections, plus an
 * unauthenticated third, interleave 1,000 requests; every response names its own connection's
 * user and the stranger never inherits one. Prints the request rate observed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { ALICE, BOB, keepAliveAgent, login, parseEcho, request, startServer } from './helpers.js';

const TOTAL = 1000;

describe('two users on two keep-alive connections', () => {
  it(`${TOTAL} interleaved requests: each response names its own user; a third, unauthenticated connection stays 401`, async (t) => {
    const s = await startServer();
    const agents = { alice: keepAliveAgent(s.url), bob: keepAliveAgent(s.url) };
    const stranger = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal(parseEcho(await login(s.url, agents.alice, { credentials: ALICE })).name, 'CORP\\alice');
      assert.equal(parseEcho(await login(s.url, agents.bob, { credentials: BOB, scheme: 'NTLM' })).name, 'CORP\\bob');

      const counts = { alice: 0, bob: 0, stranger: 0 };
      // Two concurrent request streams, one per connection, alternate at the server; a third
      // connection without credentials runs alongside.
      const stream = async (who: 'alice' | 'bob', n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          const res = await request(`${s.url}?i=${i}`, { agent: agents[who] });
          assert.equal(res.status, 200);
          assert.equal(parseEcho(res).user, who, `request ${i} of ${who}`);
          counts[who]++;
        }
      };
      const strangerStream = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          assert.equal((await request(s.url, { agent: stranger })).status, 401);
          counts.stranger++;
        }
      };
      const start = process.hrtime.bigint();
      await Promise.all([stream('alice', TOTAL / 2), stream('bob', TOTAL / 2), strangerStream(50)]);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const rate = Math.round((TOTAL + 50) / seconds);
      t.diagnostic(`${TOTAL + 50} requests in ${seconds.toFixed(3)} s: ${rate} requests/s`);
      console.log(`# interleaving: ${TOTAL + 50} requests in ${seconds.toFixed(3)} s = ${rate} requests/s`);

      assert.deepEqual(counts, { alice: TOTAL / 2, bob: TOTAL / 2, stranger: 50 });
      const stats = s.core.stats();
      assert.equal(stats.authenticatedConnections, 2);
      assert.equal(stats.trackedConnections, 3, 'each agent kept its one connection');
      assert.equal(stats.liveContexts, 0);
    } finally {
      agents.alice.destroy();
      agents.bob.destroy();
      stranger.destroy();
      await s.close();
    }
  });
});
