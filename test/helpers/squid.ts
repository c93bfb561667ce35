/**
 * A real NTLM-authenticating HTTP proxy for the HTTP client tests: Debian's Squid 5 started by
 * test/peers/squid.sh, with gss-ntlmssp (test/peers/squid_ntlm_helper.py) deciding every logon.
 * Accounts: CORP\alice / Al1ce!Pass2026 and CORP\bob / B0b!Pass2026 (domain must be `CORP` or
 * empty). Loopback destinations only (any port, CONNECT included); NTLM is connection-bound, so
 * a keep-alive connection stays authenticated after the handshake.
 *
 *   const skip = skipUnlessSquid();
 *   describe('...', { skip }, () => {
 *     let proxy: SquidProxy;
 *     before(async () => (proxy = await startSquid()));
 *     after(() => proxy?.stop());
 *   });
 *
 * Without Squid or the Python peers a test skips with the reason on a developer machine and
 * fails under CI=true (CI runs test/peers/install.sh).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEERS_DIR, peersMissing } from './peers.js';

export const SQUID_SH = join(PEERS_DIR, 'squid.sh');
export const SQUID_BIN = '/usr/sbin/squid';

export interface SquidProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Squid's state dir (squid.conf, cache.log, access.log); deleted by stop(). */
  readonly stateDir: string;
  /** Lines the NTLM helper wrote to cache.log so far, e.g. `squid_ntlm_helper[123]: AF CORP\alice`. */
  helperLog(): string[];
  /** Squid's access.log lines so far (user name column shows `CORP\\alice`). */
  accessLog(): string[];
  stop(): Promise<void>;
}

/** Why Squid cannot run here, or undefined when it can. */
export function squidMissing(): string | undefined {
  if (!existsSync(SQUID_BIN)) return `needs ${SQUID_BIN} (Debian squid; run test/peers/install.sh)`;
  if (!existsSync(SQUID_SH)) return `${SQUID_SH} is missing`;
  return peersMissing(['gssapi']);
}

/** `skip` option for node:test: a reason on a dev machine, a hard failure under CI=true. */
export function skipUnlessSquid(): string | false {
  const missing = squidMissing();
  if (!missing) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but the Squid proxy peer is unavailable: ${missing}`);
  return missing;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function squidSh(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [SQUID_SH, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  } catch {
    return [];
  }
}

export interface StartSquidOptions {
  /** false starts the helper with --no-layout-fix (then curl's legacy NTLM layout is refused). */
  readonly layoutFix?: boolean;
}

/**
 * Starts a private Squid on a free loopback port (its own state dir under the OS tmpdir).
 * Call stop() when done; a forgotten instance is killed when the Node process exits.
 */
export async function startSquid(opts: StartSquidOptions = {}): Promise<SquidProxy> {
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const stateDir = join(tmpdir(), `ntlmgate-squid-${port}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NTLMGATE_SQUID_PORT: String(port),
      NTLMGATE_SQUID_DIR: stateDir,
      NTLMGATE_SQUID_LAYOUT_FIX: opts.layoutFix === false ? '0' : '1',
    };
    const r = await squidSh(['start'], env);
    const url = r.stdout.trim().split('\n').pop() ?? '';
    if (r.code !== 0 || !url.startsWith('http://')) {
      lastError = r.stderr.trim() || `exit ${r.code}`;
      continue; // most likely the port was taken between freePort() and Squid's bind
    }
    const killOnExit = (): void => void spawnSync('bash', [SQUID_SH, 'stop', '--now'], { env, stdio: 'ignore', timeout: 10_000 });
    process.once('exit', killOnExit);
    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      stateDir,
      helperLog: () =>
        readLines(join(stateDir, 'cache.log')).flatMap((l) => {
          const at = l.indexOf('squid_ntlm_helper[');
          return at >= 0 ? [l.slice(at)] : [];
        }),
      accessLog: () => readLines(join(stateDir, 'access.log')),
      stop() {
        stopped ??= squidSh(['stop', '--now'], env).then((s) => {
          process.removeListener('exit', killOnExit);
          if (s.code !== 0) throw new Error(`test/peers/squid.sh stop failed: ${s.stderr.trim()}`);
        });
        return stopped;
      },
    };
  }
  throw new Error(`could not start Squid (test/peers/squid.sh start): ${lastError}`);
}
