/**
 * One request through the dispatcher: the legs it takes on ONE pinned connection, and which
 * response reaches the caller.
 *
 * Layers: the server (401, `Authorization`) and, for absolute-form proxy requests, the proxy
 * before it (407, `Proxy-Authorization`). Each leg is one of
 *   plain         the caller's request as is;
 *   probe         `HEAD` without credentials — only for a stream body to an origin not known
 *                 to want NTLM, so the body is not spent on a 401;
 *   negotiate     the NEGOTIATE: the caller's request when it has no body, else the same method
 *                 with an empty body (the target already answered 401/407 for it) or `HEAD`
 *                 (started before the target asked);
 *   authenticate  the AUTHENTICATE on the caller's request, body and all (a proxy's uses `HEAD`
 *                 for a stream body: the origin may still ask, and a stream is sent once).
 * A body the caller gave as bytes is replayed when a leg must be repeated; a stream body is
 * sent at most once, and a 401 that comes after it is the caller's answer.
 *
 * Which socket carried a leg is known from the connection's socket count at the response: an
 * AUTHENTICATE that would go out on another socket than its CHALLENGE came on is not sent —
 * the handshake starts again.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { AuthScheme } from '../../policy/requests.js';
import { Handshake, type AuthTarget } from './authenticator.js';
import { offersIn } from './challenge.js';
import type { PinnedConnection } from './connection.js';
import { HttpAuthError, type AuthTargetKind } from './errors.js';
import { ForwardingController, type Controller, type ResponseSink } from './handlers.js';
import { bareHost, reportLeg, writeEvents, type ResolvedAuth } from './options.js';
import type { OriginPool } from './pool.js';
import { bodyKind, flat, hasHeader, headerPairs, withoutHeaders, type BodyKind } from './requestParts.js';

const MAX_LEGS = 10;
/** Handshakes per layer per request (a second one when the connection changed under the first). */
const MAX_ATTEMPTS = 2;

type Layer = AuthTargetKind;

interface Plan {
  readonly kind: 'plain' | 'probe' | 'negotiate' | 'authenticate';
  readonly layer?: Layer;
  readonly method: string;
  /** The caller's request as asked: its response may be delivered. */
  readonly real: boolean;
  /** Carries the caller's body. */
  readonly withBody: boolean;
  readonly authorization?: string;
}

/** What to do with a leg's response. */
type Mode = 'forward' | 'forward-empty' | 'consume';

class LayerState {
  hs: Handshake | undefined;
  /** The CHALLENGE to answer, and the socket it came on. */
  challenge: Buffer | undefined;
  challengeGeneration = -1;
  /** The target asked: start a handshake with this scheme. */
  pending: AuthScheme | undefined;
  /** The target answered this request with a challenge at least once. */
  asked = false;
  attempts = 0;
  /** Starting before the target asks is off for this request (the policy would block it). */
  noPreempt = false;
}

export interface RunContext {
  readonly pool: OriginPool;
  /** Credentials, policy and audit for the server. */
  readonly server: ResolvedAuth;
  readonly done: () => void;
}

export class RequestRun {
  /** The controller the caller sees: abort / pause / resume reach whichever leg is running. */
  readonly controller = new ForwardingController({
    abort: (reason) => this.abort(reason),
    pause: () => this.leg?.pause(),
    resume: () => this.leg?.resume(),
  });
  /** The running leg's controller. */
  leg: Controller | undefined;
  private conn: PinnedConnection | undefined;
  private cancelWait: ((reason: Error) => void) | undefined;
  private finished = false;
  private bodySent = false;
  private probed = false;
  private readonly layers: Record<Layer, LayerState> = { server: new LayerState(), proxy: new LayerState() };
  private readonly headers: [string, string][];
  private readonly body: BodyKind;
  private readonly userOwns: Record<Layer, boolean>;
  private readonly path: string;

  constructor(
    private readonly ctx: RunContext,
    private readonly opts: Dispatcher.DispatchOptions,
    private readonly sink: ResponseSink,
  ) {
    this.headers = headerPairs(opts.headers);
    this.body = bodyKind(opts.body);
    // A caller who sends its own Authorization / Proxy-Authorization is doing that layer's auth itself.
    this.userOwns = { server: hasHeader(this.headers, 'authorization'), proxy: hasHeader(this.headers, 'proxy-authorization') };
    const route = ctx.pool.route;
    this.path = route.kind === 'absolute' ? `${ctx.pool.origin.origin}${opts.path}` : opts.path;
  }

  start(): void {
    queueMicrotask(() => void this.go());
  }

  private get layerOrder(): readonly Layer[] {
    return this.ctx.pool.route.kind === 'absolute' ? ['proxy', 'server'] : ['server'];
  }

  private authFor(layer: Layer): ResolvedAuth {
    const route = this.ctx.pool.route;
    return layer === 'proxy' && route.kind !== 'direct' ? route.proxy.auth : this.ctx.server;
  }

  private async go(): Promise<void> {
    try {
      this.sink.onRequestStart(this.controller, {});
      if (this.controller.aborted) throw this.controller.reason ?? new Error('request aborted');
      this.conn = await this.ctx.pool.acquireUnless((cancel) => {
        this.cancelWait = cancel;
      });
      this.cancelWait = undefined;
      await this.loop();
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    } finally {
      if (this.conn) this.ctx.pool.release(this.conn);
      this.ctx.done();
    }
  }

  abort(reason: Error): void {
    if (this.finished) return;
    if (this.leg) this.leg.abort(reason);
    else this.cancelWait?.(reason);
  }

  private checkAborted(): void {
    if (this.controller.aborted) throw this.controller.reason ?? new Error('request aborted');
  }

  private async loop(): Promise<void> {
    for (let n = 0; n < MAX_LEGS; n++) {
      this.checkAborted();
      const plan = await this.plan();
      this.checkAborted();
      if ((await this.send(plan)) === 'done') return;
    }
    throw new HttpAuthError('HANDSHAKE_FAILED', `more than ${MAX_LEGS} exchanges for one request`);
  }

  private target(layer: Layer): AuthTarget {
    const conn = this.conn as PinnedConnection;
    const route = this.ctx.pool.route;
    if (layer === 'proxy' && route.kind !== 'direct') {
      const p = route.proxy;
      return {
        kind: 'proxy',
        host: p.host,
        spn: p.auth.spn(p.host, 'proxy'),
        address: () => conn.remoteAddress(),
        channelBindings: p.url.protocol === 'https:' ? () => conn.channelBindings() : undefined,
      };
    }
    const origin = this.ctx.pool.origin;
    const host = bareHost(origin);
    return {
      kind: 'server',
      host,
      spn: this.ctx.server.spn(host, 'server'),
      address: route.kind === 'direct' ? () => conn.remoteAddress() : undefined,
      channelBindings: origin.protocol === 'https:' ? () => conn.channelBindings() : undefined,
    };
  }

  /** The scheme a layer's target asked for before (on any connection). */
  private known(layer: Layer): AuthScheme | undefined {
    const route = this.ctx.pool.route;
    if (layer === 'proxy') return route.kind === 'absolute' ? route.proxy.learned : undefined;
    return this.ctx.pool.learned;
  }

  private learn(layer: Layer, scheme: AuthScheme): void {
    const route = this.ctx.pool.route;
    if (layer === 'proxy') {
      if (route.kind !== 'direct') route.proxy.learned = scheme;
    } else this.ctx.pool.learned = scheme;
  }

  private async plan(): Promise<Plan> {
    const conn = this.conn as PinnedConnection;
    for (const layer of this.layerOrder) {
      if (this.userOwns[layer]) continue;
      const st = this.layers[layer];
      const auth = this.authFor(layer);
      if (st.hs?.started && st.challenge) {
        if (conn.generation === st.challengeGeneration && conn.alive) {
          const step = st.hs.answer(st.challenge);
          st.challenge = undefined;
          await writeEvents(auth.audit, step.events);
          if (step.kind === 'blocked') throw step.error;
          return this.authenticateLeg(layer, step.header);
        }
        // The connection changed between the CHALLENGE and now: the CHALLENGE is void.
        st.pending = st.hs.scheme;
        st.hs = undefined;
        st.challenge = undefined;
      }
      let scheme = st.pending;
      let preemptive = false;
      if (scheme === undefined && !st.noPreempt && st.attempts === 0) {
        const known = this.known(layer);
        const needed = !conn.isAuthenticated(layer) || (layer === 'server' && this.ctx.pool.perRequest);
        if (known !== undefined && needed) {
          scheme = known;
          preemptive = true;
        }
      }
      if (scheme === undefined) continue;
      if (st.attempts >= MAX_ATTEMPTS) {
        throw new HttpAuthError('HANDSHAKE_FAILED', `${this.target(layer).host} closed the connection during every handshake; NTLM needs a persistent connection`);
      }
      const hs = new Handshake(auth.settings, scheme, this.target(layer));
      if (preemptive && hs.wouldBlock()) {
        // Do not start what the policy refuses before the target even asks (the path may be public).
        st.noPreempt = true;
        continue;
      }
      const step = hs.start();
      await writeEvents(auth.audit, step.events);
      if (step.kind === 'blocked') throw step.error;
      st.hs = hs;
      st.pending = undefined;
      st.attempts++;
      return this.negotiateLeg(layer, step.header);
    }
    if (this.body === 'stream' && !this.bodySent && !this.probed && this.ctx.pool.learned === undefined && !this.userOwns.server) {
      this.probed = true;
      return { kind: 'probe', method: 'HEAD', real: false, withBody: false };
    }
    return { kind: 'plain', method: this.opts.method, real: true, withBody: this.body !== 'none' };
  }

  private negotiateLeg(layer: Layer, authorization: string): Plan {
    if (this.body === 'none') return { kind: 'negotiate', layer, method: this.opts.method, real: true, withBody: false, authorization };
    const method = this.layers[layer].asked ? this.opts.method : 'HEAD';
    return { kind: 'negotiate', layer, method, real: false, withBody: false, authorization };
  }

  private authenticateLeg(layer: Layer, authorization: string): Plan {
    if (layer === 'proxy' && this.body === 'stream') return { kind: 'authenticate', layer, method: 'HEAD', real: false, withBody: false, authorization };
    return { kind: 'authenticate', layer, method: this.opts.method, real: true, withBody: this.body !== 'none', authorization };
  }

  private legHeaders(plan: Plan): string[] {
    let h = this.headers;
    if (!plan.withBody) h = withoutHeaders(h, ['content-length', 'transfer-encoding']);
    // Every leg but the last must leave the connection open for the next.
    if (plan.kind === 'probe' || plan.kind === 'negotiate' || !plan.real) h = withoutHeaders(h, ['connection']);
    const out: [string, string][] = [...h];
    if (this.ctx.pool.route.kind === 'absolute' && !hasHeader(out, 'host')) out.push(['host', this.ctx.pool.origin.host]);
    if (plan.authorization !== undefined) out.push([plan.layer === 'proxy' ? 'proxy-authorization' : 'authorization', plan.authorization]);
    return flat(out);
  }

  private send(plan: Plan): Promise<'done' | 'continue'> {
    const conn = this.conn as PinnedConnection;
    if (plan.withBody && this.body === 'stream') {
      if (this.bodySent) return Promise.reject(new HttpAuthError('HANDSHAKE_FAILED', 'the request body is a stream and was already sent'));
      this.bodySent = true;
    }
    const o = this.opts;
    if (plan.authorization !== undefined && plan.layer !== undefined) {
      const auth = this.authFor(plan.layer);
      if (auth.onAuthLeg !== undefined) {
        const proxy = plan.layer === 'proxy';
        reportLeg(auth, { direction: 'sent', target: plan.layer, host: this.target(plan.layer).host, header: proxy ? 'Proxy-Authorization' : 'Authorization', value: plan.authorization, method: plan.method });
      }
    }
    const last = plan.real && (plan.kind === 'plain' || plan.kind === 'authenticate');
    const dispatchOptions: Dispatcher.DispatchOptions = {
      path: this.path,
      method: plan.method,
      headers: this.legHeaders(plan),
      body: plan.withBody ? o.body : null,
      query: o.query,
      headersTimeout: o.headersTimeout,
      bodyTimeout: o.bodyTimeout,
      blocking: o.blocking,
      typeOfService: o.typeOfService,
      // undici closes after HEAD unless told otherwise; a handshake needs the socket kept.
      reset: last ? (o.reset ?? false) : false,
    };
    return new Promise((resolve, reject) => {
      const handler = new LegHandler(this, conn, plan, resolve, reject);
      try {
        conn.client.dispatch(dispatchOptions, handler);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Decides, at a leg's response head, whether the caller gets it or the handshake goes on. */
  decide(plan: Plan, conn: PinnedConnection, status: number, headers: IncomingHttpHeaders): Mode {
    const gen = conn.generation;
    const order = this.layerOrder;
    this.reportChallenges(status, headers);
    const challengeLayer: Layer | undefined = status === 401 ? 'server' : status === 407 && order.includes('proxy') ? 'proxy' : undefined;

    // 1. The leg's own handshake: did its target get it?
    if (plan.layer !== undefined && plan.layer !== challengeLayer) {
      const st = this.layers[plan.layer];
      const hs = st.hs;
      st.hs = undefined;
      st.challenge = undefined;
      if (challengeLayer === undefined || order.indexOf(challengeLayer) > order.indexOf(plan.layer)) {
        // It passed its target (which may still have let it through without a CHALLENGE).
        if (plan.kind === 'authenticate') {
          conn.markAuthenticated(plan.layer, gen);
          const header = plan.layer === 'proxy' ? headers['proxy-authenticate'] : headers['www-authenticate'];
          if (hs) hs.finish(offersIn(header, [hs.scheme])[0]?.token);
        }
      } else if (hs) {
        // An earlier hop (the proxy) stopped it: the handshake never reached its target.
        st.pending = hs.scheme;
        st.attempts = Math.max(0, st.attempts - 1);
      }
    }
    if (challengeLayer === undefined || this.userOwns[challengeLayer]) return plan.real ? 'forward' : 'consume';

    // 2. A challenge from `layer`.
    const layer = challengeLayer;
    const st = this.layers[layer];
    const refused: Mode = plan.real ? 'forward' : 'forward-empty';
    const offers = offersIn(layer === 'proxy' ? headers['proxy-authenticate'] : headers['www-authenticate'], this.authFor(layer).schemes);
    if (plan.layer === layer && plan.kind === 'negotiate' && st.hs) {
      const scheme = st.hs.scheme;
      const offer = offers.find((o) => o.scheme === scheme);
      if (offer?.token !== undefined) {
        st.challenge = offer.token;
        st.challengeGeneration = gen;
        st.asked = true;
        return 'consume';
      }
      // Bare challenges in answer to our NEGOTIATE: the target will not take it.
      st.hs = undefined;
      return refused;
    }
    if (plan.layer === layer && plan.kind === 'authenticate') {
      const sameSocket = gen === st.challengeGeneration;
      st.hs = undefined;
      // Refused on the socket that carried the handshake: the credentials were not accepted.
      if (sameSocket) return refused;
    }
    const offer = offers[0];
    if (offer === undefined) return refused;
    // Asked again on a connection it had authenticated: this origin authenticates requests.
    if (layer === 'server' && conn.isAuthenticated('server')) this.ctx.pool.perRequest = true;
    conn.forget(layer);
    this.learn(layer, offer.scheme);
    st.asked = true;
    const bodyLeft = this.body !== 'stream' || !this.bodySent;
    if (st.attempts >= MAX_ATTEMPTS || !bodyLeft) return refused;
    st.pending = offer.scheme;
    st.hs = undefined;
    st.challenge = undefined;
    return 'consume';
  }

  /** Tells the onAuthLeg observers about the WWW-Authenticate / Proxy-Authenticate values of a leg's response. */
  private reportChallenges(status: number, headers: IncomingHttpHeaders): void {
    for (const layer of this.layerOrder) {
      const auth = this.authFor(layer);
      if (auth.onAuthLeg === undefined) continue;
      const proxy = layer === 'proxy';
      const v = headers[proxy ? 'proxy-authenticate' : 'www-authenticate'];
      const host = this.target(layer).host;
      for (const value of v === undefined ? [] : Array.isArray(v) ? v : [v]) {
        reportLeg(auth, { direction: 'received', target: layer, host, header: proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate', value, status });
      }
    }
  }

  // Delivery to the caller -------------------------------------------------------------------

  deliverStart(status: number, headers: IncomingHttpHeaders, statusMessage: string | undefined, raw: Controller['rawHeaders']): void {
    this.controller.rawHeaders = raw ?? null;
    this.sink.onResponseStart(this.controller, status, headers, statusMessage);
  }

  deliverData(chunk: Buffer): void {
    this.sink.onResponseData(this.controller, chunk);
  }

  deliverEnd(trailers: IncomingHttpHeaders, raw: Controller['rawTrailers']): void {
    if (this.finished) return;
    this.finished = true;
    this.controller.rawTrailers = raw ?? null;
    this.sink.onResponseEnd(this.controller, trailers);
  }

  private fail(e: Error): void {
    if (this.finished) return;
    this.finished = true;
    try {
      this.sink.onResponseError(this.controller, e);
    } catch {
      // A handler without an error callback: undici would throw into the void too.
    }
  }
}

/** Receives one leg's response from the undici Client. */
class LegHandler implements Dispatcher.DispatchHandler {
  private mode: Mode | undefined;
  private error: Error | undefined;
  private saved: { status: number; headers: IncomingHttpHeaders; message: string | undefined; raw: Controller['rawHeaders'] } | undefined;

  constructor(
    private readonly run: RequestRun,
    private readonly conn: PinnedConnection,
    private readonly plan: Plan,
    private readonly resolve: (r: 'done' | 'continue') => void,
    private readonly reject: (e: Error) => void,
  ) {}

  onRequestStart(controller: Controller): void {
    this.run.leg = controller;
    if (this.run.controller.aborted) controller.abort(this.run.controller.reason ?? new Error('request aborted'));
  }

  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (statusCode < 200 || this.mode !== undefined) return; // 1xx interim responses
    let mode: Mode;
    try {
      mode = this.run.decide(this.plan, this.conn, statusCode, headers);
    } catch (e) {
      this.error = e instanceof Error ? e : new Error(String(e));
      controller.abort(this.error);
      return;
    }
    this.mode = mode;
    if (mode === 'forward') {
      if (this.run.controller.paused) controller.pause();
      this.run.deliverStart(statusCode, headers, statusMessage, controller.rawHeaders);
    } else if (mode === 'forward-empty') {
      this.saved = { status: statusCode, headers, message: statusMessage, raw: controller.rawHeaders };
    }
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    if (this.mode === 'forward') this.run.deliverData(chunk);
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.run.leg = undefined;
    if (this.mode === 'forward') {
      this.run.deliverEnd(trailers, controller.rawTrailers);
      this.resolve('done');
    } else if (this.mode === 'forward-empty' && this.saved) {
      const s = this.saved;
      this.run.deliverStart(s.status, s.headers, s.message, s.raw);
      this.run.deliverEnd({}, []);
      this.resolve('done');
    } else this.resolve('continue');
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.run.leg = undefined;
    this.reject(this.error ?? error);
  }
}
