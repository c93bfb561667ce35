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

function originOf(dispatchOptions: Dispatcher.DispatchOptions): string | undefined {
  try {
    return dispatchOptions.origin === undefined ? undefined : new URL(String(dispatchOptions.origin)).origin;
  } catch {
    return undefined;
  }
}

/** Watches a request that went down the chain for a 401 with Negotiate/NTLM, and replays it on the pinned connections. */
class ReplayOnChallenge implements Dispatcher.DispatchHandler {
  /** The leg running now: the chain's first, then the pinned connection's. */
  private runningLeg: Controller | undefined;
  /** The controller the caller holds: it follows the request from the chain to the pinned connection. */
  private readonly callerController = new ForwardingController({
    abort: (reason) => this.runningLeg?.abort(reason),
    pause: () => this.runningLeg?.pause(),
    resume: () => this.runningLeg?.resume(),
  });
  private started = false;
  /** The chain answered 401 with our scheme: its response is dropped and the request replayed. */
  private answeredWithChallenge = false;

  constructor(
    private readonly sink: ResponseSink,
    private readonly ntlmDispatcher: NtlmDispatcher,
    private readonly dispatchOptions: Dispatcher.DispatchOptions,
    private readonly origin: string,
    private readonly schemes: NonNullable<NtlmDispatcherOptions['schemes']>,
  ) {}

  onRequestStart(controller: Controller, context: object): void {
    this.runningLeg = controller;
    if (this.started) return;
    this.started = true;
    this.sink.onRequestStart(this.callerController, context);
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
        this.ntlmDispatcher[kLearn](this.origin, scheme);
        this.answeredWithChallenge = true;
        return;
      }
    }
    this.callerController.rawHeaders = controller.rawHeaders ?? null;
    this.sink.onResponseStart(this.callerController, statusCode, headers, statusMessage);
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    if (!this.answeredWithChallenge) this.sink.onResponseData(this.callerController, chunk);
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    if (!this.answeredWithChallenge) {
      this.callerController.rawTrailers = controller.rawTrailers ?? null;
      this.sink.onResponseEnd(this.callerController, trailers);
      return;
    }
    // Replay on the pinned connections; the caller keeps the controller it already holds.
    const callerController = this.callerController;
    const sink = this.sink;
    const continuation: Dispatcher.DispatchHandler = {
      onRequestStart: (leg: Controller) => {
        this.runningLeg = leg;
        if (callerController.aborted) leg.abort(callerController.reason ?? new Error('request aborted'));
      },
      onResponseStart: (leg: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string) => {
        callerController.rawHeaders = leg.rawHeaders ?? null;
        sink.onResponseStart(callerController, statusCode, headers, statusMessage);
      },
      onResponseData: (_leg: Controller, chunk: Buffer) => sink.onResponseData(callerController, chunk),
      onResponseEnd: (leg: Controller, trailers: IncomingHttpHeaders) => {
        callerController.rawTrailers = leg.rawTrailers ?? null;
        sink.onResponseEnd(callerController, trailers);
      },
      onResponseError: (_leg: Controller, error: Error) => sink.onResponseError(callerController, error),
    };
    this.ntlmDispatcher.dispatch(this.dispatchOptions, continuation);
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.sink.onResponseError(this.callerController, error);
  }
}

/** An undici interceptor answering Negotiate/NTLM challenges on pinned connections of its own. */
export function ntlmInterceptor(options: NtlmInterceptorOptions): NtlmInterceptor {
  const ntlmDispatcher = new NtlmDispatcher(options);
  const schemes = options.schemes ?? AUTH_SCHEMES;
  const inScope = options.origins ?? (() => true);
  const interceptor = (dispatch: Dispatcher.Dispatch): Dispatcher.Dispatch => {
    return (dispatchOptions, handler) => {
      const origin = originOf(dispatchOptions);
      if (origin === undefined || !inScope(origin) || dispatchOptions.upgrade || dispatchOptions.method === 'CONNECT' || hasHeader(headerPairs(dispatchOptions.headers), 'authorization')) {
        return dispatch(dispatchOptions, handler);
      }
      if (ntlmDispatcher[kProxied] || ntlmDispatcher[kKnows](origin) || bodyKind(dispatchOptions.body) === 'stream') return ntlmDispatcher.dispatch(dispatchOptions, handler);
      return dispatch(dispatchOptions, new ReplayOnChallenge(toSink(handler), ntlmDispatcher, dispatchOptions, origin, schemes));
    };
  };
  return Object.assign(interceptor, { dispatcher: ntlmDispatcher });
}
