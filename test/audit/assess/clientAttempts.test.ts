/**
 * Client-side attempts: every event one NTLM handshake of the client writes carries the same
 * attempt id, and two handshakes are two attempts, even within one millisecond.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fetch as undiciFetch } from 'undici';
import { memoryAttempts } from '../../../src/audit/assess/groups.js';
import { usageReport } from '../../../src/audit/assess/usage.js';
import { NtlmDispatcher } from '../../../src/http/client/dispatcher.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { ALICE, MemorySink, startIwaServer, type IwaTestServer } from '../../http/client/helpers.js';

describe('client-side logon attempts', () => {
  let server: IwaTestServer;
  before(async () => {
    server = await startIwaServer();
  });
  after(() => server.close());

  it('one attempt id per handshake, shared by its events; three handshakes are three attempts', async () => {
    const sink = new MemorySink();
    const url = `http://127.0.0.1:${server.port}/`;
    for (let i = 0; i < 3; i++) {
      // A dispatcher of its own each time: a new connection, so a new handshake.
      const d = new NtlmDispatcher({ credentials: { username: 'CORP\\alice', password: ALICE.password }, policy: loadPolicy({ RestrictSendingNTLMTraffic: 1 }), audit: sink });
      try {
        const res = await undiciFetch(url, { dispatcher: d });
        await res.arrayBuffer();
        assert.equal(res.status, 200);
      } finally {
        await d.close();
      }
    }
    const ids = sink.events.map((e) => e.context.attemptId);
    assert.equal(sink.events.length, 6, '8001 and the usage event per handshake');
    assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0));
    assert.equal(new Set(ids).size, 3);
    // All written in a burst at the same time: the ids, not the clock, keep them apart.
    const r = await usageReport(await memoryAttempts(sink.events.map((e) => ({ ...e, time: sink.events[0]?.time ?? e.time }))), { by: 'user' });
    assert.deepEqual(r.rows.map((x) => [x.key, x.attempts]), [['CORP\\alice', 3]]);
  });
});
