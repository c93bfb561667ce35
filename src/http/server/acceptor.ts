/**
 * One handshake's acceptor for the scheme the client chose, over the handler's mechanisms
 * (src/gss): `NTLM` serves the NTLM mechanism alone, its tokens bare; `Negotiate` serves every
 * registered mechanism through SPNEGO (NegotiateServerContext), which also takes a mechanism's
 * bare token (raw NTLMSSP, as Windows and curl send it). Each leg is decoded once (decodeLeg)
 * and the acceptor steps that decoded leg. A mechanism is served by registering it: one entry
 * in Acceptors' registry (NTLM, below) or the handler's `mechanisms` option.
 */
import { randomUUID } from 'node:crypto';
import type { AcceptorMechanism, ClaimedIdentity, LogonResult, MechanismFailure } from '../../gss/mechanism.js';
import { MechanismRegistry } from '../../gss/registry.js';
import { isNtlmLogon, ntlmAcceptorMechanism, type NtlmMechanismFailure } from '../../ntlm/acceptorMechanism.js';
import type { NtlmAuthority } from '../../ntlm/authority.js';
import { OID_NTLMSSP } from '../../ntlm/oid.js';
import type { NtlmLogonInfo, NtlmServerOptions } from '../../ntlm/serverContext.js';
import { decideBeforeAuthority } from '../../policy/decide/incoming.js';
import { acceptorLmLevel } from '../../policy/lmCompatibility.js';
import { decodeNegotiateLeg, type NegotiateLeg } from '../../spnego/leg.js';
import { NegotiateServerContext, type NegotiateFailure, type NegotiateFailureReason, type SpnegoFailureReason } from '../../spnego/negotiateServer.js';
import type { ResolvedOptions } from './options.js';
import type { AuthProvider } from './providers.js';

/** One decoded leg (spnego/leg.ts); under the `NTLM` scheme only the NTLM mechanism's bare tokens decode. */
export type Leg = NegotiateLeg<AcceptorMechanism>;

/** A completed logon as the handler sees it: the mechanism's neutral result, and whether SPNEGO's mechListMIC verified. */
export type AcceptedLogon = LogonResult & { readonly mechListMicVerified: boolean };

/** A refusal as the handler logs and audits it. */
export interface AcceptorFailure {
  /** NTLM's and SPNEGO's reasons as they are; another mechanism's refusal is `logon-failure` (or `malformed`), its own reason in `message`. */
  readonly reason: NegotiateFailureReason;
  readonly message: string;
  readonly status?: string;
  readonly decodeCode?: string;
  /** NTLM's view of the refused logon, once its AUTHENTICATE parsed: what NTLM policy and its events need. */
  readonly logon?: NtlmLogonInfo;
  /** Who the refused logon claimed to be, whatever the mechanism. */
  readonly claimed?: ClaimedIdentity;
  /** Another mechanism's own reason code, which `reason` generalizes (its audit event keeps it). */
  readonly mechanismReason?: string;
}

export type AcceptorStep =
  | { readonly status: 'continue'; readonly token: Buffer }
  | { readonly status: 'complete'; readonly token?: Buffer; readonly result: AcceptedLogon }
  | { readonly status: 'failed'; readonly failure: AcceptorFailure };

export interface Acceptor {
  readonly scheme: AuthProvider;
  /** The logon attempt this handshake makes: on every audit event it produces, the authority's too. */
  readonly attemptId: string;
  /** The mechanism the first leg chose. */
  readonly mechanism: AcceptorMechanism;
  step(leg: Leg): Promise<AcceptorStep>;
}

/**
 * The authority behind the policy's phase before it (decideBeforeAuthority): a logon the policy
 * refuses there never reaches the authority (no DC events, no bad-password count) and ends as
 * STATUS_NTLM_BLOCKED. The refused logon is audited by the handler (http/server/audit.ts).
 */
export function gateDomainAccounts(options: Pick<ResolvedOptions, 'authority' | 'policy' | 'machine'>): NtlmAuthority {
  const { authority, policy, machine } = options;
  return {
    validate: async (req) => {
      const phase = decideBeforeAuthority(policy, { server: machine, user: req.userName, domain: req.domainName });
      return phase.action === 'block' ? { status: 'STATUS_NTLM_BLOCKED' } : authority.validate(req);
    },
  };
}

const SPNEGO_REASONS: ReadonlySet<string> = new Set<SpnegoFailureReason>(['no-common-mechanism', 'mechlistmic-missing', 'mechlistmic-mismatch', 'malformed', 'unexpected-message']);

/** The handler's view of a refusal: NTLM's as it is (its `logon` included), SPNEGO's as it is, another mechanism's as a logon failure. */
function acceptorFailure(mechanism: AcceptorMechanism, f: NegotiateFailure<MechanismFailure>): AcceptorFailure {
  const decodeCode = 'decodeCode' in f && typeof f.decodeCode === 'string' ? f.decodeCode : undefined;
  const spnegoResult = 'result' in f && f.result !== undefined && typeof f.result === 'object' ? (f.result as LogonResult) : undefined;
  if (mechanism.oid === OID_NTLMSSP) {
    const ntlm = f as NtlmMechanismFailure;
    // SPNEGO refused a completed NTLM logon (its mechListMIC): NTLM's view of it is the result's.
    const logon = ntlm.logon ?? (spnegoResult && isNtlmLogon(spnegoResult) ? spnegoResult.ntlm : undefined);
    return { reason: ntlm.reason, message: f.message, status: f.status, decodeCode, logon, claimed: f.claimed };
  }
  const known = SPNEGO_REASONS.has(f.reason);
  return {
    reason: known ? (f.reason as SpnegoFailureReason) : 'logon-failure',
    message: known ? f.message : `${mechanism.name}: ${f.reason}: ${f.message}`,
    status: f.status,
    decodeCode,
    claimed: f.claimed,
    mechanismReason: known ? undefined : f.reason,
  };
}

/** The mechanisms a handler serves, and the acceptors it makes over them. */
export class Acceptors {
  private readonly ntlm: AcceptorMechanism;
  /** Under `Negotiate`: NTLM, then the handler's `mechanisms`. */
  readonly negotiate: MechanismRegistry<AcceptorMechanism>;

  constructor(private readonly o: ResolvedOptions) {
    const ntlmOptions: NtlmServerOptions = {
      ...o.machine,
      authority: gateDomainAccounts(o),
      // The acceptor refuses what the policy's LmCompatibilityLevel refuses; policy still sees the
      // refused logon (failure.logon) and writes its events (e.g. 4025 for NTLMv1).
      lmCompatibilityLevel: acceptorLmLevel(o.policy),
      allowAnonymous: o.allowAnonymous,
      requireMic: o.requireMic,
      challengeLifetimeMs: o.handshakeTimeoutMs,
      targetNames: o.targetNames,
      now: o.now,
      randomBytes: o.randomBytes,
    };
    this.ntlm = ntlmAcceptorMechanism(ntlmOptions);
    this.negotiate = new MechanismRegistry<AcceptorMechanism>([this.ntlm, ...o.mechanisms]);
  }

  /** Decodes one leg, once: the handler answers from its kind, and the acceptor steps it. */
  decodeLeg(scheme: AuthProvider, token: Buffer): Leg {
    if (scheme === 'Negotiate') return decodeNegotiateLeg(token, this.negotiate);
    const position = this.ntlm.recognizes?.(token);
    return position
      ? { kind: 'mechanism', token, mechanism: this.ntlm, initial: position === 'initial' }
      : { kind: 'malformed', token, message: 'not an NTLM message' };
  }

  /**
   * Whether a leg decodes down to its mechanism's token, without a context: IIS answers 400 to a
   * token that does not decode and 401 to one that decodes but cannot be accepted (a later leg
   * with no handshake in progress, e.g. a replayed AUTHENTICATE).
   */
  wellFormed(leg: Leg): boolean {
    switch (leg.kind) {
      case 'malformed':
        return false;
      case 'mechanism':
        return leg.mechanism.wellFormed?.(leg.token) ?? true;
      case 'resp': {
        const inner = leg.resp.responseToken;
        if (inner === undefined) return true;
        const m = this.negotiate.mechanisms.find((x) => x.recognizes?.(inner) !== undefined);
        return m?.wellFormed?.(inner) ?? true;
      }
      default:
        return true;
    }
  }

  /** A new handshake's acceptor for the leg that opens it (opensHandshake). */
  create(scheme: AuthProvider, leg: Extract<Leg, { kind: 'init' | 'mechanism' }>, channelBindings: NtlmServerOptions['channelBindings']): Acceptor {
    const attemptId = randomUUID();
    const mechanism = leg.mechanism;
    const handshake = { attemptId, channelBindings };
    if (scheme === 'NTLM') {
      const ctx = mechanism.newContext(handshake);
      return {
        scheme,
        attemptId,
        mechanism,
        async step(l) {
          const s = await ctx.step(l.token);
          if (s.status === 'continue') return s;
          if (s.status === 'failed') return { status: 'failed', failure: acceptorFailure(mechanism, s.failure) };
          return { status: 'complete', token: s.token, result: { ...s.result, mechListMicVerified: false } };
        },
      };
    }
    const ctx = new NegotiateServerContext<LogonResult, MechanismFailure>(this.negotiate, handshake);
    return {
      scheme,
      attemptId,
      mechanism,
      async step(l) {
        const s = await ctx.step(l);
        // SPNEGO's reject token is not sent: a refused logon gets fresh bare challenges, as IIS does.
        if (s.status === 'failed') return { status: 'failed', failure: acceptorFailure(ctx.mechanism ?? mechanism, s.failure) };
        return s;
      },
    };
  }
}
