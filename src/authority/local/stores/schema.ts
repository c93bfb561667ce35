/**
 * The account tables, written once and rendered for each database, so SQLite and
 * PostgreSQL hold the same tables with the same columns in the same order (tests compare
 * them). Integers are 64-bit (times are ms since the epoch; RIDs reach 2^32 − 1), booleans
 * are 0/1 integers, the NT hash is a 16-byte blob. `*_key` columns hold the upper-cased
 * name every lookup uses; the name columns keep the spelling given at creation.
 *
 * The tables are prefixed `account_` (and `meta` is shared, keyed `accounts_schema_version`)
 * so the audit store may live in the same database or file.
 */

export const ACCOUNTS_SCHEMA_VERSION = 1;
export const SCHEMA_VERSION_KEY = 'accounts_schema_version';

export type Dialect = 'sqlite' | 'postgres';

type ColumnType = 'text' | 'int' | 'bytes';

interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
  /** A CHECK on this column; `length(x)` is rendered per dialect. */
  readonly check?: (col: string, d: Dialect) => string;
}

export interface Table {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
  readonly unique?: readonly (readonly string[])[];
  readonly foreignKeys?: readonly { readonly columns: readonly string[]; readonly references: string; readonly refColumns: readonly string[]; readonly cascade: boolean }[];
}

const col = (name: string, type: ColumnType, notNull = true, check?: Column['check']): Column => ({ name, type, notNull, check });
const bool = (c: string): string => `${c} IN (0, 1)`;
const nonNegative = (c: string): string => `${c} >= 0`;

export const TABLES: readonly Table[] = [
  {
    // One row per domain (or server, for local accounts): its SID prefix and next RID.
    name: 'account_domains',
    columns: [
      col('name_key', 'text'),
      col('name', 'text'),
      col('sid', 'text'),
      col('next_rid', 'int', true, nonNegative),
      col('created_at', 'int'),
    ],
    primaryKey: ['name_key'],
    unique: [['sid']],
  },
  {
    name: 'accounts',
    columns: [
      col('domain_key', 'text'),
      col('name_key', 'text'),
      col('name', 'text'),
      col('rid', 'int'),
      col('sid', 'text'),
      col('nt_hash', 'bytes', true, (c, d) => `${d === 'sqlite' ? 'length' : 'octet_length'}(${c}) = 16`),
      col('enabled', 'int', true, bool),
      col('password_set_at', 'int'),
      col('created_at', 'int'),
      col('failed_count', 'int', true, nonNegative),
      col('last_failure_at', 'int', false),
      col('locked_until', 'int', false),
    ],
    primaryKey: ['domain_key', 'name_key'],
    unique: [['sid'], ['domain_key', 'rid']],
    foreignKeys: [{ columns: ['domain_key'], references: 'account_domains', refColumns: ['name_key'], cascade: false }],
  },
  {
    name: 'account_groups',
    columns: [col('domain_key', 'text'), col('name_key', 'text'), col('name', 'text'), col('rid', 'int'), col('sid', 'text'), col('created_at', 'int')],
    primaryKey: ['domain_key', 'name_key'],
    unique: [['sid'], ['domain_key', 'rid']],
    foreignKeys: [{ columns: ['domain_key'], references: 'account_domains', refColumns: ['name_key'], cascade: false }],
  },
  {
    // Members may come from any domain (a domain account in a server's local group).
    name: 'account_group_members',
    columns: [col('group_domain_key', 'text'), col('group_name_key', 'text'), col('member_domain_key', 'text'), col('member_name_key', 'text')],
    primaryKey: ['group_domain_key', 'group_name_key', 'member_domain_key', 'member_name_key'],
    foreignKeys: [
      { columns: ['group_domain_key', 'group_name_key'], references: 'account_groups', refColumns: ['domain_key', 'name_key'], cascade: true },
      { columns: ['member_domain_key', 'member_name_key'], references: 'accounts', refColumns: ['domain_key', 'name_key'], cascade: true },
    ],
  },
  {
    // One row: bad logons for accounts that do not exist, written with the statements a real
    // account's counter takes, so both cost the same (see AccountStore.recordUnknownFailure).
    name: 'account_unknown_failures',
    columns: [
      col('id', 'int', true, (c) => `${c} = 1`),
      col('failed_count', 'int', true, nonNegative),
      col('last_failure_at', 'int', false),
      col('locked_until', 'int', false),
    ],
    primaryKey: ['id'],
  },
];

/** Extra indexes: members by account, for an account's groups. */
const INDEXES = ['CREATE INDEX account_group_members_member ON account_group_members (member_domain_key, member_name_key)'];

const TYPES: Readonly<Record<Dialect, Readonly<Record<ColumnType, string>>>> = {
  sqlite: { text: 'TEXT', int: 'INTEGER', bytes: 'BLOB' },
  postgres: { text: 'text', int: 'bigint', bytes: 'bytea' },
};

export function createTableSql(t: Table, d: Dialect): string {
  const lines = t.columns.map((c) => `  ${c.name} ${TYPES[d][c.type]}${c.notNull ? ' NOT NULL' : ''}${c.check ? ` CHECK (${c.check(c.name, d)})` : ''}`);
  lines.push(`  PRIMARY KEY (${t.primaryKey.join(', ')})`);
  for (const u of t.unique ?? []) lines.push(`  UNIQUE (${u.join(', ')})`);
  for (const f of t.foreignKeys ?? []) {
    lines.push(`  FOREIGN KEY (${f.columns.join(', ')}) REFERENCES ${f.references} (${f.refColumns.join(', ')})${f.cascade ? ' ON DELETE CASCADE' : ''}`);
  }
  return `CREATE TABLE ${t.name} (\n${lines.join(',\n')}\n)${d === 'sqlite' ? ' STRICT' : ''}`;
}

/** Every statement that creates the schema, in order. */
export function schemaStatements(d: Dialect): string[] {
  return [
    ...TABLES.map((t) => createTableSql(t, d)),
    ...INDEXES,
    'INSERT INTO account_unknown_failures (id, failed_count, last_failure_at, locked_until) VALUES (1, 0, NULL, NULL)',
  ];
}

/** `meta`, as the audit store creates it too (same definition, so either may come first). */
export function metaTableSql(d: Dialect): string {
  return d === 'sqlite'
    ? 'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT'
    : 'CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL)';
}
