/**
 * A handshake on a raw socket, for the two places where no HTTP client library carries the
 * requests: the CONNECT exchange with a proxy (407, `Proxy-Authorization`) and the HEAD legs
 * an http.Agent runs before it hands an authenticated socket to http.request. Every leg goes
 * over the same socket; when the peer closes it between legs the handshake starts again on a
 * fresh one (NTLM state never survives a connection).
 */
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { AuthScheme } from '../../policy/requests.js';
import { certificateBindingData } from '../tlsChannelBindings.js';
import { Handshake, type AuthTarget } from './authenticator.js';
import { offersIn } from './challenge.js';
import { HttpAuthError, type AuthTargetKind } from './errors.js';
import { reportLeg, writeEvents, type ResolvedAuth } from './options.js';
import { formatRequestHead, headerLines, ResponseReader, type ParsedResponse } from './wire.js';

/** Default wait for one response during a handshake. */
export const HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * tls-server-end-point application data of a TLS socket's peer certificate, if it has one we
 * can hash. A resumed TLS session carries no certificate in Node: `remembered` is the binding
 * of the full handshake to the same peer, which is what a resumed session is bound to (the
 * client options turn resumption off unless the caller turns it on).
 */
export function channelBindingsOf(socket: unknown, remembered?: Map<string, Buffer>, key?: string): Buffer | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const cert = socket.getPeerCertificate(false);
  if (!cert || !('raw' in cert) || !Buffer.isBuffer(cert.raw)) {
    return socket.isSessionReused() && key !== undefined ? remembered?.get(key) : undefined;
  }
  const data = certificateBindingData(cert.raw);
  if (!data) return undefined;
  if (remembered && key !== undefined) {
    if (remembered.size >= 256 && !remembered.has(key)) remembered.clear();
    remembered.set(key, data);
  }
  return data;
}

/** Sends one request head and reads one whole response (head and any body, which is skipped). */
export function exchange(socket: Duplex, head: Buffer, method: string, timeoutMs = HANDSHAKE_TIMEOUT_MS): Promise<ParsedResponse> {
  return new Promise<ParsedResponse>((resolve, reject) => {
    const reader = new ResponseReader(method);
    let settled = false;
    const finish = (err: Error | undefined, response?: ParsedResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', onError);
      if (err) {
        socket.destroy();
        reject(err);
      } else if (response) {
        if (response.rest.length > 0) socket.unshift(response.rest);
        resolve(response);
      }
    };
    const onData = (chunk: Buffer): void => {
      try {
        const response = reader.push(chunk);
        if (response) finish(undefined, response);
      } catch (e) {
        finish(e instanceof Error ? e : new Error(String(e)));
      }
    };
    const onEnd = (): void => {
      try {
        finish(undefined, reader.end());
      } catch (e) {
        finish(e instanceof Error ? e : new Error(String(e)));
      }
    };
    const onError = (e: Error): void => finish(new HttpAuthError('HANDSHAKE_FAILED', `connection error during the handshake: ${e.message}`, { cause: e }));
    const timer = setTimeout(() => finish(new HttpAuthError('HANDSHAKE_FAILED', `no response within ${timeoutMs} ms during the handshake`)), timeoutMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    if (socket.destroyed) {
      finish(new HttpAuthError('HANDSHAKE_FAILED', 'the connection closed before the request was sent'));
      return;
    }
    socket.write(head);
  });
}

export interface RawLeg {
  readonly method: string;
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
}

export interface SocketAuthParams {
  readonly auth: ResolvedAuth;
  /** `server` answers 401 with WWW-Authenticate; `proxy` 407 with Proxy-Authenticate. */
  readonly kind: AuthTargetKind;
  /** The target host as the URL names it (policy, SPN). */
  readonly host: string;
  /** The first connection (connected, TLS done). */
  readonly socket: Duplex;
  /** Opens a fresh connection when the peer closed the last one. */
  readonly open: () => Promise<Duplex>;
  /** The request of each leg, with the `Authorization` / `Proxy-Authorization` value to send (none on a probe). */
  readonly leg: (authorization: string | undefined) => RawLeg;
  /** A scheme this target is known to want: start with the NEGOTIATE instead of a probe. */
  readonly known?: AuthScheme;
  /** The address of the peer, for policy (a direct connection's remote address). */
  readonly address?: (socket: Duplex) => string | undefined;
  /** Certificate bindings of earlier full TLS handshakes, by peer (for resumed sessions). */
  readonly bindings?: { readonly remembered: Map<string, Buffer>; readonly key: string };
  readonly timeoutMs?: number;
}

export interface SocketAuthResult {
  /** The connection the final response came on (it may be a new one). */
  readonly socket: Duplex;
  /** The response that ended the exchange: success, a refusal (401/407), or a status without a challenge. */
  readonly response: ParsedResponse;
  /** The scheme the target asked for, when it asked. */
  readonly scheme?: AuthScheme;
  /** Whether a handshake completed on `socket`. */
  readonly authenticated: boolean;
}

/** Handshakes started per exchange (a restart happens when the peer closes between legs). */
const MAX_ATTEMPTS = 2;

export async function authenticateSocket(params: SocketAuthParams): Promise<SocketAuthResult> {
  const status = params.kind === 'proxy' ? 407 : 401;
  const challengeHeader = params.kind === 'proxy' ? 'proxy-authenticate' : 'www-authenticate';
  const timeoutMs = params.timeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  let socket = params.socket;
  const proxy = params.kind === 'proxy';
  const send = async (authorization: string | undefined): Promise<ParsedResponse> => {
    const leg = params.leg(authorization);
    if (authorization !== undefined) reportLeg(params.auth, { direction: 'sent', target: params.kind, host: params.host, header: proxy ? 'Proxy-Authorization' : 'Authorization', value: authorization, method: leg.method });
    const response = await exchange(socket, formatRequestHead(leg.method, leg.target, leg.headers), leg.method, timeoutMs);
    if (params.auth.onAuthLeg !== undefined) {
      for (const value of headerLines(response.head, challengeHeader) ?? []) {
        reportLeg(params.auth, { direction: 'received', target: params.kind, host: params.host, header: proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate', value, status: response.head.statusCode });
      }
    }
    return response;
  };
  const fresh = async (): Promise<void> => {
    socket.destroy();
    socket = await params.open();
  };
  const target = (): AuthTarget => ({
    kind: params.kind,
    host: params.host,
    spn: params.auth.spn(params.host, params.kind),
    address: params.address?.(socket),
    channelBindings: channelBindingsOf(socket, params.bindings?.remembered, params.bindings?.key),
  });

  let scheme = params.known;
  if (scheme !== undefined && new Handshake(params.auth.settings, scheme, target()).wouldBlock()) scheme = undefined;
  if (scheme === undefined) {
    const probe = await send(undefined);
    if (probe.head.statusCode !== status) return { socket, response: probe, authenticated: false };
    const offer = offersIn(headerLines(probe.head, challengeHeader), params.auth.schemes)[0];
    if (offer === undefined) return { socket, response: probe, authenticated: false };
    scheme = offer.scheme;
    if (!probe.keepAlive) await fresh();
  }

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const handshake = new Handshake(params.auth.settings, scheme, target());
    const first = handshake.start();
    await writeEvents(params.auth.audit, first.events);
    if (first.kind === 'blocked') throw first.error;
    const challenged = await send(first.header);
    if (challenged.head.statusCode !== status) return { socket, response: challenged, scheme, authenticated: false };
    const offer = offersIn(headerLines(challenged.head, challengeHeader), [scheme])[0];
    if (offer?.token === undefined) return { socket, response: challenged, scheme, authenticated: false };
    if (!challenged.keepAlive) {
      // The CHALLENGE is useless on a closing connection: start again on a new one.
      await fresh();
      continue;
    }
    const second = handshake.answer(offer.token);
    await writeEvents(params.auth.audit, second.events);
    if (second.kind === 'blocked') throw second.error;
    const final = await send(second.header);
    if (final.head.statusCode === status) return { socket, response: final, scheme, authenticated: false };
    handshake.finish(offersIn(headerLines(final.head, challengeHeader), [scheme])[0]?.token);
    return { socket, response: final, scheme, authenticated: true };
  }
  throw new HttpAuthError('HANDSHAKE_FAILED', `${params.host} closed the connection after every CHALLENGE; NTLM needs a persistent connection`);
}
