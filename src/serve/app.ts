/**
 * The request listener of `ntlmgate serve`:
 *
 *   /healthz              no authentication: 200 while serving, 503 while draining or while
 *                         the audit store cannot write (with the reason)
 *   everything else       Integrated Windows Authentication (src/http/server), then
 *     with an upstream    passed on with the signed identity headers
 *     without one         the built-in page: `/` (HTML, or JSON on Accept: application/json),
 *                         `/whoami` (JSON); 404 elsewhere
 *   /.ntlmgate/whoami     the JSON page, with or without an upstream
 *
 * Every response carries `X-Request-Id`, and one access-log line with the same id is written
 * when it finishes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createIwa, type IwaCore } from '../http/server/handler.js';
import type { IwaOptions } from '../http/server/options.js';
import { clientIpOf } from '../http/server/request.js';
import { nextRequestId } from '../http/server/requestId.js';
import type { KeptAudit } from './auditKeeping.js';
import { iwaLogTo, type ServeLogger } from './logger.js';
import type { Upstream } from '../gateway/upstream.js';
import { whoamiHtml, whoamiJson, type WhoamiView } from './whoamiPage.js';

export interface ServeApp {
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  readonly iwa: IwaCore;
  /**
   * From now on: /healthz answers 503 and every response, including those of requests
   * already in flight, closes its connection; `onIdle` runs each time a response ends.
   */
  startDraining(onIdle: () => void): void;
  readonly inFlight: () => number;
}

export interface ServeAppOptions {
  readonly iwa: Omit<IwaOptions, 'requestId' | 'log'>;
  readonly logger: ServeLogger;
  readonly upstream: Upstream | undefined;
  /** Whether the audit store can write (and retention's last run), for /healthz. */
  readonly auditHealth?: () => KeptAuditHealth;
  readonly version: string;
  readonly now?: () => number;
}

type KeptAuditHealth = ReturnType<KeptAudit['health']>;

const REQUEST_ID = Symbol('ntlmgate.requestId');
type WithId = IncomingMessage & { [REQUEST_ID]?: string };

const SECURITY_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function createServeApp(o: ServeAppOptions): ServeApp {
  const now = o.now ?? Date.now;
  const started = now();
  let draining = false;
  let onIdle: () => void = () => undefined;
  const live = new Set<ServerResponse>();
  const iwa = createIwa({
    ...o.iwa,
    requestId: (req) => (req as WithId)[REQUEST_ID] ?? nextRequestId(),
    log: iwaLogTo(o.logger.child({ component: 'iwa' })),
  });

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = nextRequestId();
    (req as WithId)[REQUEST_ID] = requestId;
    const t0 = process.hrtime.bigint();
    live.add(res);
    res.setHeader('x-request-id', requestId);
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      live.delete(res);
      if (draining) setImmediate(onIdle);
      o.logger.info(
        {
          requestId,
          method: req.method,
          path: pathOf(req),
          status: res.statusCode,
          ms: Number((process.hrtime.bigint() - t0) / 1000n) / 1000,
          user: req.ntlmgate?.name,
          clientIp: clientIpOf(req.socket),
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request',
      );
    });

    const path = pathOf(req);
    if (path === '/healthz') {
      const audit = o.auditHealth?.();
      // A store that cannot write means no logon can be answered: a load balancer should look elsewhere.
      const status = draining ? 'draining' : audit && !audit.ok ? 'audit-unavailable' : 'ok';
      const body = JSON.stringify({ status, version: o.version, uptimeSeconds: Math.round((now() - started) / 1000), ...iwa.stats(), ...(audit ? { audit } : {}) });
      send(res, status === 'ok' ? 200 : 503, 'application/json', `${body}\n`);
      return;
    }

    iwa
      .authenticate(req, res)
      .then((outcome) => {
        if (!outcome.authenticated) return;
        const view: WhoamiView = { ...outcome.identity, requestId, tls: Boolean((req.socket as Partial<TLSSocket>).encrypted) };
        if (path === '/.ntlmgate/whoami') return send(res, 200, 'application/json', whoamiJson(view));
        if (o.upstream) return o.upstream.pass(req, res, outcome.identity, requestId);
        if (path === '/whoami') return send(res, 200, 'application/json', whoamiJson(view));
        if (path === '/') {
          const wantsJson = /\bapplication\/json\b/.test(req.headers.accept ?? '') && !/\btext\/html\b/.test(req.headers.accept ?? '');
          return wantsJson ? send(res, 200, 'application/json', whoamiJson(view)) : send(res, 200, 'text/html; charset=utf-8', whoamiHtml(view));
        }
        send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
      })
      .catch((e: unknown) => {
        // Only our own code can get here (the handler answers every client error itself).
        o.logger.error({ requestId, err: e instanceof Error ? e.message : String(e) }, 'internal error');
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal Server Error\n');
        else res.destroy();
      });
  };

  return {
    listener,
    iwa,
    startDraining(idle) {
      draining = true;
      onIdle = idle;
      for (const res of live) if (!res.headersSent) res.setHeader('connection', 'close');
    },
    inFlight: () => live.size,
  };
}
