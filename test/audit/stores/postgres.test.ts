import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildEvent } from '../../../src/events/event.js';
import { POSTGRES_SCHEMA_VERSION, PostgresAuditStore } from '../../../src/audit/stores/postgres.js';
import { storeContract } from './contract.js';
import { collect, sampleEvent, withCode } from './helpers.js';
import { postgresServer } from '../../helpers/postgres.js';

const { server, skip } = postgresServer();

storeContract({
  name: 'PostgreSQL',
  skip,
  fresh: async () => {
    const url = await server!.database();
    return {
      open: () => PostgresAuditStore.open(url),
      bumpSchema: async () => void (await server!.sql(url, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")),
    };
  },
});

describe('PostgreSQL store specifics', { skip }, () => {
  it('schema: timestamptz time, jsonb data, context columns, indexes, schema version in meta', async () => {
    const url = await server!.database();
    const store = await PostgresAuditStore.open(url);
    await store.write([sampleEvent(4)]);
    await store.close();
    const row = await server!.sql(
      url,
      "SELECT pg_typeof(time)::text AS t, pg_typeof(data)::text AS d, data->>'UserName' AS user, decision, client_ip, (extract(epoch from time) * 1000)::bigint AS ms FROM audit_events",
    );
    assert.deepEqual({ ...row.rows[0] }, { t: 'timestamp with time zone', d: 'jsonb', user: 'user4', decision: 'audit', client_ip: '10.0.4.7', ms: String(Date.parse(sampleEvent(4).time)) });
    const idx = await server!.sql(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'audit_events' ORDER BY indexname");
    assert.deepEqual(idx.rows.map((r: { indexname: string }) => r.indexname), ['audit_events_event_id', 'audit_events_pkey', 'audit_events_record', 'audit_events_time']);
    // data_keys is only kept when jsonb's key order would lose the Data order
    const plain = await PostgresAuditStore.open(url);
    await plain.write([buildEvent({ eventId: 8002, data: { ProcessName: 'w3wp.exe' } }, { time: 0, computer: 'WEB1' })]);
    await plain.close();
    const keys = await server!.sql(url, 'SELECT event_id, data_keys IS NULL AS template_order FROM audit_events ORDER BY seq');
    assert.deepEqual(keys.rows.map((r: object) => ({ ...r })), [{ event_id: 4002, template_order: false }, { event_id: 8002, template_order: true }]);
    const meta = await server!.sql(url, "SELECT value FROM meta WHERE key = 'schema_version'");
    assert.equal(meta.rows[0]?.value, String(POSTGRES_SCHEMA_VERSION));
  });

  it('several gateways opening one fresh database at once: one schema, every event', async () => {
    const url = await server!.database();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresAuditStore.open(url)));
    await Promise.all(stores.flatMap((s, g) => Array.from({ length: 50 }, (_, i) => s.write([sampleEvent(i, `g${g}-${i}`)]))));
    assert.equal(await stores[0]!.count(), 200);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('reconnects: connections killed by the server are replaced, writes carry on', async () => {
    const url = await server!.database();
    const store = await PostgresAuditStore.open(url);
    await store.write([sampleEvent(0)]);
    const killed = await server!.sql(url, "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = 'ntlmgate-audit'");
    assert.ok(Number(killed.rows[0]?.n) >= 1, 'the store had a pooled connection to kill');
    await store.write([sampleEvent(1)]);
    await Promise.all([2, 3, 4].map((i) => store.write([sampleEvent(i)])));
    assert.deepEqual((await collect(store.query())).map((e) => e.context.requestId), ['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
    await store.close();
  });

  it('a failing INSERT rejects the write()s of its batch with write-failed', async () => {
    const url = await server!.database();
    const store = await PostgresAuditStore.open(url);
    await server!.sql(url, 'ALTER TABLE audit_events ADD CONSTRAINT no_blocks CHECK (decision IS DISTINCT FROM \'block\')');
    const results = await Promise.allSettled([store.write([sampleEvent(0)]), store.write([sampleEvent(2)])]); // 2 is a block
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      withCode('write-failed')(r.reason);
    }
    await store.write([sampleEvent(1)]);
    assert.equal(await store.count(), 1);
    await store.close();
  });

  it('a database that does not exist is open-failed, with the server\'s reason', async () => {
    const u = new URL(server!.adminUrl);
    u.pathname = '/ntlmgate_no_such_db';
    await assert.rejects(PostgresAuditStore.open(u.toString()), (e: unknown) => withCode('open-failed')(e) && /does not exist/.test((e as Error).message));
  });

  it('forces synchronous_commit on for its transactions when the server default is off', async () => {
    const url = await server!.database();
    await server!.sql(url, `ALTER DATABASE ${new URL(url).pathname.slice(1)} SET synchronous_commit = off`);
    const store = await PostgresAuditStore.open(url);
    assert.equal((store as unknown as { forceSyncCommit: boolean }).forceSyncCommit, true);
    await store.write([sampleEvent(0)]);
    await store.close();
  });
});
