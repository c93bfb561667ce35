/**
 * One small SQLite interface for the embedded stores (audit log, accounts), over whichever
 * engine fits the running Node:
 *  - `node:sqlite` (built in since Node 22.13) on Node 22 and 24. better-sqlite3 ≤ 12 aborts
 *    the process on Node 24 when a statement object is garbage-collected (its ObjectWrap
 *    destructor meets Node 24's cleanup-hook CHECK; better-sqlite3#1515), and 13 drops Node 20.
 *  - better-sqlite3 12 on Node 20, which has no `node:sqlite`.
 * Only what the stores use is exposed: exec, prepared statements with positional parameters,
 * BEGIN IMMEDIATE transactions, close.
 */
import { createRequire } from 'node:module';

export type SqlValue = string | number | bigint | null | Uint8Array;

export interface SqliteStatement<R> {
  run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: SqlValue[]): R | undefined;
  all(...params: SqlValue[]): R[];
  iterate(...params: SqlValue[]): IterableIterator<R>;
}

export interface SqliteDatabase {
  /** Which engine is underneath (for logs and benchmarks). */
  readonly engine: 'node:sqlite' | 'better-sqlite3';
  exec(sql: string): void;
  prepare<R = Record<string, unknown>>(sql: string): SqliteStatement<R>;
  /** Runs `fn` in BEGIN IMMEDIATE … COMMIT, rolling back if it throws. */
  transaction<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => T;
  close(): void;
}

interface NodeSqliteModule {
  DatabaseSync: new (path: string) => {
    exec(sql: string): void;
    prepare(sql: string): SqliteStatement<unknown>;
    close(): void;
  };
}

interface BetterSqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement<unknown>;
  close(): void;
}

function nodeSqlite(): NodeSqliteModule | undefined {
  // getBuiltinModule exists from Node 20.16/22.3; node:sqlite from 22.5 (unflagged from 22.13).
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  // Node 22 flags the module experimental on load; our CLI promises one-line stderr, and the
  // engine choice is ours to document, so that one warning is not passed on.
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    (emit as (w: string | Error, ...r: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const m = get?.('node:sqlite') as NodeSqliteModule | undefined;
    return m && typeof m.DatabaseSync === 'function' ? m : undefined;
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emit;
  }
}

/** node:sqlite rows have a null prototype; callers (and deepEqual) expect plain objects, as better-sqlite3 gives. */
function plainRows<R>(statement: SqliteStatement<unknown>): SqliteStatement<R> {
  const plain = (r: unknown): R => (r && typeof r === 'object' ? { ...r } : r) as R;
  return {
    run: (...p) => statement.run(...p),
    get: (...p) => {
      const r = statement.get(...p);
      return r === undefined ? undefined : plain(r);
    },
    all: (...p) => statement.all(...p).map(plain),
    *iterate(...p) {
      for (const r of statement.iterate(...p)) yield plain(r);
    },
  };
}

function wrap(engine: SqliteDatabase['engine'], db: { exec(sql: string): void; prepare(sql: string): SqliteStatement<unknown>; close(): void }): SqliteDatabase {
  let depth = 0;
  return {
    engine,
    exec: (sql) => db.exec(sql),
    prepare: <R>(sql: string) => (engine === 'node:sqlite' ? plainRows<R>(db.prepare(sql)) : (db.prepare(sql) as SqliteStatement<R>)),
    transaction<A extends unknown[], T>(fn: (...args: A) => T) {
      return (...args: A): T => {
        // Nested calls join the outer transaction (as better-sqlite3's savepoint-free default would need).
        if (depth > 0) return fn(...args);
        db.exec('BEGIN IMMEDIATE');
        depth++;
        try {
          const out = fn(...args);
          db.exec('COMMIT');
          return out;
        } catch (e) {
          // SQLite may have rolled back already (SQLITE_FULL, SQLITE_IOERR): then ROLLBACK fails
          // with "no transaction is active", and the error worth reporting is the first one.
          try {
            db.exec('ROLLBACK');
          } catch {
            /* already rolled back */
          }
          throw e;
        } finally {
          depth--;
        }
      };
    },
    close: () => db.close(),
  };
}

/** Opens (creating if needed) a database file, or `:memory:`. */
export function openSqlite(path: string, opts: { engine?: SqliteDatabase['engine'] } = {}): SqliteDatabase {
  const builtin = opts.engine === 'better-sqlite3' ? undefined : nodeSqlite();
  if (builtin) return wrap('node:sqlite', new builtin.DatabaseSync(path));
  if (opts.engine === 'node:sqlite') throw new Error('node:sqlite is not available in this Node version');
  return wrap('better-sqlite3', new (betterSqlite())(path));
}

/** No SQLite engine can be loaded: this Node has no `node:sqlite` and better-sqlite3 is absent or broken. */
export class SqliteUnavailableError extends Error {
  override readonly name = 'SqliteUnavailableError';
  readonly code = 'sqlite-unavailable';
}

/**
 * better-sqlite3 is an optional peer dependency (package.json): it is native and compiles at
 * install, which users of the client, of PostgreSQL stores or of Node ≥ 22.13 should not pay
 * for. So it is loaded only here, when a SQLite file is opened on a Node without `node:sqlite`.
 */
function betterSqlite(): new (path: string) => BetterSqliteDatabase {
  const require = createRequire(import.meta.url);
  try {
    return require('better-sqlite3') as new (path: string) => BetterSqliteDatabase;
  } catch (e) {
    const missing = (e as { code?: unknown }).code === 'MODULE_NOT_FOUND' && /better-sqlite3/.test(String((e as Error).message).split('\n')[0] ?? '');
    const why = missing
      ? 'the better-sqlite3 package is not installed (it is an optional peer dependency of ntlmgate)'
      : `better-sqlite3 is installed but does not load (${e instanceof Error ? e.message.split('\n')[0] : String(e)}; npm rebuild better-sqlite3 may fix it)`;
    throw new SqliteUnavailableError(
      `SQLite stores need node:sqlite (Node ≥ 22.13) or better-sqlite3, and on Node ${process.versions.node} ${why}: ` +
        'install it with `npm install better-sqlite3@12`, run Node 22.13 or later, or use a postgres:// store',
      { cause: e },
    );
  }
}
