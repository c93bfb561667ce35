/**
 * `openAccountStore(url)` picks the account store from a URL:
 *
 *   sqlite:./.ntlmgate/accounts.db     embedded default (SQLite through src/sqlite, WAL); sqlite:///abs/path too
 *   sqlite::memory:                    a throwaway store (tests)
 *   postgres://user@host:5432/db       shared by several gateways (postgresql:// too)
 */
import { fileURLToPath } from 'node:url';
import { ACCOUNTS_DB_FILE, defaultSqliteUrl } from '../../config/stateDir.js';
import type { AccountStore } from './accountStore.js';
import { AccountStoreError } from '../errors.js';
import type { PostgresAccountStoreOptions } from './stores/postgres.js';
import type { SqliteAccountStoreOptions } from './stores/sqlite.js';

export const DEFAULT_ACCOUNTS_URL = defaultSqliteUrl(ACCOUNTS_DB_FILE);

export type OpenAccountStoreOptions = SqliteAccountStoreOptions & PostgresAccountStoreOptions;

/** The URL without a password, for messages. */
export function redactStoreUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, cred: string) => `//${cred.includes(':') ? `${cred.slice(0, cred.indexOf(':'))}:…` : cred}@`);
}

function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest.startsWith('//')) {
    try {
      return fileURLToPath(`file:${rest}`);
    } catch (e) {
      throw new AccountStoreError('bad-url', 'sqlite://… must name a local path (sqlite:///abs/path or sqlite:rel/path)', { cause: e });
    }
  }
  if (rest === '') throw new AccountStoreError('bad-url', `sqlite: needs a file path, e.g. ${DEFAULT_ACCOUNTS_URL}`);
  return rest;
}

export async function openAccountStore(url: string = DEFAULT_ACCOUNTS_URL, options: OpenAccountStoreOptions = {}): Promise<AccountStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  // Loaded lazily: a gateway on SQLite never loads pg, and vice versa.
  switch (scheme) {
    case 'sqlite': {
      const { openSqliteAccountStore } = await import('./stores/sqlite.js');
      return openSqliteAccountStore(sqlitePath(url), options);
    }
    case 'postgres':
    case 'postgresql': {
      const { openPostgresAccountStore } = await import('./stores/postgres.js');
      return openPostgresAccountStore(url, options);
    }
    default:
      throw new AccountStoreError('bad-url', `unknown account store URL ${JSON.stringify(redactStoreUrl(url))}: use sqlite:<path> or postgres://…`);
  }
}
