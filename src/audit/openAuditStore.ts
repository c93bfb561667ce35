/**
 * `openAuditStore(url)`: picks the audit store from a URL:
 *
 *   sqlite:./.ntlmgate/audit.db      embedded default (SQLite through src/sqlite, WAL)
 *   postgres://user@host:5432/db     shared by several gateways (postgresql:// too)
 *   jsonl:./audit.jsonl              one JSON object per line, for log shippers
 *   stdout:                          one JSON line per event on standard output (not queryable)
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIT_DB_FILE, defaultSqliteUrl } from '../config/stateDir.js';
import type { AuditStore } from './query.js';
import { AuditStoreError, type BatchOptions } from './sink.js';

export const DEFAULT_AUDIT_URL = defaultSqliteUrl(AUDIT_DB_FILE);

export interface OpenAuditStoreOptions extends BatchOptions {
  /** Where `stdout:` writes (tests pass their own stream). */
  readonly stdout?: NodeJS.WritableStream;
  /** SQLite only: how commits reach the disk (SqliteAuditStoreOptions.commitOn). */
  readonly commitOn?: 'loop' | 'thread' | 'inline';
  /** SQLite only: FULL (default) fsyncs every commit; NORMAL leaves it to checkpoints and close. */
  readonly synchronous?: 'full' | 'normal';
  /**
   * For readers (reports, export): a store that does not exist yet is an error (`not-found`,
   * naming the path) and nothing is created — no file, no folder, no schema.
   */
  readonly mustExist?: boolean;
}

function assertExists(path: string, options: OpenAuditStoreOptions): void {
  if (options.mustExist && path !== ':memory:' && !existsSync(path)) {
    throw new AuditStoreError('not-found', `there is no audit store at ${path}`);
  }
}

/** A `scheme:` URL's path part, for `scheme:relative/path` and `scheme:///absolute/path` alike. */
function pathOf(url: string, scheme: string): string {
  const rest = url.slice(scheme.length + 1);
  if (rest.startsWith('//')) {
    try {
      return fileURLToPath('file:' + rest);
    } catch (e) {
      throw new AuditStoreError('bad-url', `${scheme}://… must name a local path (${scheme}:///abs/path or ${scheme}:rel/path)`, { cause: e });
    }
  }
  if (rest === '') throw new AuditStoreError('bad-url', `${scheme}: needs a file path, e.g. ${scheme}:./audit`);
  return rest;
}

export async function openAuditStore(url: string = DEFAULT_AUDIT_URL, options: OpenAuditStoreOptions = {}): Promise<AuditStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  // Stores are imported lazily so that a gateway logging to SQLite never loads pg, and vice versa.
  switch (scheme) {
    case 'sqlite': {
      const path = pathOf(url, 'sqlite');
      assertExists(path, options);
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const { SqliteAuditStore } = await import('./stores/sqlite.js');
      return SqliteAuditStore.open(path, options);
    }
    case 'postgres':
    case 'postgresql': {
      const { PostgresAuditStore } = await import('./stores/postgres.js');
      return PostgresAuditStore.open(url, options);
    }
    case 'jsonl': {
      const path = pathOf(url, 'jsonl');
      assertExists(path, options);
      mkdirSync(dirname(path), { recursive: true });
      const { JsonlAuditStore } = await import('./stores/jsonl.js');
      return JsonlAuditStore.open(path, options);
    }
    case 'stdout': {
      const { StdoutAuditStore } = await import('./stores/stdout.js');
      return new StdoutAuditStore(options.stdout ?? process.stdout, options);
    }
    default:
      throw new AuditStoreError(
        'bad-url',
        `unknown audit store URL ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//…@'))}: use sqlite:<path>, postgres://…, jsonl:<path> or stdout:`,
      );
  }
}
