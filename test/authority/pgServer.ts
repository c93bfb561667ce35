/**
 * A PostgreSQL server for the account-store tests: NTLMGATE_TEST_PG_URL when set, else a
 * private throwaway cluster from test/peers/postgres.sh (stopped when the file ends). With
 * neither, the tests skip with the reason on a developer machine and fail under CI=true.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const POSTGRES_SH = fileURLToPath(new URL('../../../test/peers/postgres.sh', import.meta.url));

export interface PgServer {
  /** A fresh empty database, dropped when the test file ends. */
  database(): Promise<string>;
  /** One statement as the admin, in the database `url` names. */
  sql(url: string, text: string): Promise<pg.QueryResult>;
}

export function postgresForTests(): { server?: PgServer; skip: string | false } {
  let admin = process.env.NTLMGATE_TEST_PG_URL;
  let stop = (): void => undefined;
  if (!admin) {
    const r = spawnSync('bash', [POSTGRES_SH, 'start'], { encoding: 'utf8', timeout: 15 * 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = r.stdout?.trim().split('\n').pop();
    if (r.status !== 0 || !url) {
      const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').pop() || 'no output';
      const reason = `no PostgreSQL server (test/peers/postgres.sh start: ${why}); run test/peers/postgres.sh install or set NTLMGATE_TEST_PG_URL`;
      if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
      return { skip: reason };
    }
    admin = url;
    stop = () => void spawnSync('bash', [POSTGRES_SH, 'stop', url], { stdio: 'ignore', timeout: 60_000 });
  }
  const adminUrl = admin;
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
      for (const db of created) await sql(adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    } finally {
      stop();
    }
  });
  return {
    skip: false,
    server: {
      sql,
      async database() {
        const name = `ntlmgate_accounts_${randomBytes(6).toString('hex')}`;
        await sql(adminUrl, `CREATE DATABASE ${name}`);
        created.push(name);
        const u = new URL(adminUrl);
        u.pathname = `/${name}`;
        return u.toString();
      },
    },
  };
}
