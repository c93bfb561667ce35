/**
 * Starting and stopping `ntlmgate serve`: the stores, the LocalAuthority, the listeners, and
 * a graceful stop that refuses new connections, lets in-flight requests finish (up to the
 * shutdown timeout), then flushes and closes the audit log and the account store. Signal
 * handling is the CLI's; this module installs nothing process-wide, so tests start it in-process.
 */
import { mkdir } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname } from 'node:path';
import { openAuditStore } from '../audit/openAuditStore.js';
import type { AuditSink } from '../audit/sink.js';
import type { AccountStore } from '../authority/local/accountStore.js';
import { LocalAuthority } from '../authority/local/localAuthority.js';
import { openAccountStore, redactStoreUrl } from '../authority/local/openAccountStore.js';
import type { ServeConfig } from './config.js';
import type { ExtendedProtectionMode } from '../http/server/epa.js';
import type { NtlmPolicy } from '../policy/policy.js';
import { createServeApp, type ServeApp } from './app.js';
import { keepAudit } from './auditKeeping.js';
import { ensureDemoAccount, removeDemoAccount, warnIfNoAccounts, type DemoAccount } from './demoAccount.js';
import type { ServeLogger } from './logger.js';
import { preflightServe } from './preflight.js';
import { createUpstream, type Upstream } from '../gateway/upstream.js';

export interface ServeHandle {
  /** `http://127.0.0.1:8080/` for each listener, in configured order (ports resolved when 0 was asked). */
  readonly urls: readonly string[];
  readonly demo: DemoAccount | undefined;
  readonly policy: NtlmPolicy;
  readonly app: ServeApp;
  /** Graceful stop; resolves when everything is closed and flushed. Idempotent. */
  stop(reason?: string): Promise<void>;
}

export interface StartServeOptions {
  readonly logger: ServeLogger;
  readonly version: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
  /**
   * Where the events go instead of opening `config.audit.store`: a serve worker's relay to the
   * primary, which holds the store (auditRelay.ts). stop() closes it (flushing what is pending).
   */
  readonly audit?: AuditSink;
  /** Warn when the account store is empty (default true; a cluster's primary warns once for its workers). */
  readonly warnNoAccounts?: boolean;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Creates the folders of the SQLite stores (mode 0700: they hold NT hashes and the audit log). */
export async function ensureStoreDirs(config: ServeConfig): Promise<void> {
  for (const url of [config.audit.store, config.authority.store]) {
    const path = /^sqlite:(?!:memory:$)(.+)$/.exec(url)?.[1];
    if (path) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  }
}

const urlOf = (tls: boolean, a: AddressInfo): string => `${tls ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/`;

export async function startServe(config: ServeConfig, o: StartServeOptions): Promise<ServeHandle> {
  const { logger } = o;
  const env = o.env ?? process.env;
  const listenerMode = new WeakMap<Socket, ExtendedProtectionMode>();
  // Everything that can be wrong with the configuration's files and secrets fails here, before anything is written.
  const { policy, secret, tls: tlsFiles } = await preflightServe(config, env);

  await ensureStoreDirs(config);
  const opened: { audit?: AuditSink; accounts?: AccountStore; upstream?: Upstream } = {};
  const servers: Server[] = [];
  let demo: DemoAccount | undefined;
  try {
    // The relay of a cluster worker is kept for health only; the store's holder also prunes it.
    const kept = o.audit
      ? await keepAudit(o.audit, { logger })
      : await keepAudit(await openAuditStore(config.audit.store), { url: config.audit.store, retention: config.audit.retention, logger });
    opened.audit = kept.sink;
    opened.accounts = await openAccountStore(config.authority.store);
    const authority = new LocalAuthority({
      store: opened.accounts,
      domain: { netbios: config.names.netbiosDomainName, dns: config.names.dnsDomainName },
      policy,
      audit: opened.audit,
      dcName: config.names.netbiosComputerName,
      lockout: config.authority.lockout,
      now: o.now,
    });
    if (config.upstream) {
      opened.upstream = createUpstream({ url: config.upstream.url, secret, timeoutMs: config.upstream.timeoutMs, stripHeaders: config.upstream.stripHeaders, logger });
      if (!secret) logger.warn({ upstream: config.upstream.url.origin }, 'upstream without identitySecretEnv/identitySecretFile: the identity is not passed on');
    }
    const app = createServeApp({
      iwa: {
        ...config.names,
        authority,
        providers: config.providers,
        policy,
        audit: opened.audit,
        serviceName: 'serve',
        persistence: config.persistence,
        handshakeTimeoutMs: config.handshakeTimeoutMs,
        maxPendingPerIp: config.maxPendingPerIp,
        extendedProtection: (socket) => listenerMode.get(socket) ?? config.extendedProtection,
        targetNames: config.targetNames,
        stripHeaders: config.upstream?.stripHeaders,
        allow: config.allow,
        requireMic: config.requireMic,
        now: o.now,
      },
      logger,
      upstream: opened.upstream,
      auditHealth: kept.health,
      version: o.version,
      now: o.now,
    });

    const urls: string[] = [];
    for (const [i, l] of config.listen.entries()) {
      const tls = tlsFiles[i];
      const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, app.listener) : http.createServer(app.listener);
      // Each connection carries its listener's Extended Protection mode (the socket a request arrives on).
      const mode = l.extendedProtection ?? config.extendedProtection;
      server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => listenerMode.set(socket, mode));
      // Slowloris limits: a request's headers within 30 s; idle keep-alive connections closed after 2 min.
      server.headersTimeout = 30_000;
      server.requestTimeout = 5 * 60_000;
      server.keepAliveTimeout = 120_000;
      servers.push(server);
      urls.push(urlOf(Boolean(tls), await listen(server, l.host, l.port)));
    }
    // Created once the listeners are up: a start that fails leaves no account whose password nobody saw.
    demo = config.demoAccount ? await ensureDemoAccount(opened.accounts, config.names.netbiosDomainName) : undefined;
    if (!demo && o.warnNoAccounts !== false) await warnIfNoAccounts(opened.accounts, logger);
    logger.info(
      {
        urls,
        config: config.file ?? '(embedded defaults)',
        accounts: redactStoreUrl(config.authority.store),
        audit: redactStoreUrl(config.audit.store),
        auditRetention: config.audit.retention ? { maxBytes: config.audit.retention.maxBytes ?? 'off', maxAgeMs: config.audit.retention.maxAgeMs ?? 'off', mode: config.audit.retention.mode } : 'off',
        providers: config.providers,
        extendedProtection: config.extendedProtection,
        upstream: config.upstream?.url.origin,
        names: config.names,
      },
      'ntlmgate serve listening',
    );

    let stopping: Promise<void> | undefined;
    const stop = (reason = 'stop'): Promise<void> =>
      (stopping ??= (async () => {
        logger.info({ reason, inFlight: app.inFlight() }, 'shutting down: finishing in-flight requests');
        // Keep-alive connections are closed as soon as they are idle: now, and after each response that ends.
        app.startDraining(() => {
          for (const s of servers) s.closeIdleConnections();
        });
        const closed = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        for (const s of servers) s.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), config.shutdownTimeoutMs)));
        const outcome = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
        clearTimeout(timer);
        if (outcome === 'timeout') {
          logger.warn({ inFlight: app.inFlight() }, 'shutdown timeout: closing the remaining connections');
          for (const s of servers) s.closeAllConnections();
          await closed;
        }
        opened.upstream?.close();
        await opened.audit?.close();
        await opened.accounts?.close();
        logger.info({}, 'stopped; audit log flushed');
      })());
    return { urls, demo, policy, app, stop };
  } catch (e) {
    for (const s of servers) s.close();
    if (demo && opened.accounts) await removeDemoAccount(opened.accounts, demo).catch(() => undefined);
    opened.upstream?.close();
    await opened.audit?.close().catch(() => undefined);
    await opened.accounts?.close().catch(() => undefined);
    throw e;
  }
}
