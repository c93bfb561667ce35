/**
 * Apache httpd + mod_auth_gssapi + gss-ntlmssp (test/peers/apache.sh) as a real Integrated
 * Windows Authentication server for interop tests and benchmarks: each startApache() gets its
 * own free port on 127.0.0.1 and its own state directory, and stop() (also run when the
 * process exits) stops Apache and removes the directory.
 *
 * Accounts: APACHE_ALICE (CORP\alice) and APACHE_BOB (CORP\bob). Paths: `/` (authenticated
 * static page), `/whoami` (authenticated; body `user=<REMOTE_USER>`), `/public/` (no
 * authentication). Authenticated responses carry `X-Auth-User: CORP\alice`.
 *
 * Without Apache or its modules, skipUnlessApache() gives node:test a skip reason on a
 * developer machine and throws under CI=true (CI runs test/peers/install.sh).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APACHE_SH = fileURLToPath(new URL('../../../test/peers/apache.sh', import.meta.url));

export const APACHE_ALICE = { user: 'alice', domain: 'CORP', password: 'Al1ce!Pass2026' } as const;
export const APACHE_BOB = { user: 'bob', domain: 'CORP', password: 'B0b!Pass2026' } as const;

export interface ApacheOptions {
  /** Write an access log (default true; the benchmark turns it off). */
  readonly accessLog?: boolean;
  /** mpm_event ThreadsPerChild (two processes); default 32. */
  readonly threads?: number;
}

export interface ApachePeer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  /** The instance's state directory (httpd.conf, error.log, access.log). */
  readonly dir: string;
  /** Stops Apache and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/** Why Apache cannot run here, or undefined when it can. */
export function apacheMissing(): string | undefined {
  const r = spawnSync('bash', [APACHE_SH, 'check'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status === 0) return undefined;
  const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').pop() ?? 'unknown';
  return `needs Apache httpd + mod_auth_gssapi + gss-ntlmssp (run test/peers/install.sh): ${why}`;
}

/** `skip` option for node:test: a reason on a developer machine, a hard failure under CI=true. */
export function skipUnlessApache(): string | false {
  const missing = apacheMissing();
  if (!missing) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but the Apache peer is missing: ${missing}`);
  return missing;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [APACHE_SH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts a private Apache instance; resolves once it answers on its port. */
export async function startApache(o: ApacheOptions = {}): Promise<ApachePeer> {
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-apache-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NTLMGATE_APACHE_DIR: dir,
      NTLMGATE_APACHE_ACCESS_LOG: o.accessLog === false ? '0' : '1',
      ...(o.threads === undefined ? {} : { NTLMGATE_APACHE_THREADS: String(o.threads) }),
    };
    const r = await run(['start', String(port)], env);
    const url = r.stdout.trim().split('\n').pop();
    if (r.code === 0 && url) {
      let stopped = false;
      const stopSync = (): void => {
        if (stopped) return;
        stopped = true;
        spawnSync('bash', [APACHE_SH, 'stop', String(port)], { env, stdio: 'ignore', timeout: 30_000 });
        rmSync(dir, { recursive: true, force: true });
      };
      // A test process that dies without calling stop() must not leave Apache running.
      process.once('exit', stopSync);
      return {
        url,
        port,
        dir,
        async stop() {
          if (stopped) return;
          process.removeListener('exit', stopSync);
          await run(['stop', String(port)], env);
          stopped = true;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    lastError = r.stderr.trim();
    rmSync(dir, { recursive: true, force: true });
    // Another process took the port between freePort() and Apache's bind: try another one.
    if (!/in use|could not bind|Address already in use/i.test(lastError)) break;
  }
  throw new Error(`test/peers/apache.sh start failed:\n${lastError}`);
}
