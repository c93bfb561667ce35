/**
 * The protocol-neutral heart of the client: for one handshake with one target (a server on
 * 401, a proxy on 407), the outgoing policy and the NTLM / SPNEGO initiator turn server tokens
 * into the next `Authorization` / `Proxy-Authorization` value. No I/O: the events to write come
 * back with each step, and the caller writes them (and awaits the sink) BEFORE the token leaves.
 *
 * Policy runs twice, with what is known at each point:
 * - before the NEGOTIATE: `evaluate` on the predicted logon (the response class the configured
 *   LmCompatibilityLevel makes, MIC with NTLMv2, channel bindings when the connection has
 *   them). Only a block acts here (Deny all → 4001, a service block, BlockNtlmv1SSO …): its
 *   events are written and NOTHING is sent — not even the credential-free NEGOTIATE.
 * - before the AUTHENTICATE: `evaluate` on the real result (response class, negotiated flags for
 *   NTLMMinClientSec, MIC, bindings): every event is written (8001, 4020/4021, 4010, 4024 …);
 *   a block stops the AUTHENTICATE.
 */
import { randomUUID } from 'node:crypto';
import { buildEvent, type AuditEvent, type EventSpec } from '../../events/event.js';
import { NtlmClientContext, type NtlmClientOptions, type NtlmClientResult } from '../../ntlm/clientContext.js';
import { NtlmDecodeError, NtlmIntegrityError, NtlmStateError } from '../../ntlm/errors.js';
import type { PolicyDecision } from '../../policy/decision.js';
import { evaluate } from '../../policy/evaluate.js';
import { clientLmLevel, clientResponseClass } from '../../policy/lmCompatibility.js';
import type { NtlmPolicy } from '../../policy/policy.js';
import type { AuthScheme, OutgoingRequest, ProcessIdentity } from '../../policy/requests.js';
import { SpnegoDecodeError } from '../../spnego/errors.js';
import { NegotiateClientContext, NegotiateRejectedError } from '../../spnego/negotiateClient.js';
import type { ResolvedCredentials } from './credentials.js';
import { HttpAuthError, NtlmPolicyBlockedError, type AuthTargetKind } from './errors.js';

/** What the policy and the events need to know about the process and the machine. */
export interface AuthSettings {
  readonly credentials: ResolvedCredentials;
  readonly policy: NtlmPolicy;
  /** The ntlmgate service the requests are made for (services.<name> in the policy; the events' context). */
  readonly service?: string;
  /** CallerPID / ProcessName of the events. */
  readonly process: ProcessIdentity;
  /** System/Computer of the events. */
  readonly computer: string;
  readonly now: () => number;
  readonly randomBytes?: (n: number) => Buffer;
}

export interface AuthTarget {
  readonly kind: AuthTargetKind;
  /** The host as the URL names it (no brackets around IPv6). */
  readonly host: string;
  /** Sent as MsvAvTargetName; the events' TargetName / TargetService. */
  readonly spn: string;
  /**
   * The address the connection reached, when it went there directly. A function is read when
   * the policy runs (a connection about to be opened has no address yet).
   */
  readonly address?: string | (() => string | undefined);
  /**
   * tls-server-end-point application data of the connection's TLS certificate. A function is
   * read when the policy runs and when the AUTHENTICATE is built: a NEGOTIATE sent before the
   * connection exists binds to the certificate of the connection that carries it.
   */
  readonly channelBindings?: Buffer | (() => Buffer | undefined);
}

function valueNow<T>(value: T | (() => T | undefined) | undefined): T | undefined {
  return typeof value === 'function' ? (value as () => T | undefined)() : value;
}

export type AuthStep =
  | { readonly kind: 'send'; readonly header: string; readonly events: readonly AuditEvent[] }
  | { readonly kind: 'blocked'; readonly error: NtlmPolicyBlockedError; readonly events: readonly AuditEvent[] };

/** Peer bytes the initiator could not use become BAD_CHALLENGE; a failed mechListMIC MUTUAL_AUTH_FAILED. */
function protocolError(scheme: AuthScheme, e: unknown, code: 'BAD_CHALLENGE' | 'MUTUAL_AUTH_FAILED'): HttpAuthError {
  if (e instanceof NtlmDecodeError || e instanceof SpnegoDecodeError || e instanceof NegotiateRejectedError || e instanceof NtlmIntegrityError || e instanceof NtlmStateError) {
    return new HttpAuthError(code, `${scheme}: ${e.message}`, { cause: e });
  }
  return e instanceof Error ? new HttpAuthError(code, `${scheme}: ${e.message}`, { cause: e }) : new HttpAuthError(code, `${scheme}: ${String(e)}`);
}

/** One handshake: start() → answer(challenge) → finish(final token). */
export class Handshake {
  /** One NTLM use by this client: every event this handshake writes carries it. */
  private readonly attemptId = randomUUID();
  private readonly ntlm?: NtlmClientContext;
  private readonly nego?: NegotiateClientContext;
  private state: 'initial' | 'started' | 'answered' | 'finished' = 'initial';

  constructor(
    private readonly settings: AuthSettings,
    readonly scheme: AuthScheme,
    readonly target: AuthTarget,
  ) {
    const opts: NtlmClientOptions = {
      credentials: settings.credentials.ntlm(),
      workstation: settings.credentials.workstation,
      targetSpn: target.spn,
      // The context reads its options when it builds the AUTHENTICATE: a getter makes that the
      // bindings of the connection the handshake actually ran on.
      get channelBindings() {
        const cb = valueNow(target.channelBindings);
        return cb ? { applicationData: cb } : undefined;
      },
      lmCompatibilityLevel: clientLmLevel(settings.policy),
      now: settings.now,
      randomBytes: settings.randomBytes,
    };
    if (scheme === 'NTLM') this.ntlm = new NtlmClientContext(opts);
    else this.nego = new NegotiateClientContext(opts);
  }

  /** The request policy sees for this handshake, with the facts known so far. */
  private request(result?: Pick<NtlmClientResult, 'version' | 'flags' | 'micSent' | 'channelBindingsSent'>): OutgoingRequest {
    const credentials = this.settings.credentials;
    const predictedV2 = clientResponseClass(this.settings.policy) === 'NTLMv2';
    return {
      targetHost: this.target.host,
      targetSpn: this.target.spn,
      targetIp: valueNow(this.target.address),
      user: credentials.user,
      domain: credentials.domain,
      service: this.settings.service,
      scheme: this.scheme,
      process: this.settings.process,
      version: result?.version ?? (predictedV2 ? 'NTLMv2' : 'NTLMv1'),
      flags: result?.flags,
      micPresent: result?.micSent ?? predictedV2,
      channelBindings: (result ? result.channelBindingsSent : valueNow(this.target.channelBindings) !== undefined) ? 'present' : 'absent',
    };
  }

  private events(decision: PolicyDecision, ntlmVersion: string | undefined, specs: readonly EventSpec[] = decision.events): AuditEvent[] {
    return specs.map((spec) =>
      buildEvent(spec, {
        time: this.settings.now(),
        computer: this.settings.computer,
        context: { service: this.settings.service, decision: decision.action, setting: decision.setting, reason: decision.reason, ntlmVersion, attemptId: this.attemptId },
      }),
    );
  }

  private blocked(decision: PolicyDecision, ntlmVersion: string | undefined): AuthStep {
    const events = this.events(decision, ntlmVersion);
    const error = new NtlmPolicyBlockedError(decision.setting, this.target.host, decision.reason, this.target.kind, events.map((e) => e.eventId));
    return { kind: 'blocked', error, events };
  }

  /**
   * Whether the policy would refuse this handshake outright (no events are produced: used to
   * decide if starting one before the server asks is worth it).
   */
  wouldBlock(): boolean {
    return evaluate(this.settings.policy, { direction: 'outgoing', request: this.request() }).decision.action === 'block';
  }

  /** The first leg (NEGOTIATE), unless the policy blocks NTLM to this target. */
  start(): AuthStep {
    if (this.state !== 'initial') throw new NtlmStateError('WRONG_STATE', 'the handshake was already started');
    const { decision } = evaluate(this.settings.policy, { direction: 'outgoing', request: this.request() });
    if (decision.action === 'block') {
      this.state = 'finished';
      return this.blocked(decision, undefined);
    }
    this.state = 'started';
    const token = this.ntlm ? this.ntlm.negotiate() : (this.nego as NegotiateClientContext).initialToken();
    return { kind: 'send', header: `${this.scheme} ${token.toString('base64')}`, events: [] };
  }

  /**
   * The AUTHENTICATE answering the server's CHALLENGE, with the whole logon's events; blocked
   * when the policy refuses what would be sent. A CHALLENGE that does not decode throws
   * HttpAuthError BAD_CHALLENGE.
   */
  answer(challenge: Buffer): AuthStep {
    if (this.state !== 'started') throw new NtlmStateError('WRONG_STATE', 'answer() needs a started handshake');
    this.state = 'answered';
    let token: Buffer | undefined;
    let result: NtlmClientResult;
    try {
      token = this.ntlm ? this.ntlm.authenticate(challenge) : (this.nego as NegotiateClientContext).step(challenge);
      result = this.ntlm ? this.ntlm.result : (this.nego as NegotiateClientContext).ntlm.result;
    } catch (e) {
      this.state = 'finished';
      throw protocolError(this.scheme, e, 'BAD_CHALLENGE');
    }
    if (token === undefined) {
      this.state = 'finished';
      throw new HttpAuthError('BAD_CHALLENGE', `${this.scheme}: the server ended the exchange without a CHALLENGE`);
    }
    const { decision } = evaluate(this.settings.policy, { direction: 'outgoing', request: this.request(result) });
    if (decision.action === 'block') {
      this.state = 'finished';
      return this.blocked(decision, result.version);
    }
    return { kind: 'send', header: `${this.scheme} ${token.toString('base64')}`, events: this.events(decision, result.version) };
  }

  /**
   * The server accepted the AUTHENTICATE. A final Negotiate token (RFC 4559 §5: accept-completed
   * with the acceptor's mechListMIC) is verified; one that does not verify throws
   * MUTUAL_AUTH_FAILED. NTLM has no final token.
   */
  finish(token: Buffer | undefined): void {
    if (this.state !== 'answered') return;
    this.state = 'finished';
    if (!this.nego || token === undefined) return;
    try {
      this.nego.step(token);
    } catch (e) {
      throw protocolError(this.scheme, e, 'MUTUAL_AUTH_FAILED');
    }
  }

  /** Whether an AUTHENTICATE went out and awaits the server's verdict. */
  get answered(): boolean {
    return this.state === 'answered';
  }

  /** Whether the NEGOTIATE went out and the CHALLENGE is awaited. */
  get started(): boolean {
    return this.state === 'started';
  }
}
