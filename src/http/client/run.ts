/**
 * One request through the dispatcher: the driver that takes a pinned connection, asks the pure
 * planner (legPlanner.ts) for each leg, runs the handshake's initiator and the audit for it,
 * sends the leg (legIo.ts), applies what the planner decided at the response to the connection
 * and the pool, and delivers the caller's response.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { AuthScheme } from '../../policy/requests.js';
import { Handshake, type AuthTarget } from './authenticator.js';
import type { PinnedConnection } from './connection.js';
import { HttpAuthError } from './errors.js';
import { ForwardingController, type Controller, type ResponseSink } from './handlers.js';
import { sendLeg, type LegOwner } from './legIo.js';
import {
  initialRunState,
  planLeg,
  planResponse,
  type ConnectionEffect,
  type ConnectionView,
  type Delivery,
  type Layer,
  type Leg,
  type RequestFacts,
  type RunState,
} from './legPlanner.js';
import { bareHost, reportLeg, writeEvents, type ResolvedAuth } from './options.js';
import type { ConnectionSource, OriginPool } from './pool.js';
import { bodyKind, flat, hasHeader, headerPairs, withoutHeaders } from './requestParts.js';

const MAX_LEGS = 10;

export interface RunContext {
  readonly pool: OriginPool;
  /** Where the connection comes from: the pool itself, or a key's bound connection in it. */
  readonly connections: ConnectionSource;
  /** Credentials, policy and audit for the server. */
  readonly server: ResolvedAuth;
  readonly done: () => void;
}

/** A leg ready to send: the planner's leg and the credentials its handshake made. */
interface OutgoingLeg {
  readonly leg: Leg;
  readonly authorization?: string;
}

export class RequestRun implements LegOwner {
  /** The controller the caller sees: abort / pause / resume reach whichever leg is running. */
  readonly controller = new ForwardingController({
    abort: (reason) => this.abort(reason),
    pause: () => this.runningLeg?.pause(),
    resume: () => this.runningLeg?.resume(),
  });
  runningLeg: Controller | undefined;
  private connection: PinnedConnection | undefined;
  private cancelWait: ((reason: Error) => void) | undefined;
  private finished = false;
  private state: RunState = initialRunState();
  /** The initiator of each layer's handshake under way (the planner's state names it as data). */
  private readonly handshakes: Partial<Record<Layer, Handshake>> = {};
  private readonly request: RequestFacts;
  private readonly headers: [string, string][];
  private readonly path: string;

  constructor(
    private readonly ctx: RunContext,
    private readonly dispatchOptions: Dispatcher.DispatchOptions,
    private readonly sink: ResponseSink,
  ) {
    this.headers = headerPairs(dispatchOptions.headers);
    const route = ctx.pool.route;
    this.path = route.kind === 'absolute' ? `${ctx.pool.origin.origin}${dispatchOptions.path}` : dispatchOptions.path;
    this.request = {
      layerOrder: route.kind === 'absolute' ? ['proxy', 'server'] : ['server'],
      callerAuthenticates: {
        server: hasHeader(this.headers, 'authorization') || ctx.connections.serverAuthenticatedByCaller === true,
        proxy: hasHeader(this.headers, 'proxy-authorization'),
      },
      body: bodyKind(dispatchOptions.body),
      method: dispatchOptions.method,
      schemes: { server: ctx.server.schemes, proxy: this.authFor('proxy').schemes },
      hosts: { server: bareHost(ctx.pool.origin), proxy: route.kind === 'direct' ? '' : route.proxy.host },
    };
  }

  start(): void {
    queueMicrotask(() => void this.go());
  }

  private authFor(layer: Layer): ResolvedAuth {
    const route = this.ctx.pool.route;
    return layer === 'proxy' && route.kind !== 'direct' ? route.proxy.auth : this.ctx.server;
  }

  private async go(): Promise<void> {
    try {
      this.sink.onRequestStart(this.controller, {});
      if (this.controller.aborted) throw this.controller.reason ?? new Error('request aborted');
      this.connection = await this.ctx.connections.acquireUnless((cancel) => {
        this.cancelWait = cancel;
      });
      this.cancelWait = undefined;
      await this.loop(this.connection);
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    } finally {
      if (this.connection) this.ctx.connections.release(this.connection);
      this.ctx.done();
    }
  }

  abort(reason: Error): void {
    if (this.finished) return;
    if (this.runningLeg) this.runningLeg.abort(reason);
    else this.cancelWait?.(reason);
  }

  private checkAborted(): void {
    if (this.controller.aborted) throw this.controller.reason ?? new Error('request aborted');
  }

  private async loop(connection: PinnedConnection): Promise<void> {
    for (let n = 0; n < MAX_LEGS; n++) {
      this.checkAborted();
      const outgoing = await this.nextLeg(connection);
      this.checkAborted();
      if ((await this.send(connection, outgoing)) === 'done') return;
    }
    throw new HttpAuthError('HANDSHAKE_FAILED', `more than ${MAX_LEGS} exchanges for one request`);
  }

  private target(layer: Layer, connection: PinnedConnection): AuthTarget {
    const route = this.ctx.pool.route;
    if (layer === 'proxy' && route.kind !== 'direct') {
      const proxy = route.proxy;
      return {
        kind: 'proxy',
        host: proxy.host,
        spn: proxy.auth.spn(proxy.host, 'proxy'),
        address: () => connection.remoteAddress(),
        channelBindings: proxy.url.protocol === 'https:' ? () => connection.channelBindings() : undefined,
      };
    }
    const origin = this.ctx.pool.origin;
    const host = bareHost(origin);
    return {
      kind: 'server',
      host,
      spn: this.ctx.server.spn(host, 'server'),
      address: route.kind === 'direct' ? () => connection.remoteAddress() : undefined,
      channelBindings: origin.protocol === 'https:' ? () => connection.channelBindings() : undefined,
    };
  }

  /** What the planner may know of the pool and the connection. */
  private view(connection: PinnedConnection): ConnectionView {
    const route = this.ctx.pool.route;
    return {
      generation: connection.generation,
      alive: connection.alive,
      authenticated: { server: connection.isAuthenticated('server'), proxy: connection.isAuthenticated('proxy') },
      learned: { server: this.ctx.pool.learned, proxy: route.kind === 'absolute' ? route.proxy.learned : undefined },
      perRequest: this.ctx.pool.perRequest,
    };
  }

  /** The state is the planner's; a handshake it no longer names is dropped. */
  private commit(state: RunState): void {
    this.state = state;
    for (const layer of ['server', 'proxy'] as const) if (state.layers[layer].handshake === undefined) delete this.handshakes[layer];
  }

  /** Plans the next leg and runs its handshake step, writing that step's events before anything is sent. */
  private async nextLeg(connection: PinnedConnection): Promise<OutgoingLeg> {
    let plan = planLeg(this.request, this.state, this.view(connection));
    for (;;) {
      switch (plan.action) {
        case 'fail':
          throw plan.error;
        case 'send':
          this.commit(plan.state);
          return { leg: plan.leg };
        case 'answer': {
          const handshake = this.handshakes[plan.layer];
          if (handshake === undefined) throw new HttpAuthError('HANDSHAKE_FAILED', `no ${plan.layer} handshake to answer the CHALLENGE with`);
          this.commit(plan.state);
          const step = handshake.answer(plan.challenge);
          await writeEvents(this.authFor(plan.layer).audit, step.events);
          if (step.kind === 'blocked') throw step.error;
          return { leg: plan.leg, authorization: step.header };
        }
        case 'start': {
          const auth = this.authFor(plan.layer);
          const handshake = new Handshake(auth.settings, plan.scheme, this.target(plan.layer, connection));
          if (plan.withoutPreemptive !== undefined && handshake.wouldBlock()) {
            // Do not start what the policy refuses before the target even asks (the path may be public).
            plan = planLeg(this.request, plan.withoutPreemptive, this.view(connection));
            continue;
          }
          const step = handshake.start();
          await writeEvents(auth.audit, step.events);
          if (step.kind === 'blocked') throw step.error;
          this.commit(plan.state);
          this.handshakes[plan.layer] = handshake;
          return { leg: plan.leg, authorization: step.header };
        }
      }
    }
  }

  private legHeaders(outgoing: OutgoingLeg): string[] {
    const { leg } = outgoing;
    let headers = this.headers;
    if (!leg.withBody) headers = withoutHeaders(headers, ['content-length', 'transfer-encoding']);
    // Every leg but the last must leave the connection open for the next.
    if (leg.kind === 'probe' || leg.kind === 'negotiate' || !leg.real) headers = withoutHeaders(headers, ['connection']);
    const out: [string, string][] = [...headers];
    if (this.ctx.pool.route.kind === 'absolute' && !hasHeader(out, 'host')) out.push(['host', this.ctx.pool.origin.host]);
    if (outgoing.authorization !== undefined) out.push([leg.layer === 'proxy' ? 'proxy-authorization' : 'authorization', outgoing.authorization]);
    return flat(out);
  }

  private send(connection: PinnedConnection, outgoing: OutgoingLeg): Promise<'done' | 'continue'> {
    const { leg } = outgoing;
    const caller = this.dispatchOptions;
    if (outgoing.authorization !== undefined && leg.layer !== undefined) {
      const auth = this.authFor(leg.layer);
      if (auth.onAuthLeg !== undefined) {
        const proxy = leg.layer === 'proxy';
        reportLeg(auth, { direction: 'sent', target: leg.layer, host: this.request.hosts[leg.layer], header: proxy ? 'Proxy-Authorization' : 'Authorization', value: outgoing.authorization, method: leg.method });
      }
    }
    const last = leg.real && (leg.kind === 'plain' || leg.kind === 'authenticate');
    return sendLeg(this, connection, leg, {
      path: this.path,
      method: leg.method,
      headers: this.legHeaders(outgoing),
      body: leg.withBody ? caller.body : null,
      query: caller.query,
      headersTimeout: caller.headersTimeout,
      bodyTimeout: caller.bodyTimeout,
      blocking: caller.blocking,
      typeOfService: caller.typeOfService,
      // undici closes after HEAD unless told otherwise; a handshake needs the socket kept.
      reset: last ? (caller.reset ?? false) : false,
    });
  }

  /** At a leg's response head: the planner decides, the connection and the pool learn it here. */
  onResponseHead(leg: Leg, connection: PinnedConnection, status: number, headers: IncomingHttpHeaders): Delivery {
    this.reportChallenges(status, headers);
    const plan = planResponse(this.request, this.state, leg, {
      status,
      challenges: { server: headers['www-authenticate'], proxy: headers['proxy-authenticate'] },
      generation: connection.generation,
      serverAuthenticated: connection.isAuthenticated('server'),
    });
    for (const effect of plan.effects) this.apply(effect, connection);
    this.commit(plan.state);
    return plan.delivery;
  }

  private apply(effect: ConnectionEffect, connection: PinnedConnection): void {
    switch (effect.kind) {
      case 'mark-authenticated':
        connection.markAuthenticated(effect.layer, effect.generation);
        return;
      case 'finish-handshake':
        this.handshakes[effect.layer]?.finish(effect.token);
        return;
      case 'per-request':
        this.ctx.pool.perRequest = true;
        return;
      case 'forget-authentication':
        connection.forget(effect.layer);
        return;
      case 'learn-scheme':
        this.learn(effect.layer, effect.scheme);
        return;
    }
  }

  private learn(layer: Layer, scheme: AuthScheme): void {
    const route = this.ctx.pool.route;
    if (layer === 'proxy') {
      if (route.kind !== 'direct') route.proxy.learned = scheme;
    } else this.ctx.pool.learned = scheme;
  }

  /** Tells the onAuthLeg observers about the WWW-Authenticate / Proxy-Authenticate values of a leg's response. */
  private reportChallenges(status: number, headers: IncomingHttpHeaders): void {
    for (const layer of this.request.layerOrder) {
      const auth = this.authFor(layer);
      if (auth.onAuthLeg === undefined) continue;
      const proxy = layer === 'proxy';
      const values = headers[proxy ? 'proxy-authenticate' : 'www-authenticate'];
      const host = this.request.hosts[layer];
      for (const value of values === undefined ? [] : Array.isArray(values) ? values : [values]) {
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
