/**
 * The pure half of one request through the dispatcher: from the handshake state and what the
 * connection and the pool know, which leg goes out next; from a leg's response head, whether
 * the caller gets it and what the pool and the connection learn. No I/O and no mutation: every
 * function returns the next state and the effects for the driver (run.ts) to apply.
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
 * A CHALLENGE belongs to the socket it came on (the connection's socket generation): an
 * AUTHENTICATE that would go out on another socket is not sent — the handshake starts again.
 */
import type { AuthScheme } from '../../policy/requests.js';
import { offersIn, type HeaderValue } from './challenge.js';
import { HttpAuthError, type AuthTargetKind } from './errors.js';
import type { BodyKind } from './requestParts.js';

/** Handshakes per layer per request (a second one when the connection changed under the first). */
export const MAX_HANDSHAKES_PER_LAYER = 2;

export type Layer = AuthTargetKind;
export type LegKind = 'plain' | 'probe' | 'negotiate' | 'authenticate';

/** One leg on the wire, apart from its credentials (the handshake makes those). */
export interface Leg {
  readonly kind: LegKind;
  readonly layer?: Layer;
  readonly method: string;
  /** The caller's request as asked: its response may be delivered. */
  readonly real: boolean;
  /** Carries the caller's body. */
  readonly withBody: boolean;
}

/** What to do with a leg's response. */
export type Delivery = 'forward' | 'forward-empty' | 'consume';

/** A handshake under way on a layer, as data (the driver holds its initiator context). */
export interface HandshakeProgress {
  readonly scheme: AuthScheme;
  /** `negotiate-sent`: the NEGOTIATE went out; `authenticate-sent`: so did the AUTHENTICATE. */
  readonly phase: 'negotiate-sent' | 'authenticate-sent';
}

export interface LayerState {
  readonly handshake?: HandshakeProgress;
  /** The CHALLENGE to answer. */
  readonly challenge?: Buffer;
  /** The socket generation the last CHALLENGE came on (kept after it was answered). */
  readonly challengeGeneration: number;
  /** The target asked: start a handshake with this scheme. */
  readonly pending?: AuthScheme;
  /** The target answered this request with a challenge at least once. */
  readonly asked: boolean;
  readonly handshakesStarted: number;
  /** Starting before the target asks is off for this request (the policy would block it). */
  readonly noPreemptive: boolean;
}

export interface RunState {
  readonly layers: Readonly<Record<Layer, LayerState>>;
  readonly streamBodySent: boolean;
  readonly probed: boolean;
}

/** The request's fixed facts. */
export interface RequestFacts {
  /** `['proxy', 'server']` for absolute-form requests through a proxy, else `['server']`. */
  readonly layerOrder: readonly Layer[];
  /** A caller who sends its own Authorization / Proxy-Authorization does that layer's auth itself. */
  readonly callerAuthenticates: Readonly<Record<Layer, boolean>>;
  readonly body: BodyKind;
  readonly method: string;
  /** The schemes each layer answers, in preference order. */
  readonly schemes: Readonly<Record<Layer, readonly AuthScheme[]>>;
  /** The host each layer's target is named by (for errors). */
  readonly hosts: Readonly<Record<Layer, string>>;
}

/** What the pool and the pinned connection know when the next leg is planned. */
export interface ConnectionView {
  readonly generation: number;
  readonly alive: boolean;
  /** Authenticated on the current socket, per layer. */
  readonly authenticated: Readonly<Record<Layer, boolean>>;
  /** The scheme each layer's target asked for before, on any connection of the pool. */
  readonly learned: Readonly<Record<Layer, AuthScheme | undefined>>;
  /** The origin authenticates requests, not connections. */
  readonly perRequest: boolean;
}

export type LegPlan =
  /** Answer the layer's CHALLENGE (`challenge`) with its handshake: an AUTHENTICATE leg. */
  | { readonly action: 'answer'; readonly layer: Layer; readonly challenge: Buffer; readonly leg: Leg; readonly state: RunState }
  /**
   * Start a handshake with `scheme`: a NEGOTIATE leg. `preemptive`: the target has not asked on
   * this connection; when the policy would block it, plan again from `withoutPreemptive`.
   */
  | {
      readonly action: 'start';
      readonly layer: Layer;
      readonly scheme: AuthScheme;
      readonly leg: Leg;
      readonly state: RunState;
      readonly withoutPreemptive?: RunState;
    }
  /** A leg without credentials (probe or plain). */
  | { readonly action: 'send'; readonly leg: Leg; readonly state: RunState }
  | { readonly action: 'fail'; readonly error: Error };

/** A change the driver makes to the connection or the pool, in order. */
export type ConnectionEffect =
  | { readonly kind: 'mark-authenticated'; readonly layer: Layer; readonly generation: number }
  /** Verify the target's final token (RFC 4559 §5: Negotiate's accept-completed); it may refuse. */
  | { readonly kind: 'finish-handshake'; readonly layer: Layer; readonly token?: Buffer }
  /** The origin asked again on a connection it had authenticated. */
  | { readonly kind: 'per-request' }
  | { readonly kind: 'forget-authentication'; readonly layer: Layer }
  | { readonly kind: 'learn-scheme'; readonly layer: Layer; readonly scheme: AuthScheme };

export interface ResponseFacts {
  readonly status: number;
  /** WWW-Authenticate (server) and Proxy-Authenticate (proxy) values. */
  readonly challenges: Readonly<Record<Layer, HeaderValue>>;
  /** The socket generation the response came on. */
  readonly generation: number;
  /** Whether the connection is authenticated with the server on that socket. */
  readonly serverAuthenticated: boolean;
}

export interface ResponsePlan {
  readonly delivery: Delivery;
  readonly state: RunState;
  readonly effects: readonly ConnectionEffect[];
}

const FRESH_LAYER: LayerState = { challengeGeneration: -1, asked: false, handshakesStarted: 0, noPreemptive: false };

export function initialRunState(): RunState {
  return { layers: { server: FRESH_LAYER, proxy: FRESH_LAYER }, streamBodySent: false, probed: false };
}

function withLayer(state: RunState, layer: Layer, next: LayerState): RunState {
  return { ...state, layers: { ...state.layers, [layer]: next } };
}

function negotiateLeg(request: RequestFacts, layer: Layer, asked: boolean): Leg {
  if (request.body === 'none') return { kind: 'negotiate', layer, method: request.method, real: true, withBody: false };
  return { kind: 'negotiate', layer, method: asked ? request.method : 'HEAD', real: false, withBody: false };
}

function authenticateLeg(request: RequestFacts, layer: Layer): Leg {
  if (layer === 'proxy' && request.body === 'stream') return { kind: 'authenticate', layer, method: 'HEAD', real: false, withBody: false };
  return { kind: 'authenticate', layer, method: request.method, real: true, withBody: request.body !== 'none' };
}

/** A stream body goes out once: the leg that carries it marks it sent. */
function spendBody<P extends Exclude<LegPlan, { action: 'fail' }>>(request: RequestFacts, plan: P): P | LegPlan {
  if (!plan.leg.withBody || request.body !== 'stream') return plan;
  if (plan.state.streamBodySent) return { action: 'fail', error: new HttpAuthError('HANDSHAKE_FAILED', 'the request body is a stream and was already sent') };
  return { ...plan, state: { ...plan.state, streamBodySent: true } };
}

/** The next leg of a request. */
export function planLeg(request: RequestFacts, state: RunState, connection: ConnectionView): LegPlan {
  let current = state;
  for (const layer of request.layerOrder) {
    if (request.callerAuthenticates[layer]) continue;
    let layerState = current.layers[layer];
    if (layerState.handshake?.phase === 'negotiate-sent' && layerState.challenge) {
      if (connection.generation === layerState.challengeGeneration && connection.alive) {
        const next = withLayer(current, layer, { ...layerState, challenge: undefined, handshake: { ...layerState.handshake, phase: 'authenticate-sent' } });
        return spendBody(request, { action: 'answer', layer, challenge: layerState.challenge, leg: authenticateLeg(request, layer), state: next });
      }
      // The connection changed between the CHALLENGE and now: the CHALLENGE is void.
      layerState = { ...layerState, pending: layerState.handshake.scheme, handshake: undefined, challenge: undefined };
      current = withLayer(current, layer, layerState);
    }
    let scheme = layerState.pending;
    let preemptive = false;
    if (scheme === undefined && !layerState.noPreemptive && layerState.handshakesStarted === 0) {
      const known = connection.learned[layer];
      const needed = !connection.authenticated[layer] || (layer === 'server' && connection.perRequest);
      if (known !== undefined && needed) {
        scheme = known;
        preemptive = true;
      }
    }
    if (scheme === undefined) continue;
    if (layerState.handshakesStarted >= MAX_HANDSHAKES_PER_LAYER) {
      return { action: 'fail', error: new HttpAuthError('HANDSHAKE_FAILED', `${request.hosts[layer]} closed the connection during every handshake; NTLM needs a persistent connection`) };
    }
    const next = withLayer(current, layer, { ...layerState, handshake: { scheme, phase: 'negotiate-sent' }, pending: undefined, handshakesStarted: layerState.handshakesStarted + 1 });
    return {
      action: 'start',
      layer,
      scheme,
      leg: negotiateLeg(request, layer, layerState.asked),
      state: next,
      withoutPreemptive: preemptive ? withLayer(current, layer, { ...layerState, noPreemptive: true }) : undefined,
    };
  }
  if (request.body === 'stream' && !current.streamBodySent && !current.probed && connection.learned.server === undefined && !request.callerAuthenticates.server) {
    return { action: 'send', leg: { kind: 'probe', method: 'HEAD', real: false, withBody: false }, state: { ...current, probed: true } };
  }
  return spendBody(request, { action: 'send', leg: { kind: 'plain', method: request.method, real: true, withBody: request.body !== 'none' }, state: current });
}

/** Decides, at a leg's response head, whether the caller gets it or the handshake goes on. */
export function planResponse(request: RequestFacts, state: RunState, leg: Leg, response: ResponseFacts): ResponsePlan {
  const { generation } = response;
  const order = request.layerOrder;
  const challengeLayer: Layer | undefined = response.status === 401 ? 'server' : response.status === 407 && order.includes('proxy') ? 'proxy' : undefined;
  const effects: ConnectionEffect[] = [];
  let current = state;

  // 1. The leg's own handshake: did its target get it?
  if (leg.layer !== undefined && leg.layer !== challengeLayer) {
    const own = current.layers[leg.layer];
    const handshake = own.handshake;
    let next: LayerState = { ...own, handshake: undefined, challenge: undefined };
    if (challengeLayer === undefined || order.indexOf(challengeLayer) > order.indexOf(leg.layer)) {
      // It passed its target (which may still have let it through without a CHALLENGE).
      if (leg.kind === 'authenticate') {
        effects.push({ kind: 'mark-authenticated', layer: leg.layer, generation });
        if (handshake) effects.push({ kind: 'finish-handshake', layer: leg.layer, token: offersIn(response.challenges[leg.layer], [handshake.scheme])[0]?.token });
      }
    } else if (handshake) {
      // An earlier hop (the proxy) stopped it: the handshake never reached its target.
      next = { ...next, pending: handshake.scheme, handshakesStarted: Math.max(0, own.handshakesStarted - 1) };
    }
    current = withLayer(current, leg.layer, next);
  }
  if (challengeLayer === undefined || request.callerAuthenticates[challengeLayer]) return { delivery: leg.real ? 'forward' : 'consume', state: current, effects };

  // 2. A challenge from `layer`.
  const layer = challengeLayer;
  let layerState = current.layers[layer];
  const refused: Delivery = leg.real ? 'forward' : 'forward-empty';
  const settle = (delivery: Delivery, next: LayerState): ResponsePlan => ({ delivery, state: withLayer(current, layer, next), effects });
  const offers = offersIn(response.challenges[layer], request.schemes[layer]);
  if (leg.layer === layer && leg.kind === 'negotiate' && layerState.handshake) {
    const scheme = layerState.handshake.scheme;
    const offer = offers.find((o) => o.scheme === scheme);
    if (offer?.token !== undefined) return settle('consume', { ...layerState, challenge: offer.token, challengeGeneration: generation, asked: true });
    // Bare challenges in answer to our NEGOTIATE: the target will not take it.
    return settle(refused, { ...layerState, handshake: undefined });
  }
  if (leg.layer === layer && leg.kind === 'authenticate') {
    layerState = { ...layerState, handshake: undefined };
    // Refused on the socket that carried the handshake: the credentials were not accepted.
    if (generation === layerState.challengeGeneration) return settle(refused, layerState);
  }
  const offer = offers[0];
  if (offer === undefined) return settle(refused, layerState);
  // Asked again on a connection it had authenticated: this origin authenticates requests.
  if (layer === 'server' && response.serverAuthenticated) effects.push({ kind: 'per-request' });
  effects.push({ kind: 'forget-authentication', layer }, { kind: 'learn-scheme', layer, scheme: offer.scheme });
  layerState = { ...layerState, asked: true };
  const bodyLeft = request.body !== 'stream' || !current.streamBodySent;
  if (layerState.handshakesStarted >= MAX_HANDSHAKES_PER_LAYER || !bodyLeft) return settle(refused, layerState);
  return settle('consume', { ...layerState, pending: offer.scheme, handshake: undefined, challenge: undefined });
}
