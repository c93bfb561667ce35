/**
 * `ntlmgate serve` on several cores (`workers: N` or `auto`), with node:cluster:
 *
 * - The primary does what must happen once — creates the state directory, the audit and
 *   account schemas, and the first-run demo account — then forks N workers. Each worker runs
 *   the whole server (startServe) on the same listeners; connections are handed out per TCP
 *   connection, so the NTLM handshake state, which is bound to its connection, stays in one
 *   process.
 * - Connections are accepted by the workers themselves from the shared listening socket
 *   (cluster.SCHED_NONE) rather than accepted by the primary and passed on (round-robin): a
 *   new connection per logon is the common NTLM pattern, and the hand-over through the primary
 *   costs a message per connection. NODE_CLUSTER_SCHED_POLICY=rr restores Node's default.
 * - A worker that dies is replaced (at most one replacement per second). SIGTERM or SIGINT
 *   to the primary stops every worker gracefully (each finishes its in-flight requests and
 *   flushes its audit store, see runtime.ts) and the primary exits 0 once all exited 0.
 * - What each worker holds is its own: handshake limits (maxPendingPerIp) and lockout are
 *   counted per process for in-flight state; lockout counters persist in the shared account
 *   store (SQLite through WAL and busy_timeout). The audit log has one writer, the primary:
 *   workers send their events to it and wait for its commit (auditRelay.ts); it closes the
 *   store once every worker has exited.
 */
import cluster, { type Worker } from 'node:cluster';
import { openAuditStore } from '../audit/openAuditStore.js';
import { openAccountStore } from '../authority/local/openAccountStore.js';
import type { ServeConfig } from './config.js';
import { serveAuditRelay } from './auditRelay.js';
import { keepAudit } from './auditKeeping.js';
import { ensureDemoAccount, removeDemoAccount, warnIfNoAccounts, type DemoAccount } from './demoAccount.js';
import type { ServeLogger } from './logger.js';
import { preflightServe } from './preflight.js';
import { ensureStoreDirs } from './runtime.js';

/** Set in the environment of the workers the primary forks. */
export const SERVE_WORKER_ENV = 'NTLMGATE_SERVE_WORKER';

export function isServeWorker(): boolean {
  return cluster.isWorker && process.env[SERVE_WORKER_ENV] === '1';
}

interface ListeningMessage {
  readonly ntlmgate: 'listening';
  readonly urls: readonly string[];
}

const isListening = (m: unknown): m is ListeningMessage => typeof m === 'object' && m !== null && (m as { ntlmgate?: unknown }).ntlmgate === 'listening';

/** Worker side: tells the primary this worker is serving. */
export function tellPrimaryListening(urls: readonly string[]): void {
  process.send?.({ ntlmgate: 'listening', urls } satisfies ListeningMessage);
}

export interface ServePrimary {
  readonly urls: readonly string[];
  readonly demo: DemoAccount | undefined;
  /** Stops every worker gracefully; resolves with the exit code the primary should end with. */
  stop(reason: string): Promise<number>;
}

/** The account schema and the demo account, once, before any worker opens the account store. */
async function prepareAccounts(config: ServeConfig, logger: ServeLogger): Promise<DemoAccount | undefined> {
  const accounts = await openAccountStore(config.authority.store);
  try {
    const demo = config.demoAccount ? await ensureDemoAccount(accounts, config.names.netbiosDomainName) : undefined;
    if (!demo) await warnIfNoAccounts(accounts, logger);
    return demo;
  } finally {
    await accounts.close();
  }
}

/** A start that failed after the demo account was made: its password was never shown, so it goes. */
async function dropDemoAccount(config: ServeConfig, demo: DemoAccount | undefined): Promise<void> {
  if (!demo) return;
  const accounts = await openAccountStore(config.authority.store);
  try {
    await removeDemoAccount(accounts, demo);
  } finally {
    await accounts.close();
  }
}

export async function startServePrimary(config: ServeConfig, logger: ServeLogger): Promise<ServePrimary> {
  // The workers read the same files: a problem with them is found once, here, before anything is written.
  await preflightServe(config);
  await ensureStoreDirs(config);
  // The one writer of the audit log, for as long as any worker may send events. Committing is
  // all this process does, so SQLite commits inline: while a commit waits for the disk, the
  // workers' events queue up and the next commit takes them all (committing on the loop, as a
  // server does, makes smaller batches here, so more commits for the same events).
  const store = await openAuditStore(config.audit.store, { commitOn: 'inline' });
  // Retention and the write-health log run here, with the store (auditKeeping.ts).
  const audit = (await keepAudit(store, { url: config.audit.store, retention: config.audit.retention, logger })).sink;
  let demo: DemoAccount | undefined;
  try {
    demo = await prepareAccounts(config, logger);
  } catch (e) {
    await audit.close().catch(() => undefined);
    throw e;
  }
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  const live = new Set<Worker>();
  let stopping = false;
  let lastRestart = 0;

  const fork = (): Worker => {
    const w = cluster.fork({ [SERVE_WORKER_ENV]: '1' });
    serveAuditRelay(w, audit);
    live.add(w);
    return w;
  };

  // Start-up: every worker must come up once, or none stays.
  const workers = Array.from({ length: config.workers }, fork);
  let urls: readonly string[] = [];
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onExit = (code: number | null, signal: string | null): void => reject(new Error(`worker ${w.process.pid ?? '?'} exited during start-up (${signal ?? `code ${String(code)}`})`));
            w.once('exit', onExit);
            w.on('message', (m: unknown) => {
              if (!isListening(m)) return;
              w.off('exit', onExit);
              urls = m.urls;
              resolve();
            });
          }),
      ),
    );
  } catch (e) {
    stopping = true;
    for (const w of live) w.process.kill('SIGTERM');
    await Promise.all([...live].map((w) => (w.isDead() ? undefined : new Promise((r) => w.once('exit', r)))));
    await audit.close().catch(() => undefined);
    await dropDemoAccount(config, demo).catch(() => undefined);
    throw e;
  }

  cluster.on('exit', (w, code, signal) => {
    live.delete(w);
    if (stopping) return;
    logger.error({ worker: w.process.pid, code, signal }, 'worker died; starting a replacement');
    const wait = Math.max(0, lastRestart + 1000 - Date.now());
    lastRestart = Date.now() + wait;
    setTimeout(() => {
      if (!stopping) fork();
    }, wait);
  });
  logger.info({ workers: config.workers, urls, pids: workers.map((w) => w.process.pid) }, 'ntlmgate serve primary: workers listening');

  let stopped: Promise<number> | undefined;
  const stop = (reason: string): Promise<number> =>
    (stopped ??= (async () => {
      stopping = true;
      logger.info({ reason, workers: live.size }, 'shutting down: stopping the workers gracefully');
      const codes = [...live].map(
        (w) =>
          new Promise<number>((resolve) => {
            if (w.isDead()) return resolve(w.process.exitCode ?? 1);
            // A worker that overstays its own shutdown timeout (plus time to flush) is killed.
            const kill = setTimeout(() => w.process.kill('SIGKILL'), config.shutdownTimeoutMs + 10_000);
            w.once('exit', (code) => {
              clearTimeout(kill);
              resolve(code ?? 1);
            });
            w.process.kill('SIGTERM');
          }),
      );
      const results = await Promise.all(codes);
      let failed = results.filter((c) => c !== 0).length;
      try {
        await audit.close();
      } catch (e) {
        logger.error({ err: e instanceof Error ? e.message : String(e) }, 'closing the audit log failed');
        failed++;
      }
      logger.info({ workers: results.length, failed }, 'stopped; every worker flushed its audit log');
      return failed === 0 ? 0 : 1;
    })());
  return { urls, demo, stop };
}
