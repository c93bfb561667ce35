/** The PostgreSQL account store: the same contract, the same tables as SQLite, several gateways at once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openAccountStore } from '../../../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../../../src/authority/local/ntHash.js';
import { TABLES } from '../../../../src/authority/local/stores/schema.js';
import { ALICE_PASSWORD, logon, outcome, setup, STANDARD_ACCOUNTS } from '../../helpers.js';
import { postgresServer as postgresForTests } from '../../../helpers/postgres.js';
import { accountStoreContract, rejectsWith } from './contract.js';

const { server, skip } = postgresForTests();

accountStoreContract('PostgreSQL', skip, async () => {
  const url = await server!.database();
  return { open: () => openAccountStore(url) };
});

describe('PostgreSQL account store', { skip }, () => {
  it('has the same tables and columns, in the same order, as the SQLite store', async () => {
    const url = await server!.database();
    await (await openAccountStore(url)).close();
    for (const t of TABLES) {
      const r = await server!.sql(url, `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = '${t.name}' ORDER BY ordinal_position`);
      const rows = r.rows as { column_name: string; data_type: string; is_nullable: string }[];
      assert.deepEqual(rows.map((c) => c.column_name), t.columns.map((c) => c.name), t.name);
      assert.deepEqual(rows.map((c) => c.is_nullable === 'NO'), t.columns.map((c) => c.notNull), t.name);
      const types = new Map([['text', 'text'], ['int', 'bigint'], ['bytes', 'bytea']]);
      assert.deepEqual(rows.map((c) => c.data_type), t.columns.map((c) => types.get(c.type)), t.name);
    }
    const meta = await server!.sql(url, "SELECT value FROM meta WHERE key = 'accounts_schema_version'");
    assert.equal(meta.rows[0]?.value, '1');
  });

  it('several gateways opening one fresh database at once create one schema and distinct RIDs', async () => {
    const url = await server!.database();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openAccountStore(url)));
    try {
      await Promise.all(stores.flatMap((s, g) => Array.from({ length: 5 }, (_, i) => s.addAccounts([{ domain: 'CORP', name: `u${g}-${i}`, ntHash: ntHashOfPassword('x') }]))));
      const accounts = await stores[0]!.listAccounts();
      assert.equal(accounts.length, 20);
      assert.equal(new Set(accounts.map((a) => a.rid)).size, 20);
      assert.deepEqual(Math.min(...accounts.map((a) => a.rid)), 1000);
      assert.equal(new Set(accounts.map((a) => a.sid.replace(/-\d+$/, ''))).size, 1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('the same account added by two gateways at once: one wins, the other gets exists', async () => {
    const url = await server!.database();
    const [a, b] = await Promise.all([openAccountStore(url), openAccountStore(url)]);
    try {
      await a!.addGroup({ domain: 'CORP', name: 'seed' });
      const r = await Promise.allSettled([a!, b!].map((s) => s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: ntHashOfPassword('x') }])));
      assert.deepEqual(r.map((x) => x.status).sort(), ['fulfilled', 'rejected']);
      const failed = r.find((x) => x.status === 'rejected');
      assert.ok(failed && failed.status === 'rejected' && rejectsWith('exists')(failed.reason));
    } finally {
      await a!.close();
      await b!.close();
    }
  });

  it('refuses a newer schema, and reports a missing database as open-failed', async () => {
    const url = await server!.database();
    await (await openAccountStore(url)).close();
    await server!.sql(url, "UPDATE meta SET value = '2' WHERE key = 'accounts_schema_version'");
    await assert.rejects(openAccountStore(url), rejectsWith('schema-version'));
    const missing = new URL(url);
    missing.pathname = '/ntlmgate_no_such_database';
    await assert.rejects(openAccountStore(missing.toString()), rejectsWith('open-failed'));
  });

  it('an unreachable server is unreachable, with a message that names it', async () => {
    await assert.rejects(openAccountStore('postgres://u:secret@127.0.0.1:1/db', { connectTimeoutMs: 500 }), (e: Error) => {
      rejectsWith('unreachable')(e);
      assert.match(e.message, /127\.0\.0\.1:1\/db/);
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
  });

  it('two gateways sharing the store share lockout: bad passwords through either count, both refuse while locked', async () => {
    const url = await server!.database();
    const [a, b] = await Promise.all([openAccountStore(url), openAccountStore(url)]);
    try {
      await a!.addAccounts(STANDARD_ACCOUNTS, { createGroups: true });
      const g1 = await setup({}, { store: a });
      const g2 = await setup({}, { store: b, now: g1.clock.now });
      const wrong = { user: 'alice', domain: 'CORP', password: 'wrong' };
      await Promise.all([logon(g1.authority, wrong), logon(g2.authority, wrong), logon(g1.authority, wrong, { server: 'WEB2' })]);
      const right = { ...wrong, password: ALICE_PASSWORD };
      assert.equal(outcome(await logon(g1.authority, right)), 'STATUS_ACCOUNT_LOCKED_OUT');
      assert.equal(outcome(await logon(g2.authority, right)), 'STATUS_ACCOUNT_LOCKED_OUT');
      g1.clock.advance(30 * 60_000);
      const ok = await logon(g2.authority, right);
      assert.equal(ok.status, 'complete');
      assert.deepEqual(ok.result.account.groups, ['CORP\\Web Users']);
    } finally {
      await a!.close();
      await b!.close();
    }
  });
});
