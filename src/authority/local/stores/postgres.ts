/**
 * The shared account store: PostgreSQL through a pg pool, for several gateways that log the
 * same people on. Same tables as SQLite (schema.ts). Lockout counters are updated under
 * SELECT … FOR UPDATE, so two gateways counting bad passwords for one account at once
 * both count; RIDs come from the domain row, so they never hand out the same one.
 */
import type pg from 'pg';
import { describePostgresUrl, isConnectionError, openPool } from '../../../postgres/pool.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccountStoreError, errorText } from '../../errors.js';
import { SqlAccountStore } from './sqlStore.js';
import type { SqlDriver, SqlRow, SqlSession, SqlValue } from './sql.js';

export interface PostgresAccountStoreOptions {
  /** Pool size (default 4). */
  readonly maxConnections?: number;
  /** How long to wait for a connection, in ms (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** CSPRNG override for domain SIDs (tests). */
  readonly random?: (n: number) => Buffer;
}


/** `?` placeholders → `$1, $2, …` (our statements have no `?` inside literals). */
function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';
  readonly forUpdate = ' FOR UPDATE';
  private readonly session: SqlSession;

  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {
    this.session = this.sessionOn(pool);
  }

  static async open(url: string, options: PostgresAccountStoreOptions = {}): Promise<PostgresDriver> {
    const location = describePostgresUrl(url);
    const pool = openPool(url, { applicationName: 'ntlmgate-accounts', ...options });
    const driver = new PostgresDriver(pool, location);
    try {
      (await driver.connect()).release();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return driver;
  }

  all<R extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.session.all<R>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.session.run(sql, params);
  }

  async transaction<T>(fn: (s: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    const s = this.sessionOn(client);
    try {
      await s.run('BEGIN');
      const result = await fn(s);
      await s.run('COMMIT');
      return result;
    } catch (e) {
      if (e instanceof AccountStoreError && e.code === 'unreachable') broken = e;
      else await client.query('ROLLBACK').catch((r: Error) => (broken = r));
      throw e;
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private sessionOn(q: pg.Pool | pg.PoolClient): SqlSession {
    const query = async <R extends SqlRow>(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult<R>> => {
      try {
        return await q.query<R>(numbered(sql), [...params]);
      } catch (e) {
        throw this.wrap(e, /^\s*SELECT/i.test(sql) ? 'read-failed' : 'write-failed');
      }
    };
    return {
      all: async <R extends SqlRow>(sql: string, params: readonly SqlValue[] = []) => (await query<R>(sql, params)).rows,
      run: async (sql: string, params: readonly SqlValue[] = []) => (await query(sql, params)).rowCount ?? 0,
    };
  }

  /** A pooled connection; an unreachable server gets a few quick retries. */
  private async connect(): Promise<pg.PoolClient> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.pool.connect();
      } catch (e) {
        if (!isConnectionError(e)) throw new AccountStoreError('open-failed', `cannot connect to PostgreSQL account store ${this.location}: ${errorText(e)}`, { cause: e });
        if (attempt >= 3) throw this.wrap(e, 'read-failed');
        await sleep(100 * attempt);
      }
    }
  }

  private wrap(e: unknown, kind: 'read-failed' | 'write-failed'): AccountStoreError {
    if (e instanceof AccountStoreError) return e;
    const code = (e as { code?: unknown }).code;
    if (code === '23505') return new AccountStoreError('exists', `PostgreSQL account store ${this.location}: ${errorText(e)}`, { cause: e });
    if (isConnectionError(e)) {
      return new AccountStoreError('unreachable', `PostgreSQL account store ${this.location} is unreachable: ${errorText(e)} (is it running, and is the URL right?)`, { cause: e });
    }
    return new AccountStoreError(kind, `PostgreSQL account store ${this.location}: ${errorText(e)}`, { cause: e });
  }
}

export async function openPostgresAccountStore(url: string, options: PostgresAccountStoreOptions = {}): Promise<SqlAccountStore> {
  return SqlAccountStore.open(await PostgresDriver.open(url, options), { random: options.random });
}
