/**
 * The embedded account store: one SQLite file (src/sqlite: node:sqlite on Node >= 22, better-sqlite3 on 20), in WAL mode so the
 * CLI can read while a gateway logs people on. Commits are fsync'd (synchronous=FULL): a
 * lockout counter that went back after a crash would hand an attacker free guesses.
 *
 * The file holds NT hashes, which are password-equivalent for NTLM, so a new file (and a
 * new directory for it) is created private to its owner (0600 / 0700).
 *
 * SQLite access is synchronous, while the store's transactions are async functions: a
 * queue lets one transaction (or statement) at a time run, so nothing from another caller
 * runs inside an open transaction. The queue is per database file and process, shared by
 * every store open on that file here: otherwise a second connection's BEGIN IMMEDIATE would
 * wait synchronously (busy_timeout) for a transaction that can only finish on this same,
 * now blocked, thread. Other processes are kept out by BEGIN IMMEDIATE (the write lock up
 * front; busy_timeout waits for theirs).
 */
import { openSqlite, type SqliteDatabase, type SqliteStatement } from '../../../sqlite/driver.js';
import { closeSync, mkdirSync, openSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { AccountStoreError, errorText } from '../../errors.js';
import { SqlAccountStore } from './sqlStore.js';
import type { SqlDriver, SqlRow, SqlSession, SqlValue } from './sql.js';

export interface SqliteAccountStoreOptions {
  /** 'full' (default) survives power loss; 'normal' survives a process crash only. */
  readonly synchronous?: 'full' | 'normal';
  /** How long to wait for another process holding the write lock (default 5 s). */
  readonly busyTimeoutMs?: number;
  /** CSPRNG override for domain SIDs (tests). */
  readonly random?: (n: number) => Buffer;
}

// better-sqlite3 names the extended result code; node:sqlite gives its number (errcode).
const UNIQUE_CODES = new Set<string | number>(['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE', 1555, 2067]);

/** One queue per database file in this process: the tail of its last queued operation, and how many drivers use it. */
interface FileQueue {
  tail: Promise<unknown>;
  users: number;
}
const queues = new Map<string, FileQueue>();
let memoryDatabases = 0;

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly forUpdate = '';
  private readonly statements = new Map<string, SqliteStatement<unknown>>();
  private open = true;
  private inTransaction = false;
  private readonly session: SqlSession;

  private constructor(
    private readonly db: SqliteDatabase,
    readonly location: string,
    private readonly queueKey: string,
    private readonly queue: FileQueue,
  ) {
    this.session = {
      all: async <R extends SqlRow>(sql: string, params: readonly SqlValue[] = []) => this.exec(sql, () => this.prepare(sql).all(...params) as R[]),
      run: async (sql: string, params: readonly SqlValue[] = []) => this.exec(sql, () => Number(this.prepare(sql).run(...params).changes)),
    };
  }

  static open(path: string, options: SqliteAccountStoreOptions = {}): SqliteDriver {
    let db: SqliteDatabase | undefined;
    try {
      if (path !== ':memory:') {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        // Creates the file 0600 if it is new (SQLite gives its -wal and -shm files the same mode); an existing file keeps its mode.
        closeSync(openSync(path, 'a', 0o600));
      }
      db = openSqlite(path);
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      // Off by default in SQLite: needed for ON DELETE CASCADE of group memberships.
      db.exec('PRAGMA foreign_keys = ON');
      // :memory: databases are private to their connection; files are shared by every connection to them.
      const key = path === ':memory:' ? `:memory:#${++memoryDatabases}` : realpathSync(path);
      const queue = queues.get(key) ?? { tail: Promise.resolve(), users: 0 };
      queue.users++;
      queues.set(key, queue);
      return new SqliteDriver(db, path, key, queue);
    } catch (e) {
      db?.close();
      throw new AccountStoreError('open-failed', `cannot open SQLite account store ${path}: ${errorText(e)}`, { cause: e });
    }
  }

  all<R extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.exclusive(() => this.session.all<R>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.exclusive(() => this.session.run(sql, params));
  }

  transaction<T>(fn: (s: SqlSession) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.exec('BEGIN IMMEDIATE', () => this.db.exec('BEGIN IMMEDIATE'));
      this.inTransaction = true;
      try {
        const result = await fn(this.session);
        this.exec('COMMIT', () => this.db.exec('COMMIT'));
        this.inTransaction = false;
        return result;
      } catch (e) {
        if (this.inTransaction) this.db.exec('ROLLBACK');
        this.inTransaction = false;
        throw e;
      }
    });
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.open) return;
      this.open = false;
      this.db.close(); // the last connection checkpoints the WAL into the main file
      if (--this.queue.users === 0) queues.delete(this.queueKey);
    });
  }

  /** Queues `fn` behind every earlier statement or transaction on this database file. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.tail.then(fn);
    this.queue.tail = run.catch(() => undefined);
    return run;
  }

  private prepare(sql: string): SqliteStatement<unknown> {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare<unknown>(sql)));
    return s;
  }

  private exec<T>(sql: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof AccountStoreError) throw e;
      const { code, errcode } = e as { code?: unknown; errcode?: unknown };
      if ((typeof code === 'string' && UNIQUE_CODES.has(code)) || (typeof errcode === 'number' && UNIQUE_CODES.has(errcode))) throw new AccountStoreError('exists', `SQLite account store ${this.location}: ${errorText(e)}`, { cause: e });
      const kind = /^\s*SELECT/i.test(sql) ? 'read-failed' : 'write-failed';
      throw new AccountStoreError(kind, `SQLite account store ${this.location}: ${errorText(e)}`, { cause: e });
    }
  }
}

/** Opens (creating if needed) the SQLite account store at `path` (`:memory:` for a throwaway one). */
export async function openSqliteAccountStore(path: string, options: SqliteAccountStoreOptions = {}): Promise<SqlAccountStore> {
  return SqlAccountStore.open(SqliteDriver.open(path, options), { random: options.random });
}
