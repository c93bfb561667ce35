/**
 * Pass-on of authenticated requests to one upstream: the request and its body stream through,
 * hop-by-hop headers and the client's `Authorization` stay here, `X-Forwarded-*` are set, and the
 * identity travels as the HMAC-signed `X-NTLMGate-*` header set the upstream can verify
 * (verifyIdentityHeaders). Upstream connections are pooled: they carry no NTLM state, the
 * identity is in each request's headers, so sharing them between users is safe.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { IwaIdentity } from '../http/server/identity.js';
import { DEFAULT_STRIPPED_HEADERS, IdentityHeaderMatcher, signIdentityHeaders } from '../http/server/identityHeaders.js';
import { clientIpOf } from '../http/server/request.js';

/** Where a failed pass-on is reported: the part of serve's pino logger this uses. */
export interface UpstreamLogger {
  warn(fields: Readonly<Record<string, unknown>>, msg: string): void;
}

export interface UpstreamOptions {
  readonly url: URL;
  readonly secret: Buffer | undefined;
  readonly timeoutMs: number;
  /** Identity headers never passed on from the client (besides X-NTLMGate-*); the IWA handler strips the same. */
  readonly stripHeaders?: readonly string[];
  readonly logger: UpstreamLogger;
}

// RFC 9110 §7.6.1 hop-by-hop fields, plus the credentials that were meant for us.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'authorization', 'host', 'http2-settings']);

function forwardHeaders(src: IncomingHttpHeaders, identity: IdentityHeaderMatcher): OutgoingHttpHeaders {
  const listed = new Set(
    String(src['connection'] ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined || HOP_BY_HOP.has(k) || listed.has(k) || identity.matches(k)) continue;
    out[k] = v;
  }
  return out;
}

// Only ntlmgate's own names are kept out of the response: an upstream may well answer with its own X-Remote-User.
const NO_IDENTITY = new IdentityHeaderMatcher([]);

export interface Upstream {
  pass(req: IncomingMessage, res: ServerResponse, identity: IwaIdentity, requestId: string): void;
  close(): void;
}

export function createUpstream(options: UpstreamOptions): Upstream {
  const secure = options.url.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 256 }) : new http.Agent({ keepAlive: true, maxSockets: 256 });
  const base = options.url.pathname.replace(/\/$/, '');
  const clientIdentity = new IdentityHeaderMatcher(options.stripHeaders ?? DEFAULT_STRIPPED_HEADERS);

  return {
    pass(req, res, identity, requestId) {
      const headers = forwardHeaders(req.headers, clientIdentity);
      const clientIp = clientIpOf(req.socket);
      const prior = req.headers['x-forwarded-for'];
      headers['x-forwarded-for'] = prior ? `${String(prior)}, ${clientIp}` : clientIp;
      headers['x-forwarded-proto'] = (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
      if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
      headers['x-request-id'] = requestId;
      if (options.secret) Object.assign(headers, signIdentityHeaders(identity, options.secret));

      const upstreamReq = (secure ? https : http).request({
        protocol: options.url.protocol,
        hostname: options.url.hostname.replace(/^\[|\]$/g, ''),
        port: options.url.port || (secure ? 443 : 80),
        method: req.method,
        path: base + (req.url ?? '/'),
        headers,
        agent,
        timeout: options.timeoutMs,
      });

      const fail = (status: 502 | 504, why: string): void => {
        options.logger.warn({ requestId, upstream: options.url.origin, reason: why }, 'upstream failed');
        if (!res.headersSent) {
          res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
          res.end(status === 504 ? 'Gateway Timeout\n' : 'Bad Gateway\n');
        } else {
          res.destroy();
        }
      };
      upstreamReq.on('timeout', () => {
        upstreamReq.destroy(new Error('timeout'));
      });
      upstreamReq.on('error', (e: NodeJS.ErrnoException) => fail(e.message === 'timeout' ? 504 : 502, e.code ?? e.message));
      upstreamReq.on('response', (up) => {
        const out: OutgoingHttpHeaders = forwardHeaders(up.headers, NO_IDENTITY);
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
        up.on('error', () => res.destroy());
      });
      // The client went away: stop the upstream work too.
      res.on('close', () => {
        if (!res.writableFinished) upstreamReq.destroy();
      });
      req.pipe(upstreamReq);
    },
    close() {
      agent.destroy();
    },
  };
}
