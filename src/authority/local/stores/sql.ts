/**
 * What the account store needs from a database: parameterised statements (`?`
 * placeholders; the PostgreSQL driver numbers them) and transactions. Both drivers turn
 * their failures into AccountStoreError (`exists` for a unique violation), so the store
 * logic in sqlStore.ts is written once.
 */
import type { Dialect } from './schema.js';

export type SqlValue = string | number | Buffer | null;

export type SqlRow = Readonly<Record<string, unknown>>;

export interface SqlSession {
  all<R extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDriver extends SqlSession {
  readonly dialect: Dialect;
  /** Where the database is, without credentials. */
  readonly location: string;
  /** The row-lock clause a read-modify-write SELECT ends with (SQLite locks the whole file at BEGIN IMMEDIATE instead). */
  readonly forUpdate: string;
  /** Runs `fn` in one transaction that holds the write lock from its start; rolls back if `fn` throws. */
  transaction<T>(fn: (s: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
