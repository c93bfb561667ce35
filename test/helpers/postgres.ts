/**
 * A real PostgreSQL server for the tests: NTLMGATE_TEST_PG_URL if set, otherwise a private
 * throwaway cluster from test/peers/postgres.sh (which installs Debian's postgresql when it
 * can). Without one the tests skip with the reason on a developer machine, and fail under
 * CI=true (CI installs it: `bash test/peers/postgres.sh install`).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import pg from 'pg';

export const POSTGRES_SH = fileURLToPath(new URL('../../../test/peers/postgres.sh', import.meta.url));

export interface PgServer {
  /** A URL whose role may CREATE DATABASE. */
  readonly adminUrl: string;
  /** A fresh, empty database on the server (dropped when the test file ends). */
  database(): Promise<string>;
  /** Runs SQL as the admin in a given database. */
  sql(url: string, text: string): Promise<pg.QueryResult>;
}

/** The server, or the reason there is none (as node:test `skip`). Throws under CI=true. */
export function postgresServer(): { server?: PgServer; skip: string | false } {
  let adminUrl = process.env.NTLMGATE_TEST_PG_URL;
  let stop = (): void => undefined;
  if (!adminUrl) {
    const r = spawnSync('bash', [POSTGRES_SH, 'start'], { encoding: 'utf8', timeout: 15 * 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = r.stdout?.trim().split('\n').pop();
    if (r.status !== 0 || !url) {
      const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').pop() ?? 'no output';
      const reason = `no PostgreSQL server (test/peers/postgres.sh start: ${why}); run test/peers/postgres.sh install or set NTLMGATE_TEST_PG_URL`;
      if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
      return { skip: reason };
    }
    adminUrl = url;
    stop = () => void spawnSync('bash', [POSTGRES_SH, 'stop', url], { stdio: 'ignore', timeout: 60_000 });
  }
  const admin = adminUrl;
  const created: string[] = [];
  const sql = async (url: string, text: string): Promise<pg.QueryResult> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await c.query(text);
    } finally {
      await c.end();
    }
  };
  after(async () => {
    try {
      if (process.env.NTLMGATE_TEST_PG_URL) for (const db of created) await sql(admin, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    } finally {
      stop();
    }
  });
  return {
    skip: false,
    server: {
      adminUrl: admin,
      sql,
      async database() {
        const name = `ntlmgate_test_${randomBytes(6).toString('hex')}`;
        await sql(admin, `CREATE DATABASE ${name}`);
        created.push(name);
        const u = new URL(admin);
        u.pathname = `/${name}`;
        return u.toString();
      },
    },
  };
}
