/**
 * The one way the PostgreSQL stores (audit log, accounts) open a connection pool and name a
 * server in messages: a URL may carry a password, so messages show host, port and database only.
 */
import pg from 'pg';

export interface PoolOptions {
  /** Shows in pg_stat_activity, so an operator can tell the stores apart. */
  readonly applicationName: string;
  readonly maxConnections?: number;
  readonly connectTimeoutMs?: number;
}

export function openPool(url: string, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName,
  });
  // An idle connection that dies (server restart) must not crash the process: the pool
  // discards it and the next checkout connects afresh.
  pool.on('error', () => undefined);
  return pool;
}

/** `postgres://host:port/db`, never the user or password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.hostname || u.searchParams.get('host') || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured PostgreSQL server';
  }
}

/** Socket failures and server shutdown codes (SQLSTATE class 08, 57P0x): errors of the connection, not of the statement. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', '57P01', '57P02', '57P03']);

/** True when the failure was the connection's (safe to retry on a fresh one before COMMIT). */
export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message);
}
