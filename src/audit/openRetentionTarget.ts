/** Opens the retention side of an audit store URL, each store's module loaded only when named (as in openAuditStore.ts). */
import { fileURLToPath } from 'node:url';
import type { RetentionTarget } from './retention.js';
import { AuditStoreError } from './sink.js';

/**
 * The retention side of a store URL (its own connection), or undefined for stores that
 * cannot prune: `jsonl:` (rotate it with logrotate, docs/configuration.md) and `stdout:`.
 */
export async function openRetentionTarget(url: string): Promise<RetentionTarget | undefined> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const path = sqlitePath(url);
      if (path === ':memory:') return undefined;
      const { SqliteRetention } = await import('./stores/sqliteRetention.js');
      return SqliteRetention.open(path);
    }
    case 'postgres':
    case 'postgresql': {
      const { PostgresRetention } = await import('./stores/postgresRetention.js');
      return PostgresRetention.open(url);
    }
    case 'jsonl':
    case 'stdout':
      return undefined;
    default:
      throw new AuditStoreError('bad-url', `unknown audit store URL scheme ${JSON.stringify(scheme ?? url)}`);
  }
}

/** `sqlite:rel`, `sqlite:/abs`, `sqlite:///abs` → the path (as openAuditStore reads it). */
function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  return rest.startsWith('//') ? fileURLToPath(`file:${rest}`) : rest;
}
