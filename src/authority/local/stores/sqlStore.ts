/**
 * The AccountStore over any SqlDriver: every query and transaction, written once for
 * SQLite and PostgreSQL (sqlite.ts and postgres.ts only open the database).
 */
import type {
  Account,
  AccountFilter,
  AccountStore,
  AccountSummary,
  AddAccountsOptions,
  AddAccountsResult,
  Group,
  NewAccount,
} from '../accountStore.js';
import { AccountStoreError } from '../../errors.js';
import { sameLockout, type LockoutState } from '../lockout.js';
import { checkAccountName, checkNetbios, nameKey, qualified, type AccountKey } from '../../names.js';
import { checkNtHash } from '../ntHash.js';
import { FIRST_RID, newDomainSid } from '../sid.js';
import { MIGRATION_LOCK } from '../../../postgres/locks.js';
import { ACCOUNTS_SCHEMA_VERSION, metaTableSql, schemaStatements, SCHEMA_VERSION_KEY } from './schema.js';
import type { SqlDriver, SqlRow, SqlSession, SqlValue } from './sql.js';

/** Integers come back as numbers (SQLite) or strings (PostgreSQL bigint). */
function num(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new AccountStoreError('read-failed', `unexpected value ${String(v)} where an integer was stored`);
  return n;
}

function optNum(v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : num(v);
}

function lockoutOf(r: LockoutRow): LockoutState {
  const lastFailureAt = optNum(r.last_failure_at);
  const lockedUntil = optNum(r.locked_until);
  return { failedCount: num(r.failed_count), ...(lastFailureAt !== undefined && { lastFailureAt }), ...(lockedUntil !== undefined && { lockedUntil }) };
}

interface LockoutRow extends SqlRow {
  readonly failed_count: unknown;
  readonly last_failure_at: unknown;
  readonly locked_until: unknown;
}

interface AccountRow extends LockoutRow {
  readonly domain: string;
  readonly name: string;
  readonly domain_key: string;
  readonly name_key: string;
  readonly rid: unknown;
  readonly sid: string;
  readonly enabled: unknown;
  readonly password_set_at: unknown;
  readonly created_at: unknown;
  readonly group_domain: string | null;
  readonly group_name: string | null;
  readonly nt_hash?: Buffer | Uint8Array;
}

interface GroupRow extends SqlRow {
  readonly domain: string;
  readonly name: string;
  readonly rid: unknown;
  readonly sid: string;
  readonly created_at: unknown;
  readonly members: unknown;
}

// One statement reads an account with its groups (one row per group), so a lookup costs the
// same whether the account exists, has groups, or not.
const ACCOUNT_SELECT = `SELECT d.name AS domain, a.name AS name, a.domain_key AS domain_key, a.name_key AS name_key, a.rid, a.sid, a.enabled,
  a.password_set_at, a.created_at, a.failed_count, a.last_failure_at, a.locked_until, gd.name AS group_domain, g.name AS group_name`;
const ACCOUNT_FROM = `FROM accounts a
  JOIN account_domains d ON d.name_key = a.domain_key
  LEFT JOIN account_group_members m ON m.member_domain_key = a.domain_key AND m.member_name_key = a.name_key
  LEFT JOIN account_groups g ON g.domain_key = m.group_domain_key AND g.name_key = m.group_name_key
  LEFT JOIN account_domains gd ON gd.name_key = g.domain_key`;

const GROUP_SELECT = `SELECT d.name AS domain, g.name AS name, g.rid, g.sid, g.created_at, COUNT(m.member_name_key) AS members
  FROM account_groups g
  JOIN account_domains d ON d.name_key = g.domain_key
  LEFT JOIN account_group_members m ON m.group_domain_key = g.domain_key AND m.group_name_key = g.name_key`;
const GROUP_BY = 'GROUP BY g.domain_key, g.name_key, d.name, g.name, g.rid, g.sid, g.created_at ORDER BY g.domain_key, g.name_key';

function byName(a: string, b: string): number {
  const x = nameKey(a);
  const y = nameKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Folds the one-row-per-group result into accounts, in query order. */
function foldAccounts(rows: readonly AccountRow[]): Account[] {
  const out = new Map<string, { row: AccountRow; groups: string[] }>();
  for (const r of rows) {
    const key = `${r.domain_key}\\${r.name_key}`;
    let a = out.get(key);
    if (!a) out.set(key, (a = { row: r, groups: [] }));
    if (r.group_name !== null && r.group_domain !== null) a.groups.push(qualified({ domain: r.group_domain, name: r.group_name }));
  }
  return [...out.values()].map(({ row: r, groups }) => ({
    domain: r.domain,
    name: r.name,
    sid: r.sid,
    rid: num(r.rid),
    enabled: num(r.enabled) === 1,
    groups: groups.sort(byName),
    passwordSetAt: num(r.password_set_at),
    createdAt: num(r.created_at),
    lockout: lockoutOf(r),
    ntHash: r.nt_hash ? Buffer.from(r.nt_hash) : Buffer.alloc(0),
  }));
}

function toGroup(r: GroupRow): Group {
  return { domain: r.domain, name: r.name, sid: r.sid, rid: num(r.rid), createdAt: num(r.created_at), memberCount: num(r.members) };
}

function checkKey(k: AccountKey, what: string): AccountKey {
  checkNetbios(k.domain, `domain of ${what}`);
  checkAccountName(k.name, `${what} name`);
  return k;
}

const keyParams = (k: AccountKey): [string, string] => [nameKey(k.domain), nameKey(k.name)];

export class SqlAccountStore implements AccountStore {
  private closed = false;

  private constructor(
    private readonly db: SqlDriver,
    private readonly random: ((n: number) => Buffer) | undefined,
  ) {}

  /** Creates the schema on first open (or checks its version) and returns the store. */
  static async open(db: SqlDriver, options: { random?: (n: number) => Buffer } = {}): Promise<SqlAccountStore> {
    try {
      await migrate(db);
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
    return new SqlAccountStore(db, options.random);
  }

  get location(): string {
    return this.db.location;
  }

  async getAccount(key: AccountKey): Promise<Account | undefined> {
    this.assertOpen();
    const rows = await this.db.all<AccountRow>(`${ACCOUNT_SELECT}, a.nt_hash ${ACCOUNT_FROM} WHERE a.domain_key = ? AND a.name_key = ?`, keyParams(key));
    return foldAccounts(rows)[0];
  }

  async listAccounts(filter: AccountFilter = {}): Promise<AccountSummary[]> {
    this.assertOpen();
    const where = filter.domain !== undefined ? 'WHERE a.domain_key = ?' : '';
    const params = filter.domain !== undefined ? [nameKey(filter.domain)] : [];
    // The hash column is not even selected: a listing cannot leak it.
    const rows = await this.db.all<AccountRow>(`${ACCOUNT_SELECT} ${ACCOUNT_FROM} ${where} ORDER BY a.domain_key, a.name_key`, params);
    return foldAccounts(rows).map(({ ntHash: _omit, ...summary }) => summary);
  }

  async addAccounts(accounts: readonly NewAccount[], options: AddAccountsOptions = {}): Promise<AddAccountsResult> {
    this.assertOpen();
    const now = options.now ?? Date.now();
    const seen = new Set<string>();
    const prepared = accounts.map((a) => {
      checkKey(a, 'account');
      const k = `${nameKey(a.domain)}\\${nameKey(a.name)}`;
      if (seen.has(k)) throw new AccountStoreError('invalid', `account ${qualified(a)} is given twice`);
      seen.add(k);
      return { key: { domain: a.domain, name: a.name }, ntHash: checkNtHash(a.ntHash), enabled: a.enabled ?? true, groups: (a.groups ?? []).map((g) => checkKey(g, 'group')) };
    });
    return this.db.transaction(async (s) => {
      const created: AccountKey[] = [];
      const updated: AccountKey[] = [];
      const groupsCreated: AccountKey[] = [];
      for (const a of prepared) {
        await this.ensureDomain(s, a.key.domain, now);
        if (await exists(s, 'account_groups', a.key)) throw new AccountStoreError('exists', `${qualified(a.key)} is a group (users and groups share one namespace per domain)`);
        if (await exists(s, 'accounts', a.key)) {
          if (options.existing !== 'update') throw new AccountStoreError('exists', `account ${qualified(a.key)} exists already`);
          await s.run('UPDATE accounts SET nt_hash = ?, password_set_at = ? WHERE domain_key = ? AND name_key = ?', [a.ntHash, now, ...keyParams(a.key)]);
          updated.push(a.key);
        } else {
          const { rid, sid } = await allocateRid(s, a.key.domain);
          await s.run(
            `INSERT INTO accounts (domain_key, name_key, name, rid, sid, nt_hash, enabled, password_set_at, created_at, failed_count, last_failure_at, locked_until)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL)`,
            [...keyParams(a.key), a.key.name, rid, sid, a.ntHash, a.enabled ? 1 : 0, now, now],
          );
          created.push(a.key);
        }
        for (const g of a.groups) {
          if (!(await exists(s, 'account_groups', g))) {
            if (!options.createGroups) throw new AccountStoreError('not-found', `group ${qualified(g)} does not exist (create it with: ntlmgate groups add ${qualified(g)})`);
            await this.createGroup(s, g, now);
            groupsCreated.push(g);
          }
          await s.run(
            'INSERT INTO account_group_members (group_domain_key, group_name_key, member_domain_key, member_name_key) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
            [...keyParams(g), ...keyParams(a.key)],
          );
        }
      }
      return { created, updated, groupsCreated };
    });
  }

  async removeAccount(key: AccountKey): Promise<void> {
    this.assertOpen();
    const n = await this.db.run('DELETE FROM accounts WHERE domain_key = ? AND name_key = ?', keyParams(key));
    if (n === 0) throw notFound('account', key);
  }

  async setPassword(key: AccountKey, ntHash: Uint8Array, at: number = Date.now()): Promise<void> {
    this.assertOpen();
    const n = await this.db.run('UPDATE accounts SET nt_hash = ?, password_set_at = ? WHERE domain_key = ? AND name_key = ?', [checkNtHash(ntHash), at, ...keyParams(key)]);
    if (n === 0) throw notFound('account', key);
  }

  async setEnabled(key: AccountKey, enabled: boolean): Promise<void> {
    this.assertOpen();
    const n = await this.db.run('UPDATE accounts SET enabled = ? WHERE domain_key = ? AND name_key = ?', [enabled ? 1 : 0, ...keyParams(key)]);
    if (n === 0) throw notFound('account', key);
  }

  async updateLockout(key: AccountKey, next: (current: LockoutState) => LockoutState): Promise<LockoutState> {
    this.assertOpen();
    const state = await this.lockoutTransaction('accounts', 'domain_key = ? AND name_key = ?', keyParams(key), next);
    if (!state) throw notFound('account', key);
    return state;
  }

  async recordUnknownFailure(at: number): Promise<void> {
    this.assertOpen();
    await this.lockoutTransaction('account_unknown_failures', 'id = ?', [1], (s) => ({ failedCount: s.failedCount + 1, lastFailureAt: at }));
  }

  async addGroup(key: AccountKey, at: number = Date.now()): Promise<Group> {
    this.assertOpen();
    checkKey(key, 'group');
    return this.db.transaction(async (s) => {
      await this.ensureDomain(s, key.domain, at);
      if (await exists(s, 'account_groups', key)) throw new AccountStoreError('exists', `group ${qualified(key)} exists already`);
      const { rid, sid } = await this.createGroup(s, key, at);
      return { domain: key.domain, name: key.name, rid, sid, createdAt: at, memberCount: 0 };
    });
  }

  async removeGroup(key: AccountKey): Promise<void> {
    this.assertOpen();
    const n = await this.db.run('DELETE FROM account_groups WHERE domain_key = ? AND name_key = ?', keyParams(key));
    if (n === 0) throw notFound('group', key);
  }

  async listGroups(filter: AccountFilter = {}): Promise<Group[]> {
    this.assertOpen();
    const where = filter.domain !== undefined ? 'WHERE g.domain_key = ?' : '';
    const params = filter.domain !== undefined ? [nameKey(filter.domain)] : [];
    return (await this.db.all<GroupRow>(`${GROUP_SELECT} ${where} ${GROUP_BY}`, params)).map(toGroup);
  }

  async groupMembers(group: AccountKey): Promise<AccountKey[]> {
    this.assertOpen();
    return this.db.transaction(async (s) => {
      if (!(await exists(s, 'account_groups', group))) throw notFound('group', group);
      const rows = await s.all<{ domain: string; name: string }>(
        `SELECT d.name AS domain, a.name AS name FROM account_group_members m
           JOIN accounts a ON a.domain_key = m.member_domain_key AND a.name_key = m.member_name_key
           JOIN account_domains d ON d.name_key = a.domain_key
         WHERE m.group_domain_key = ? AND m.group_name_key = ? ORDER BY a.domain_key, a.name_key`,
        keyParams(group),
      );
      return rows.map((r) => ({ domain: r.domain, name: r.name }));
    });
  }

  async addMembers(group: AccountKey, members: readonly AccountKey[]): Promise<AccountKey[]> {
    this.assertOpen();
    return this.db.transaction(async (s) => {
      if (!(await exists(s, 'account_groups', group))) throw notFound('group', group);
      const added: AccountKey[] = [];
      for (const m of members) {
        const canonical = await accountName(s, m);
        if (!canonical) throw notFound('account', m);
        const n = await s.run(
          'INSERT INTO account_group_members (group_domain_key, group_name_key, member_domain_key, member_name_key) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
          [...keyParams(group), ...keyParams(m)],
        );
        if (n > 0) added.push(canonical);
      }
      return added;
    });
  }

  async removeMembers(group: AccountKey, members: readonly AccountKey[]): Promise<AccountKey[]> {
    this.assertOpen();
    return this.db.transaction(async (s) => {
      if (!(await exists(s, 'account_groups', group))) throw notFound('group', group);
      const removed: AccountKey[] = [];
      for (const m of members) {
        const canonical = await accountName(s, m);
        const n = await s.run(
          'DELETE FROM account_group_members WHERE group_domain_key = ? AND group_name_key = ? AND member_domain_key = ? AND member_name_key = ?',
          [...keyParams(group), ...keyParams(m)],
        );
        if (n > 0) removed.push(canonical ?? m);
      }
      return removed;
    });
  }

  async domainSid(domain: string): Promise<string | undefined> {
    this.assertOpen();
    const rows = await this.db.all<{ sid: string }>('SELECT sid FROM account_domains WHERE name_key = ?', [nameKey(domain)]);
    return rows[0]?.sid;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new AccountStoreError('closed', `account store ${this.db.location} is closed`);
  }

  /** The domain row, created with a fresh random SID the first time the domain is named. */
  private async ensureDomain(s: SqlSession, domain: string, now: number): Promise<void> {
    await s.run('INSERT INTO account_domains (name_key, name, sid, next_rid, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING', [
      nameKey(domain),
      domain,
      newDomainSid(this.random),
      FIRST_RID,
      now,
    ]);
  }

  private async createGroup(s: SqlSession, key: AccountKey, now: number): Promise<{ rid: number; sid: string }> {
    await this.ensureDomain(s, key.domain, now);
    if (await exists(s, 'accounts', key)) throw new AccountStoreError('exists', `${qualified(key)} is a user (users and groups share one namespace per domain)`);
    const { rid, sid } = await allocateRid(s, key.domain);
    await s.run('INSERT INTO account_groups (domain_key, name_key, name, rid, sid, created_at) VALUES (?, ?, ?, ?, ?, ?)', [...keyParams(key), key.name, rid, sid, now]);
    return { rid, sid };
  }

  /**
   * SELECT … FOR UPDATE, then UPDATE when the state changes: the one path both a real
   * account's counter and the unknown-account row take. Undefined when there is no row.
   */
  private lockoutTransaction(
    table: 'accounts' | 'account_unknown_failures',
    where: string,
    params: readonly SqlValue[],
    next: (current: LockoutState) => LockoutState,
  ): Promise<LockoutState | undefined> {
    return this.db.transaction(async (s) => {
      const rows = await s.all<LockoutRow>(`SELECT failed_count, last_failure_at, locked_until FROM ${table} WHERE ${where}${this.db.forUpdate}`, params);
      const row = rows[0];
      if (!row) return undefined;
      const current = lockoutOf(row);
      const state = next(current);
      if (!Number.isSafeInteger(state.failedCount) || state.failedCount < 0) throw new AccountStoreError('invalid', `failed count ${state.failedCount}`);
      if (!sameLockout(current, state)) {
        await s.run(`UPDATE ${table} SET failed_count = ?, last_failure_at = ?, locked_until = ? WHERE ${where}`, [
          state.failedCount,
          state.lastFailureAt ?? null,
          state.lockedUntil ?? null,
          ...params,
        ]);
      }
      return state;
    });
  }
}

function notFound(what: 'account' | 'group', k: AccountKey): AccountStoreError {
  return new AccountStoreError('not-found', `no ${what} ${qualified(k)}`);
}

async function exists(s: SqlSession, table: 'accounts' | 'account_groups', k: AccountKey): Promise<boolean> {
  return (await s.all(`SELECT 1 AS x FROM ${table} WHERE domain_key = ? AND name_key = ?`, keyParams(k))).length > 0;
}

/** The account as spelled when created, or undefined. */
async function accountName(s: SqlSession, k: AccountKey): Promise<AccountKey | undefined> {
  const rows = await s.all<{ domain: string; name: string }>(
    'SELECT d.name AS domain, a.name AS name FROM accounts a JOIN account_domains d ON d.name_key = a.domain_key WHERE a.domain_key = ? AND a.name_key = ?',
    keyParams(k),
  );
  return rows[0];
}

/** The next RID of the domain (the domain row is the counter, so concurrent gateways never share one). */
async function allocateRid(s: SqlSession, domain: string): Promise<{ rid: number; sid: string }> {
  const rows = await s.all<{ rid: unknown; sid: string }>('UPDATE account_domains SET next_rid = next_rid + 1 WHERE name_key = ? RETURNING next_rid - 1 AS rid, sid', [
    nameKey(domain),
  ]);
  const r = rows[0];
  if (!r) throw new AccountStoreError('write-failed', `domain ${domain} vanished while adding to it`);
  const rid = num(r.rid);
  if (rid > 0xffffffff) throw new AccountStoreError('write-failed', `domain ${domain} has no RIDs left`);
  return { rid, sid: `${r.sid}-${rid}` };
}

/** Creates the schema on first open; refuses a store written by a newer ntlmgate. */
async function migrate(db: SqlDriver): Promise<void> {
  await db.transaction(async (s) => {
    if (db.dialect === 'postgres') await s.all('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    await s.run(metaTableSql(db.dialect));
    const rows = await s.all<{ value: string }>('SELECT value FROM meta WHERE key = ?', [SCHEMA_VERSION_KEY]);
    const version = rows[0]?.value;
    if (version === undefined) {
      for (const stmt of schemaStatements(db.dialect)) await s.run(stmt);
      await s.run('INSERT INTO meta (key, value) VALUES (?, ?)', [SCHEMA_VERSION_KEY, String(ACCOUNTS_SCHEMA_VERSION)]);
    } else if (version !== String(ACCOUNTS_SCHEMA_VERSION)) {
      throw new AccountStoreError(
        'schema-version',
        `${db.location} has account schema version ${version}; this ntlmgate reads version ${ACCOUNTS_SCHEMA_VERSION} (upgrade ntlmgate, or use another store)`,
      );
    }
  });
}
