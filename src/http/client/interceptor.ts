/**
 * The NTLM / Negotiate interceptor for undici 7's `compose()`:
 *
 *   const dispatcher = new Agent().compose(ntlmInterceptor({ credentials }), interceptors.redirect());
 *
 * An NTLM handshake must stay on one connection, which the dispatcher underneath (an Agent or
 * Pool choosing among its sockets) cannot promise. So the interceptor owns an NtlmDispatcher
 * with pinned connections, and routes to it:
 * - requests to origins seen asking for Negotiate/NTLM (and everything, when a proxy is set);
 * - requests with a stream body to an origin not seen yet (it probes with HEAD first, so the
 *   body is not spent on a 401);
 * everything else goes down the chain untouched. When a request that went down the chain is
 * answered 401 with Negotiate/NTLM, that response is swallowed and the request replayed on the
 * pinned connections (its body is in memory: only non-stream bodies go down the chain).
 * `origins` limits all of this to the hosts that need it.
 *
 * List it FIRST in compose(): undici applies the list inside out, so interceptors listed
 * before it sit between it and the transport and are skipped by the requests it carries on its
 * own connections, while those listed after it (redirect, retry, cache, …) wrap it and see
 * every request and the authenticated responses — a redirect to an NTLM origin then comes back
 * through this interceptor with the new origin.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { AUTH_SCHEMES } from '../../policy/requests.js';
import { offersIn } from './challenge.js';
import { kKnows, kLearn, kProxied, NtlmDispatcher, type NtlmDispatcherOptions } from './dispatcher.js';
import { ForwardingController, toSink, type Controller, type ResponseSink } from './handlers.js';
import { bodyKind, hasHeader, headerPairs } from './requestParts.js';

export interface NtlmInterceptorOptions extends NtlmDispatcherOptions {
  /** Which origins (`https://host:port`) get NTLM handling. Default: every origin. */
  readonly origins?: (origin: string) => boolean;
}

export type NtlmInterceptor = Dispatcher.DispatcherComposeInterceptor & {
  /** The dispatcher that owns the pinned connections: close it when done. */
  readonly dispatcher: NtlmDispatcher;
};

function originOf(opts: Dispatcher.DispatchOptions): string | undefined {
  try {
    return opts.origin === undefined ? undefined : new URL(String(opts.origin)).origin;
  } catch {
    return undefined;
  }
}

/** Watches a request that went down the chain for a 401 with Negotiate/NTLM. */
class Detour implements Dispatcher.DispatchHandler {
  /** The leg running now: the chain's first, then the pinned connection's. */
  private current: Controller | undefined;
  /** The controller the caller holds: it follows the request from the chain to the pinned connection. */
  private readonly follow = new ForwardingController({
    abort: (reason) => this.current?.abort(reason),
    pause: () => this.current?.pause(),
    resume: () => this.current?.resume(),
  });
  private started = false;
  private swallow = false;

  constructor(
    private readonly sink: ResponseSink,
    private readonly ntlm: NtlmDispatcher,
    private readonly opts: Dispatcher.DispatchOptions,
    private readonly origin: string,
    private readonly schemes: NonNullable<NtlmDispatcherOptions['schemes']>,
  ) {}

  onRequestStart(controller: Controller, context: object): void {
    this.current = controller;
    if (this.started) return;
    this.started = true;
    this.sink.onRequestStart(this.follow, context);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (statusCode === 401) {
      let scheme;
      try {
        scheme = offersIn(headers['www-authenticate'], this.schemes)[0]?.scheme;
      } catch {
        scheme = undefined; // garbage: leave the 401 to the caller (the pinned path would report it)
      }
      if (scheme !== undefined) {
        this.ntlm[kLearn](this.origin, scheme);
        this.swallow = true;
        return;
      }
    }
    this.follow.rawHeaders = controller.rawHeaders ?? null;
    this.sink.onResponseStart(this.follow, statusCode, headers, statusMessage);
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    if (!this.swallow) this.sink.onResponseData(this.follow, chunk);
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    if (!this.swallow) {
      this.follow.rawTrailers = controller.rawTrailers ?? null;
      this.sink.onResponseEnd(this.follow, trailers);
      return;
    }
    // Replay on the pinned connections; the caller keeps the controller it already holds.
    const follow = this.follow;
    const sink = this.sink;
    const continuation: Dispatcher.DispatchHandler = {
      onRequestStart: (c: Controller) => {
        this.current = c;
        if (follow.aborted) c.abort(follow.reason ?? new Error('request aborted'));
      },
      onResponseStart: (c: Controller, s: number, h: IncomingHttpHeaders, m?: string) => {
        follow.rawHeaders = c.rawHeaders ?? null;
        sink.onResponseStart(follow, s, h, m);
      },
      onResponseData: (_c: Controller, chunk: Buffer) => sink.onResponseData(follow, chunk),
      onResponseEnd: (c: Controller, t: IncomingHttpHeaders) => {
        follow.rawTrailers = c.rawTrailers ?? null;
        sink.onResponseEnd(follow, t);
      },
      onResponseError: (_c: Controller, e: Error) => sink.onResponseError(follow, e),
    };
    this.ntlm.dispatch(this.opts, continuation);
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.sink.onResponseError(this.follow, error);
  }
}

/** An undici interceptor answering Negotiate/NTLM challenges on pinned connections of its own. */
export function ntlmInterceptor(options: NtlmInterceptorOptions): NtlmInterceptor {
  const ntlm = new NtlmDispatcher(options);
  const schemes = options.schemes ?? AUTH_SCHEMES;
  const inScope = options.origins ?? (() => true);
  const interceptor = (dispatch: Dispatcher.Dispatch): Dispatcher.Dispatch => {
    return (opts, handler) => {
      const origin = originOf(opts);
      if (origin === undefined || !inScope(origin) || opts.upgrade || opts.method === 'CONNECT' || hasHeader(headerPairs(opts.headers), 'authorization')) {
        return dispatch(opts, handler);
      }
      if (ntlm[kProxied] || ntlm[kKnows](origin) || bodyKind(opts.body) === 'stream') return ntlm.dispatch(opts, handler);
      return dispatch(opts, new Detour(toSink(handler), ntlm, opts, origin, schemes));
    };
  };
  return Object.assign(interceptor, { dispatcher: ntlm });
}
