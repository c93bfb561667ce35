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
import { auditBeforeChallenge, type AuditOutcome } from './audit.js';
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
interface RequestCtx {
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
  const o = resolveOptions(options);
  const registry = new ConnectionRegistry({ timeoutMs: o.handshakeTimeoutMs, maxPerIp: o.maxPendingPerIp, maxTotal: o.maxPendingTotal }, o.now);
  const bindings = new ChannelBindingSource(o.extendedProtection);
  const handshake = new Handshake(o, registry, bindings, new Acceptors(o));

  const fail = (ctx: RequestCtx, e: unknown): IwaOutcome => {
    // Only our own faults land here (the acceptor never throws on peer bytes).
    emit(o.log, { level: 'error', msg: 'internal error while authenticating', requestId: ctx.requestId, clientIp: ctx.clientIp, reason: 'internal-error', detail: e instanceof Error ? e.message : String(e) });
    registry.clearPending(ctx.state);
    respond(ctx.res, 500, { close: true });
    return { authenticated: false, status: 500, requestId: ctx.requestId };
  };

  /** The connection's identity when handle() would admit the request on it without a handshake step or a wait (see Shortcut); else undefined. */
  const connectionIdentity = (state: ConnectionState | undefined, req: IwaRequest): IwaIdentity | undefined =>
    o.persistence === 'connection' && state?.identity !== undefined && req.headers.authorization === undefined && registry.idle(state) ? state.identity : undefined;

  const run: Run = (req, res) => {
    const requestId = o.requestId?.(req) ?? nextRequestId();
    if (isHttp2Request(req)) {
      // No connection to bind a handshake to: the client must retry over HTTP/1.1.
      http2Fallback(req.stream);
      emit(o.log, { level: 'info', msg: 'HTTP/2 request refused with HTTP_1_1_REQUIRED', requestId, clientIp: clientIpOf(req.socket), reason: 'http2-fallback' });
      return { authenticated: false, status: 'reset', requestId };
    }
    // A known connection carries its address: no getpeername per keep-alive request.
    const known = registry.existing(req.socket);
    const clientIp = known?.clientIp ?? clientIpOf(req.socket);
    if (o.stripIdentityHeaders) {
      const removed = stripIdentityHeaders(req, o.identityHeaders);
      if (removed.length > 0) {
        emit(o.log, { level: 'warn', msg: `client sent ${removed.join(', ')}; removed`, requestId, clientIp, reason: 'identity-headers-stripped' });
      }
    }
    const state = known ?? registry.stateOf(req.socket, clientIp);
    const ctx: RequestCtx = { req, res: res as ServerResponse, state, requestId, clientIp };
    try {
      const id = connectionIdentity(state, req);
      if (id) return handshake.admit(ctx, id, 'connection-authenticated');
      return registry.serialize(state, () => handshake.handle(ctx)).catch((e: unknown) => fail(ctx, e));
    } catch (e) {
      return fail(ctx, e);
    }
  };

  const quiet = !o.log && !o.requestId;
  let shortcutHits = 0;
  const shortcut: Shortcut = (req) => {
    if (!quiet || isHttp2Request(req)) return undefined;
    try {
      const id = connectionIdentity(registry.existing(req.socket), req);
      if (id === undefined || (o.stripIdentityHeaders && hasIdentityHeaders(req, o.identityHeaders)) || !authorize(o.allow, id).allowed) return undefined;
      req.ntlmgate = id;
      shortcutHits++;
      return id;
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

/** The per-request state machine: one instance per handler; what belongs to one request travels in RequestCtx. */
class Handshake {
  constructor(
    private readonly o: ResolvedOptions,
    private readonly registry: ConnectionRegistry,
    private readonly bindings: ChannelBindingSource,
    private readonly acceptors: Acceptors,
  ) {}

  async handle(c: RequestCtx): Promise<IwaOutcome> {
    const { o } = this;
    const header = this.authorizationHeader(c);
    if (typeof header === 'object') return header;
    if (header !== undefined && header.length > o.maxAuthorizationBytes) {
      this.registry.clearPending(c.state);
      return this.refuse(c, 400, 'warn', 'authorization-too-large', `Authorization of ${header.length} bytes (limit ${o.maxAuthorizationBytes})`);
    }
    const parsed = parseAuthorization(header, o.providers);
    if (parsed.kind === 'none' || parsed.kind === 'other-scheme') {
      const id = o.persistence === 'connection' ? c.state.identity : undefined;
      if (id) return this.admit(c, id, 'connection-authenticated');
      const reason = parsed.kind === 'none' ? 'no-credentials' : 'unsupported-scheme';
      return this.refuse(c, 401, 'debug', reason, parsed.kind === 'other-scheme' ? `scheme ${parsed.scheme}` : undefined);
    }
    // New credentials on an authenticated connection re-authenticate it (IIS): the old identity
    // must not survive a failed attempt.
    this.registry.setIdentity(c.state, undefined);
    if (parsed.kind === 'malformed') {
      this.registry.clearPending(c.state);
      return this.refuse(c, 400, 'warn', 'authorization-malformed', parsed.why);
    }
    const { scheme } = parsed;
    // The one decode of this leg: what it is answered from here, and what the acceptor steps.
    const leg = this.acceptors.decodeLeg(scheme, parsed.token);
    if (leg.kind === 'malformed') {
      this.registry.clearPending(c.state);
      return this.refuse(c, 400, 'warn', 'token-malformed', `${scheme} token does not decode: ${leg.message}`, { scheme });
    }
    if (leg.kind === 'unserved') {
      // Well-formed, for no mechanism served here (a bare Kerberos AP-REQ, a Kerberos-only list): IIS answers 401.
      this.registry.clearPending(c.state);
      return this.refuse(c, 401, 'info', 'unsupported-mechanism', `a token for ${leg.offered.join(', ') || 'no mechanism'}; served: ${this.acceptors.negotiate.oids.join(', ')}`, { scheme });
    }
    if (leg.kind === 'init' || (leg.kind === 'mechanism' && opensHandshake(leg))) return this.start(c, scheme, leg);

    const pending = this.registry.takePending(c.state);
    if (!pending || pending.acceptor.scheme !== scheme) {
      if (!this.acceptors.wellFormed(leg)) return this.refuse(c, 400, 'warn', 'token-malformed', `${scheme} token does not decode`, { scheme });
      const reason = c.state.lapsed === 'evicted' ? 'handshake-evicted' : c.state.lapsed === 'expired' ? 'handshake-expired' : 'no-handshake-in-progress';
      return this.refuse(c, 401, 'warn', reason, pending ? `a ${pending.acceptor.scheme} handshake is in progress` : 'a later leg without its first (replayed or out of order)', { scheme });
    }
    return this.continue(c, pending.acceptor, pending.startedAt, await pending.acceptor.step(leg));
  }

  /** The single Authorization value, or the refusal when the client sent several. */
  private authorizationHeader(c: RequestCtx): string | undefined | IwaOutcome {
    let count = 0;
    const raw = c.req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i];
      // 'authorization'.length: only names of that length are lower-cased.
      if (name !== undefined && name.length === 13 && name.toLowerCase() === 'authorization') count++;
    }
    if (count > 1) {
      this.registry.clearPending(c.state);
      this.registry.setIdentity(c.state, undefined);
      // node:http keeps only the first copy; which one an upstream would see is anyone's guess.
      return this.refuse(c, 400, 'warn', 'authorization-duplicated', `${count} Authorization headers`);
    }
    return c.req.headers.authorization;
  }

  private async start(c: RequestCtx, scheme: AuthProvider, leg: Extract<Leg, { kind: 'init' | 'mechanism' }>): Promise<IwaOutcome> {
    const { o } = this;
    const w = { scheme, clientIp: c.clientIp, requestId: c.requestId };
    // The Restrict-NTLM policy governs NTLM only: another mechanism's handshake starts unchecked.
    const early = leg.mechanism.oid === OID_NTLMSSP ? await this.audited(c, () => auditBeforeChallenge(o, w)) : undefined;
    if (early === 'failed' || early === 'unavailable') return this.failed(c, early);
    if (early) {
      this.registry.clearPending(c.state);
      return this.refuse(c, 401, 'warn', 'policy-blocked', early.decision.reason, { scheme, setting: early.decision.setting, events: early.eventIds });
    }
    const acceptor = this.acceptors.create(scheme, leg, this.bindings.bindingsFor(c.req.socket));
    return this.continue(c, acceptor, o.now(), await acceptor.step(leg));
  }

  private async continue(c: RequestCtx, acceptor: Acceptor, startedAt: number, step: AcceptorStep): Promise<IwaOutcome> {
    const scheme = acceptor.scheme;
    if (step.status === 'continue') {
      if (!connectionStaysOpen(c.req)) {
        // The CHALLENGE would die with this connection, and an AUTHENTICATE on a new one has no
        // handshake to finish: say "start again" (bare challenges) rather than send a token
        // the client cannot use.
        return this.refuse(c, 401, 'warn', 'handshake-on-closing-connection', 'NTLM needs a persistent connection (Connection: close or HTTP/1.0 without keep-alive)', { scheme }, { close: true });
      }
      // A full cap makes room by evicting the oldest half-open handshake, never by refusing this one.
      for (const e of this.registry.setPending(c.state, { acceptor, startedAt })) {
        const cap = e.cap === 'per-ip' ? `${this.o.maxPendingPerIp} handshakes in progress from this IP` : `${this.o.maxPendingTotal} handshakes in progress`;
        this.log(c, 'warn', 'handshake cap full: evicted the oldest half-open handshake', { reason: 'too-many-handshakes', scheme, detail: `${cap}; evicted one from ${e.clientIp} waiting ${e.ageMs} ms` });
      }
      this.log(c, 'debug', 'handshake continues', { reason: 'challenge-sent', scheme, status: 401 });
      respond(c.res, 401, { authenticate: [tokenHeader(scheme, step.token)] });
      return { authenticated: false, status: 401, requestId: c.requestId };
    }

    const w = { scheme, clientIp: c.clientIp, requestId: c.requestId, attemptId: acceptor.attemptId };
    if (step.status === 'failed') {
      const f = step.failure;
      if (f.reason === 'malformed') return this.refuse(c, 400, 'warn', 'token-malformed', f.message, { scheme });
      const r = await this.audited(c, () => auditRefusedLogon(this.o, acceptor.mechanism, f, w));
      if (r === 'failed' || r === 'unavailable') return this.failed(c, r);
      const audit: AuditOutcome | undefined = r;
      const claimed = f.logon ?? f.claimed;
      const user = claimed ? accountName(claimed.user, claimed.domain, '') || undefined : undefined;
      // Refused by the policy's phase before the authority (audit.ts): the policy is the reason.
      if (audit?.refusedByPolicy) {
        return this.refuse(c, 401, 'warn', 'policy-blocked', audit.decision.reason, { scheme, user, setting: audit.decision.setting, events: audit.eventIds });
      }
      return this.refuse(c, 401, 'warn', f.reason, f.message, {
        scheme,
        user,
        setting: audit?.decision.action === 'block' ? audit.decision.setting : undefined,
        events: audit?.eventIds,
      });
    }

    const r = step.result;
    const identity = identityFromResult(r, scheme, this.o.now());
    const localAccount = sameName(r.account.domain, this.o.machine.netbiosComputerName);
    const audit = await this.audited(c, () => auditAcceptedLogon(this.o, r, w, { localAccount }));
    if (audit === 'failed' || audit === 'unavailable') return this.failed(c, audit);
    if (audit.decision.action === 'block') {
      return this.refuse(c, 401, 'warn', 'policy-blocked', audit.decision.reason, { scheme, user: identity.name, setting: audit.decision.setting, events: audit.eventIds });
    }
    if (this.o.persistence === 'connection') this.registry.setIdentity(c.state, identity);
    // RFC 4559 §5: the final SPNEGO token (accept-completed, mechListMIC) rides on the success.
    if (step.token && !c.res.headersSent) c.res.setHeader('WWW-Authenticate', tokenHeader(scheme, step.token));
    return this.admit(c, identity, 'authenticated', audit.eventIds, startedAt);
  }

  /** Authorization, then the identity on the request. */
  admit(c: RequestCtx, id: IwaIdentity, reason: 'authenticated' | 'connection-authenticated', events?: readonly number[], startedAt?: number): IwaOutcome {
    const a = authorize(this.o.allow, id);
    if (!a.allowed) return this.refuse(c, 403, 'warn', 'not-authorized', a.why, { user: id.name, scheme: id.scheme, events });
    c.req.ntlmgate = id;
    // Every request of an authenticated connection comes here: build the entry only for a hook.
    if (this.o.log) {
      const ms = startedAt === undefined ? undefined : this.o.now() - startedAt;
      this.log(c, reason === 'authenticated' ? 'info' : 'debug', reason === 'authenticated' ? `logged on (${id.authPackage}${id.ntlm ? `, ${id.ntlm.version}` : ''}${ms === undefined ? '' : `, ${ms} ms`})` : 'authenticated connection', {
        reason,
        user: id.name,
        scheme: id.scheme,
        events,
      });
    }
    return { authenticated: true, identity: id, requestId: c.requestId };
  }

  private refuse(
    c: RequestCtx,
    status: IwaStatus,
    level: IwaLogLevel,
    reason: IwaLogReason,
    detail: string | undefined,
    fields: LogFields = {},
    extra: RespondOptions = {},
  ): IwaOutcome {
    this.log(c, level, `answered ${status}`, { reason, status, detail, ...fields });
    // A 401 always re-offers every provider, so the client can start over (IIS does the same).
    const authenticate = status === 401 ? challengeHeaders(this.o.providers) : undefined;
    respond(c.res, status, { authenticate, retryAfterSeconds: status === 429 ? 1 : undefined, ...extra });
    return { authenticated: false, status, requestId: c.requestId };
  }

  private failed(c: RequestCtx, why: 'failed' | 'unavailable'): IwaOutcome {
    return { authenticated: false, status: why === 'unavailable' ? 503 : 500, requestId: c.requestId };
  }

  /**
   * Runs a policy+audit step; a sink that fails makes the request fail closed, logged: 503 with
   * Retry-After when the store cannot write now (disk full, database gone: the client may come
   * back), 500 when it refused the events themselves.
   */
  private async audited<T>(c: RequestCtx, fn: () => Promise<T>): Promise<T | 'failed' | 'unavailable'> {
    try {
      return await fn();
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      this.registry.clearPending(c.state);
      if (isStoreUnavailable(e)) {
        this.log(c, 'error', 'audit store cannot write; request refused until it can', { reason: 'audit-unavailable', status: 503, detail });
        respond(c.res, 503, { retryAfterSeconds: AUDIT_RETRY_AFTER_SECONDS });
        return 'unavailable';
      }
      this.log(c, 'error', 'audit write failed; request refused', { reason: 'audit-write-failed', status: 500, detail });
      respond(c.res, 500);
      return 'failed';
    }
  }

  private log(c: RequestCtx, level: IwaLogLevel, msg: string, fields: LogFields): void {
    if (this.o.log) emit(this.o.log, { level, msg, requestId: c.requestId, clientIp: c.clientIp, ...fields });
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
