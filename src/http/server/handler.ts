/**
 * Integrated Windows Authentication for node:http / node:https, the way IIS does it:
 *
 *   no credentials          → 401, one `WWW-Authenticate` per provider (IIS order)
 *   first leg (NEGOTIATE)   → policy may refuse here (Deny all: 4002); else 401 + CHALLENGE,
 *                             the context kept on this connection
 *   last leg (AUTHENTICATE) → the acceptor checks it (authority, MIC, bindings) → policy and
 *                             events (written before answering) → 401, or 403 (allow-list),
 *                             or the identity on `req.ntlmgate` and the application runs
 *   later requests          → the connection's identity (persistence `connection`)
 *
 * A token that does not decode is 400, one that decodes but fails is 401 (IIS); nothing a
 * client sends can make a 500. Reasons go to `options.log`, never into a response body.
 */
import { nextRequestId } from './requestId.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { accountName, sameName } from '../../policy/names.js';
import { Acceptors, type Acceptor, type AcceptorStep, type Leg } from './acceptor.js';
import { isStoreUnavailable } from '../../audit/health.js';
import { auditBeforeChallenge } from './audit.js';
import { auditAcceptedLogon, auditRefusedLogon } from './logonAudit.js';
import { OID_NTLMSSP } from '../../ntlm/oid.js';
import { opensHandshake } from '../../spnego/leg.js';
import { authorize } from './authorization.js';
import { ConnectionRegistry, type ConnectionState, type ConnectionStats } from './connectionState.js';
import { ChannelBindingSource } from './epa.js';
import { http2Fallback } from './http2.js';
import { identityFromResult, type IwaIdentity } from './identity.js';
import { hasIdentityHeaders, stripIdentityHeaders } from './identityHeaders.js';
import { emit, type IwaLogEntry, type IwaLogLevel, type IwaLogReason } from './log.js';
import { resolveOptions, type IwaOptions, type ResolvedOptions } from './options.js';
import { challengeHeaders, parseAuthorization, tokenHeader, type AuthProvider } from './providers.js';
import { clientIpOf, connectionStaysOpen, isHttp2Request, type IwaRequest, type IwaResponse } from './request.js';
import { respond, type IwaStatus, type RespondOptions } from './responses.js';

/** Retry-After of a 503 while the audit store cannot write (GuardedAuditSink probes as often). */
const AUDIT_RETRY_AFTER_SECONDS = 5;

export type IwaOutcome =
  | { readonly authenticated: true; readonly identity: IwaIdentity; readonly requestId: string }
  /** The handler answered (400/401/403/429/500/503), or reset an HTTP/2 stream (`reset`). */
  | { readonly authenticated: false; readonly status: IwaStatus | 'reset'; readonly requestId: string };

export interface IwaStats extends ConnectionStats {
  /** TLS certificates whose tls-server-end-point hash has been computed. */
  readonly certificates: number;
  /** Requests the wrappers admitted through the keep-alive shortcut (see Shortcut) since the handler was made. */
  readonly shortcutHits: number;
}

export interface IwaCore {
  /** Authenticates one request; when it resolves unauthenticated, the response has been sent. */
  authenticate(req: IwaRequest, res: IwaResponse): Promise<IwaOutcome>;
  stats(): IwaStats;
}

/** What one request's handling knows about where it came from. */
interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly state: ConnectionState;
  readonly requestId: string;
  readonly clientIp: string;
}

type LogFields = Partial<Omit<IwaLogEntry, 'level' | 'msg' | 'requestId' | 'clientIp'>>;

/**
 * Authenticates one request; synchronous (an outcome, not a promise) when nothing had to wait.
 * The wrappers below then run the application in the same tick, as a plain node:http listener does.
 */
type Run = (req: IwaRequest, res: IwaResponse) => IwaOutcome | Promise<IwaOutcome>;

/**
 * The keep-alive shortcut, for the request most of a keep-alive connection's life is made of: a
 * header-less request (no Authorization, none of our identity headers) on a connection
 * authenticated for its life (persistence `connection`), with nothing of its own ahead of it,
 * the identity allowed, and no log hook or request-id hook that wants to hear of it. It sets
 * `req.ntlmgate` and returns the identity — what run() would decide, without its request id,
 * context and outcome objects (a fault of the application is logged with a fresh id); undefined
 * sends the request through run(). `stats().shortcutHits` counts the requests it admitted.
 */
type Shortcut = (req: IwaRequest) => IwaIdentity | undefined;

/** One handler's parts: the core, and what the wrappers (listen) run. */
interface CoreParts {
  readonly core: IwaCore;
  readonly run: Run;
  readonly shortcut: Shortcut;
}

function createCore(options: IwaOptions): CoreParts {
  const resolved = resolveOptions(options);
  const registry = new ConnectionRegistry({ timeoutMs: resolved.handshakeTimeoutMs, maxPerIp: resolved.maxPendingPerIp, maxTotal: resolved.maxPendingTotal }, resolved.now);
  const bindings = new ChannelBindingSource(resolved.extendedProtection);
  const handshake = new Handshake(resolved, registry, bindings, new Acceptors(resolved));

  const fail = (ctx: RequestContext, e: unknown): IwaOutcome => {
    // Only our own faults land here (the acceptor never throws on peer bytes).
    emit(resolved.log, { level: 'error', msg: 'internal error while authenticating', requestId: ctx.requestId, clientIp: ctx.clientIp, reason: 'internal-error', detail: e instanceof Error ? e.message : String(e) });
    registry.clearPending(ctx.state);
    respond(ctx.res, 500, { close: true });
    return { authenticated: false, status: 500, requestId: ctx.requestId };
  };

  /** The connection's identity when handle() would admit the request on it without a handshake step or a wait (see Shortcut); else undefined. */
  const connectionIdentity = (state: ConnectionState | undefined, req: IwaRequest): IwaIdentity | undefined =>
    resolved.persistence === 'connection' && state?.identity !== undefined && req.headers.authorization === undefined && registry.idle(state) ? state.identity : undefined;

  const run: Run = (req, res) => {
    const requestId = resolved.requestId?.(req) ?? nextRequestId();
    if (isHttp2Request(req)) {
      // No connection to bind a handshake to: the client must retry over HTTP/1.1.
      http2Fallback(req.stream);
      emit(resolved.log, { level: 'info', msg: 'HTTP/2 request refused with HTTP_1_1_REQUIRED', requestId, clientIp: clientIpOf(req.socket), reason: 'http2-fallback' });
      return { authenticated: false, status: 'reset', requestId };
    }
    // A known connection carries its address: no getpeername per keep-alive request.
    const known = registry.existing(req.socket);
    const clientIp = known?.clientIp ?? clientIpOf(req.socket);
    if (resolved.stripIdentityHeaders) {
      const removed = stripIdentityHeaders(req, resolved.identityHeaders);
      if (removed.length > 0) {
        emit(resolved.log, { level: 'warn', msg: `client sent ${removed.join(', ')}; removed`, requestId, clientIp, reason: 'identity-headers-stripped' });
      }
    }
    const state = known ?? registry.stateOf(req.socket, clientIp);
    const ctx: RequestContext = { req, res: res as ServerResponse, state, requestId, clientIp };
    try {
      const identity = connectionIdentity(state, req);
      if (identity) return handshake.admit(ctx, identity, 'connection-authenticated');
      return registry.serialize(state, () => handshake.handle(ctx)).catch((e: unknown) => fail(ctx, e));
    } catch (e) {
      return fail(ctx, e);
    }
  };

  const quiet = !resolved.log && !resolved.requestId;
  let shortcutHits = 0;
  const shortcut: Shortcut = (req) => {
    if (!quiet || isHttp2Request(req)) return undefined;
    try {
      const identity = connectionIdentity(registry.existing(req.socket), req);
      if (identity === undefined || (resolved.stripIdentityHeaders && hasIdentityHeaders(req, resolved.identityHeaders)) || !authorize(resolved.allow, identity).allowed) return undefined;
      req.ntlmgate = identity;
      shortcutHits++;
      return identity;
    } catch {
      // Whatever went wrong goes again through run(), whose faults end as a logged 500, never a throw.
      return undefined;
    }
  };

  const core: IwaCore = {
    authenticate: async (req, res) => run(req, res),
    stats: () => ({ ...registry.stats(), certificates: bindings.certificates, shortcutHits }),
  };
  return { core, run, shortcut };
}

export function createIwa(options: IwaOptions): IwaCore {
  return createCore(options).core;
}

/** The per-request state machine: one instance per handler; what belongs to one request travels in RequestContext. */
class Handshake {
  constructor(
    private readonly options: ResolvedOptions,
    private readonly registry: ConnectionRegistry,
    private readonly bindings: ChannelBindingSource,
    private readonly acceptors: Acceptors,
  ) {}

  async handle(ctx: RequestContext): Promise<IwaOutcome> {
    const { options } = this;
    const header = this.authorizationHeader(ctx);
    if (typeof header === 'object') return header;
    if (header !== undefined && header.length > options.maxAuthorizationBytes) {
      this.registry.clearPending(ctx.state);
      return this.refuse(ctx, 400, 'warn', 'authorization-too-large', `Authorization of ${header.length} bytes (limit ${options.maxAuthorizationBytes})`);
    }
    const parsed = parseAuthorization(header, options.providers);
    if (parsed.kind === 'none' || parsed.kind === 'other-scheme') {
      const identity = options.persistence === 'connection' ? ctx.state.identity : undefined;
      if (identity) return this.admit(ctx, identity, 'connection-authenticated');
      const reason = parsed.kind === 'none' ? 'no-credentials' : 'unsupported-scheme';
      return this.refuse(ctx, 401, 'debug', reason, parsed.kind === 'other-scheme' ? `scheme ${parsed.scheme}` : undefined);
    }
    // New credentials on an authenticated connection re-authenticate it (IIS): the old identity
    // must not survive a failed attempt.
    this.registry.setIdentity(ctx.state, undefined);
    if (parsed.kind === 'malformed') {
      this.registry.clearPending(ctx.state);
      return this.refuse(ctx, 400, 'warn', 'authorization-malformed', parsed.why);
    }
    const { scheme } = parsed;
    // The one decode of this leg: what it is answered from here, and what the acceptor steps.
    const leg = this.acceptors.decodeLeg(scheme, parsed.token);
    if (leg.kind === 'malformed') {
      this.registry.clearPending(ctx.state);
      return this.refuse(ctx, 400, 'warn', 'token-malformed', `${scheme} token does not decode: ${leg.message}`, { scheme });
    }
    if (leg.kind === 'unserved') {
      // Well-formed, for no mechanism served here (a bare Kerberos AP-REQ, a Kerberos-only list): IIS answers 401.
      this.registry.clearPending(ctx.state);
      return this.refuse(ctx, 401, 'info', 'unsupported-mechanism', `a token for ${leg.offered.join(', ') || 'no mechanism'}; served: ${this.acceptors.negotiate.oids.join(', ')}`, { scheme });
    }
    if (leg.kind === 'init' || (leg.kind === 'mechanism' && opensHandshake(leg))) return this.start(ctx, scheme, leg);

    const pending = this.registry.takePending(ctx.state);
    if (!pending || pending.acceptor.scheme !== scheme) {
      if (!this.acceptors.wellFormed(leg)) return this.refuse(ctx, 400, 'warn', 'token-malformed', `${scheme} token does not decode`, { scheme });
      const reason = ctx.state.lapsed === 'evicted' ? 'handshake-evicted' : ctx.state.lapsed === 'expired' ? 'handshake-expired' : 'no-handshake-in-progress';
      return this.refuse(ctx, 401, 'warn', reason, pending ? `a ${pending.acceptor.scheme} handshake is in progress` : 'a later leg without its first (replayed or out of order)', { scheme });
    }
    return this.continue(ctx, pending.acceptor, pending.startedAt, await pending.acceptor.step(leg));
  }

  /** The single Authorization value, or the refusal when the client sent several. */
  private authorizationHeader(ctx: RequestContext): string | undefined | IwaOutcome {
    let count = 0;
    const raw = ctx.req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i];
      // 'authorization'.length: only names of that length are lower-cased.
      if (name !== undefined && name.length === 13 && name.toLowerCase() === 'authorization') count++;
    }
    if (count > 1) {
      this.registry.clearPending(ctx.state);
      this.registry.setIdentity(ctx.state, undefined);
      // node:http keeps only the first copy; which one an upstream would see is anyone's guess.
      return this.refuse(ctx, 400, 'warn', 'authorization-duplicated', `${count} Authorization headers`);
    }
    return ctx.req.headers.authorization;
  }

  private async start(ctx: RequestContext, scheme: AuthProvider, leg: Extract<Leg, { kind: 'init' | 'mechanism' }>): Promise<IwaOutcome> {
    const { options } = this;
    const where = { scheme, clientIp: ctx.clientIp, requestId: ctx.requestId };
    // The Restrict-NTLM policy governs NTLM only: another mechanism's handshake starts unchecked.
    const early = leg.mechanism.oid === OID_NTLMSSP ? await this.audited(ctx, () => auditBeforeChallenge(options, where)) : undefined;
    if (early === 'failed' || early === 'unavailable') return this.failed(ctx, early);
    if (early) {
      this.registry.clearPending(ctx.state);
      return this.refuse(ctx, 401, 'warn', 'policy-blocked', early.decision.reason, { scheme, setting: early.decision.setting, events: early.eventIds });
    }
    const acceptor = this.acceptors.create(scheme, leg, this.bindings.bindingsFor(ctx.req.socket));
    return this.continue(ctx, acceptor, options.now(), await acceptor.step(leg));
  }

  private async continue(ctx: RequestContext, acceptor: Acceptor, startedAt: number, step: AcceptorStep): Promise<IwaOutcome> {
    const scheme = acceptor.scheme;
    if (step.status === 'continue') {
      if (!connectionStaysOpen(ctx.req)) {
        // The CHALLENGE would die with this connection, and an AUTHENTICATE on a new one has no
        // handshake to finish: say "start again" (bare challenges) rather than send a token
        // the client cannot use.
        return this.refuse(ctx, 401, 'warn', 'handshake-on-closing-connection', 'NTLM needs a persistent connection (Connection: close or HTTP/1.0 without keep-alive)', { scheme }, { close: true });
      }
      // A full cap makes room by evicting the oldest half-open handshake, never by refusing this one.
      for (const eviction of this.registry.setPending(ctx.state, { acceptor, startedAt })) {
        const cap = eviction.cap === 'per-ip' ? `${this.options.maxPendingPerIp} handshakes in progress from this IP` : `${this.options.maxPendingTotal} handshakes in progress`;
        this.log(ctx, 'warn', 'handshake cap full: evicted the oldest half-open handshake', { reason: 'too-many-handshakes', scheme, detail: `${cap}; evicted one from ${eviction.clientIp} waiting ${eviction.ageMs} ms` });
      }
      this.log(ctx, 'debug', 'handshake continues', { reason: 'challenge-sent', scheme, status: 401 });
      respond(ctx.res, 401, { authenticate: [tokenHeader(scheme, step.token)] });
      return { authenticated: false, status: 401, requestId: ctx.requestId };
    }

    const where = { scheme, clientIp: ctx.clientIp, requestId: ctx.requestId, attemptId: acceptor.attemptId };
    if (step.status === 'failed') {
      const failure = step.failure;
      if (failure.reason === 'malformed') return this.refuse(ctx, 400, 'warn', 'token-malformed', failure.message, { scheme });
      const audit = await this.audited(ctx, () => auditRefusedLogon(this.options, acceptor.mechanism, failure, where));
      if (audit === 'failed' || audit === 'unavailable') return this.failed(ctx, audit);
      const claimed = failure.logon ?? failure.claimed;
      const user = claimed ? accountName(claimed.user, claimed.domain, '') || undefined : undefined;
      // Refused by the policy's phase before the authority (audit.ts): the policy is the reason.
      if (audit?.refusedByPolicy) {
        return this.refuse(ctx, 401, 'warn', 'policy-blocked', audit.decision.reason, { scheme, user, setting: audit.decision.setting, events: audit.eventIds });
      }
      return this.refuse(ctx, 401, 'warn', failure.reason, failure.message, {
        scheme,
        user,
        setting: audit?.decision.action === 'block' ? audit.decision.setting : undefined,
        events: audit?.eventIds,
      });
    }

    const logon = step.result;
    const identity = identityFromResult(logon, scheme, this.options.now());
    const localAccount = sameName(logon.account.domain, this.options.machine.netbiosComputerName);
    const audit = await this.audited(ctx, () => auditAcceptedLogon(this.options, logon, where, { localAccount }));
    if (audit === 'failed' || audit === 'unavailable') return this.failed(ctx, audit);
    if (audit.decision.action === 'block') {
      return this.refuse(ctx, 401, 'warn', 'policy-blocked', audit.decision.reason, { scheme, user: identity.name, setting: audit.decision.setting, events: audit.eventIds });
    }
    if (this.options.persistence === 'connection') this.registry.setIdentity(ctx.state, identity);
    // RFC 4559 §5: the final SPNEGO token (accept-completed, mechListMIC) rides on the success.
    if (step.token && !ctx.res.headersSent) ctx.res.setHeader('WWW-Authenticate', tokenHeader(scheme, step.token));
    return this.admit(ctx, identity, 'authenticated', audit.eventIds, startedAt);
  }

  /** Authorization, then the identity on the request. */
  admit(ctx: RequestContext, identity: IwaIdentity, reason: 'authenticated' | 'connection-authenticated', events?: readonly number[], startedAt?: number): IwaOutcome {
    const authorization = authorize(this.options.allow, identity);
    if (!authorization.allowed) return this.refuse(ctx, 403, 'warn', 'not-authorized', authorization.why, { user: identity.name, scheme: identity.scheme, events });
    ctx.req.ntlmgate = identity;
    // Every request of an authenticated connection comes here: build the entry only for a hook.
    if (this.options.log) {
      const ms = startedAt === undefined ? undefined : this.options.now() - startedAt;
      this.log(ctx, reason === 'authenticated' ? 'info' : 'debug', reason === 'authenticated' ? `logged on (${identity.authPackage}${identity.ntlm ? `, ${identity.ntlm.version}` : ''}${ms === undefined ? '' : `, ${ms} ms`})` : 'authenticated connection', {
        reason,
        user: identity.name,
        scheme: identity.scheme,
        events,
      });
    }
    return { authenticated: true, identity, requestId: ctx.requestId };
  }

  private refuse(
    ctx: RequestContext,
    status: IwaStatus,
    level: IwaLogLevel,
    reason: IwaLogReason,
    detail: string | undefined,
    fields: LogFields = {},
    extra: RespondOptions = {},
  ): IwaOutcome {
    this.log(ctx, level, `answered ${status}`, { reason, status, detail, ...fields });
    // A 401 always re-offers every provider, so the client can start over (IIS does the same).
    const authenticate = status === 401 ? challengeHeaders(this.options.providers) : undefined;
    respond(ctx.res, status, { authenticate, retryAfterSeconds: status === 429 ? 1 : undefined, ...extra });
    return { authenticated: false, status, requestId: ctx.requestId };
  }

  private failed(ctx: RequestContext, why: 'failed' | 'unavailable'): IwaOutcome {
    return { authenticated: false, status: why === 'unavailable' ? 503 : 500, requestId: ctx.requestId };
  }

  /**
   * Runs a policy+audit step; a sink that fails makes the request fail closed, logged: 503 with
   * Retry-After when the store cannot write now (disk full, database gone: the client may come
   * back), 500 when it refused the events themselves.
   */
  private async audited<T>(ctx: RequestContext, fn: () => Promise<T>): Promise<T | 'failed' | 'unavailable'> {
    try {
      return await fn();
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      this.registry.clearPending(ctx.state);
      if (isStoreUnavailable(e)) {
        this.log(ctx, 'error', 'audit store cannot write; request refused until it can', { reason: 'audit-unavailable', status: 503, detail });
        respond(ctx.res, 503, { retryAfterSeconds: AUDIT_RETRY_AFTER_SECONDS });
        return 'unavailable';
      }
      this.log(ctx, 'error', 'audit write failed; request refused', { reason: 'audit-write-failed', status: 500, detail });
      respond(ctx.res, 500);
      return 'failed';
    }
  }

  private log(ctx: RequestContext, level: IwaLogLevel, msg: string, fields: LogFields): void {
    if (this.options.log) emit(this.options.log, { level, msg, requestId: ctx.requestId, clientIp: ctx.clientIp, ...fields });
  }
}

export type IwaHandler = ((req: IwaRequest, res: IwaResponse, next?: () => void) => void) & IwaCore;

/**
 * The handler as node:http middleware: `(req, res, next)` calls `next()` once the request is
 * authenticated and authorized (`req.ntlmgate` set); otherwise it has answered. Without
 * `next`, an authenticated request is left as is — use `iwa(options)(handler)` for a plain
 * node:http server.
 */
export function createIwaHandler(options: IwaOptions): IwaHandler {
  const parts = createCore(options);
  const handler = (req: IwaRequest, res: IwaResponse, next?: () => void): void => listen(parts, options.log, req, res, next && (() => next()));
  return Object.assign(handler, { authenticate: parts.core.authenticate, stats: parts.core.stats });
}

export type IwaApplication<Req extends IwaRequest = IncomingMessage, Res extends IwaResponse = ServerResponse> = (req: Req, res: Res) => unknown;

/** Wraps a node:http / node:https request listener: it runs only for authenticated, authorized requests. */
export function iwa(options: IwaOptions): <Req extends IwaRequest = IncomingMessage, Res extends IwaResponse = ServerResponse>(app: IwaApplication<Req, Res>) => ((req: Req, res: Res) => void) & IwaCore {
  const parts = createCore(options);
  return <Req extends IwaRequest = IncomingMessage, Res extends IwaResponse = ServerResponse>(app: IwaApplication<Req, Res>) => {
    const listener = (req: Req, res: Res): void => listen(parts, options.log, req, res, app);
    return Object.assign(listener, { authenticate: parts.core.authenticate, stats: parts.core.stats });
  };
}

/**
 * The one listener behind iwa() and createIwaHandler(): the keep-alive shortcut (see Shortcut),
 * else run(). An admitted request goes on to `then` (the application, or next()): in this tick
 * when run() decided without waiting, as a plain node:http listener runs, else once it resolves.
 * Without `then` (middleware called without next), an admitted request is left as is.
 */
function listen<Req extends IwaRequest, Res extends IwaResponse>(parts: CoreParts, log: IwaOptions['log'], req: Req, res: Res, then: IwaApplication<Req, Res> | undefined): void {
  if (then && parts.shortcut(req)) return callApp(log, undefined, req, res, then);
  const outcome = runGuarded(parts.run, log, req, res);
  if (outcome === undefined) return;
  if (!(outcome instanceof Promise)) {
    if (outcome.authenticated && then) callApp(log, outcome.requestId, req, res, then);
    return;
  }
  let requestId = '';
  outcome
    .then((decided) => {
      requestId = decided.requestId;
      return decided.authenticated && then ? then(req, res) : undefined;
    })
    .catch((e: unknown) => failApplication(log, requestId, req, res, e));
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';

/** run() for the wrappers: a fault of our own before any await ends as failApplication (as a rejection of authenticate() would). */
function runGuarded(run: Run, log: IwaOptions['log'], req: IwaRequest, res: IwaResponse): IwaOutcome | Promise<IwaOutcome> | undefined {
  try {
    return run(req, res);
  } catch (e) {
    failApplication(log, '', req, res, e);
    return undefined;
  }
}

/** Runs the application synchronously; a throw or a rejected promise it returns ends as failApplication, as on the async path. */
function callApp<Req extends IwaRequest, Res extends IwaResponse>(log: IwaOptions['log'], requestId: string | undefined, req: Req, res: Res, app: (req: Req, res: Res) => unknown): void {
  try {
    const out = app(req, res);
    if (isThenable(out)) Promise.resolve(out).catch((e: unknown) => failApplication(log, requestId, req, res, e));
  } catch (e) {
    failApplication(log, requestId, req, res, e);
  }
}

/** The application (or next) threw: answer 500 if nothing was sent, and log it — never an unhandled rejection. */
function failApplication(log: IwaOptions['log'], requestId: string | undefined, req: IwaRequest, res: IwaResponse, e: unknown): void {
  emit(log, {
    level: 'error',
    msg: 'the application failed after authentication',
    requestId: requestId ?? nextRequestId(),
    clientIp: clientIpOf(req.socket),
    reason: 'internal-error',
    detail: e instanceof Error ? e.message : String(e),
  });
  if (!isHttp2Request(req)) respond(res as ServerResponse, 500);
  else if (!res.headersSent) res.writeHead(500).end();
}
