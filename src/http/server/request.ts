/**
 * The requests and responses the handler takes (node:http, node:https, and node:http2's
 * compatibility API), and the few facts it reads from them: the client's address as the
 * socket reports it (never X-Forwarded-For), and whether the connection stays open.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';

export type IwaRequest = IncomingMessage | Http2ServerRequest;
export type IwaResponse = ServerResponse | Http2ServerResponse;

export function isHttp2Request(req: IwaRequest): req is Http2ServerRequest {
  return req.httpVersionMajor === 2 && 'stream' in req;
}

/** The peer address; IPv4-mapped IPv6 (`::ffff:10.0.0.5`, dual-stack sockets) is read as IPv4. */
export function clientIpOf(socket: Socket | undefined): string {
  const a = socket?.remoteAddress ?? '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/**
 * Whether this response can leave the connection open, as node:http decides it: HTTP/1.1
 * unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`. NTLM needs it:
 * the CHALLENGE is bound to the connection that asked for it.
 */
export function connectionStaysOpen(req: IncomingMessage): boolean {
  const tokens = String(req.headers.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((t) => t.trim());
  if (tokens.includes('close')) return false;
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return tokens.includes('keep-alive');
  return req.httpVersionMajor >= 1;
}
