/**
 * The acceptor side of SPNEGO (RFC 4178) for HTTP `Negotiate`, over a registry of acceptor
 * mechanisms keyed by OID (src/gss). The mechanism is the first of the client's mechTypes
 * that is registered (RFC 4178 §3.2); its optimistic token is used only when it is also the
 * client's first choice, otherwise the client is asked to start it (accept-incomplete with
 * supportedMech). A mechanism's bare token under `Negotiate` — raw NTLMSSP, as Windows and
 * curl send it — goes to the mechanism that recognizes it and is answered raw.
 *
 * mechListMIC (RFC 4178 §5, MS-SPNG §3.3.5.1): verified over the DER MechTypeList the client
 * sent and answered with ours, through the mechanism's integrity; required when the chosen
 * mechanism was not the client's first choice (downgrade protection).
 */
import type { AcceptorContext, AcceptorHandshake, AcceptorMechanism, LogonResult, MechanismFailure, MechanismStep } from '../gss/mechanism.js';
import { MechanismRegistry } from '../gss/registry.js';
import { ntlmAcceptorMechanism, type NtlmLogonResult, type NtlmMechanismFailure } from '../ntlm/acceptorMechanism.js';
import type { NtlmFailureReason, NtlmServerOptions } from '../ntlm/serverContext.js';
import { decodeNegotiateLeg, type NegotiateLeg } from './leg.js';
import { encodeNegTokenResp } from './tokens.js';

/** SPNEGO's own refusals, beside those of the mechanisms. */
export type SpnegoFailureReason = 'no-common-mechanism' | 'mechlistmic-missing' | 'mechlistmic-mismatch' | 'malformed' | 'unexpected-message';

export type NegotiateFailureReason = NtlmFailureReason | SpnegoFailureReason;

/** A refusal by SPNEGO itself. `result` is the mechanism's completed logon when SPNEGO refused it afterwards (its mechListMIC). */
export interface SpnegoFailure extends MechanismFailure {
  readonly reason: SpnegoFailureReason;
  readonly decodeCode?: string;
  readonly result?: LogonResult;
}

/** The mechanism's refusal, or SPNEGO's. */
export type NegotiateFailure<F extends MechanismFailure = NtlmMechanismFailure> = F | SpnegoFailure;

/** The mechanism's result, with how SPNEGO carried it. */
export type NegotiateAcceptResult<R extends LogonResult = NtlmLogonResult> = R & {
  /** `spnego`: the mechanism inside SPNEGO; `raw`: its bare token sent under the Negotiate scheme. */
  readonly framing: 'spnego' | 'raw';
  readonly mechListMicVerified: boolean;
};

export type NegotiateServerStep<R extends LogonResult = NtlmLogonResult, F extends MechanismFailure = NtlmMechanismFailure> =
  | { readonly status: 'continue'; readonly token: Buffer }
  /** `token`, when present, goes back to the client (the final NegTokenResp). */
  | { readonly status: 'complete'; readonly token?: Buffer; readonly result: NegotiateAcceptResult<R> }
  | { readonly status: 'failed'; readonly token?: Buffer; readonly failure: NegotiateFailure<F> };

type Framing = 'unknown' | 'spnego' | 'raw';

const REJECT = (): Buffer => encodeNegTokenResp({ negState: 'reject' });

export class NegotiateServerContext<R extends LogonResult = NtlmLogonResult, F extends MechanismFailure = NtlmMechanismFailure> {
  private readonly mechanisms: MechanismRegistry<AcceptorMechanism<R, F>>;
  private framing: Framing = 'unknown';
  private chosen: AcceptorMechanism<R, F> | undefined;
  private ctx: AcceptorContext<R, F> | undefined;
  private rawMechTypes: Buffer = Buffer.alloc(0);
  /** RFC 4178 §5: the MIC exchange is mandatory when the chosen mechanism was not the initiator's first choice. */
  private micRequired = false;
  private _result: NegotiateAcceptResult<R> | undefined;

  /**
   * `mechanisms`: what this acceptor serves. NtlmServerOptions alone serve NTLM — the
   * registry of NTLM only (and then R and F are NTLM's, the defaults).
   */
  constructor(
    mechanisms: MechanismRegistry<AcceptorMechanism<R, F>> | NtlmServerOptions,
    private readonly handshake: AcceptorHandshake = {},
  ) {
    this.mechanisms =
      mechanisms instanceof MechanismRegistry
        ? mechanisms
        : // NTLM's R and F are the defaults; a caller naming others must pass their registry.
          (new MechanismRegistry([ntlmAcceptorMechanism(mechanisms)]) as unknown as MechanismRegistry<AcceptorMechanism<R, F>>);
  }

  get result(): NegotiateAcceptResult<R> | undefined {
    return this._result;
  }

  /** The chosen mechanism's context once the first leg picked one (NTLM's: NtlmAcceptorContext, for session security). */
  get context(): AcceptorContext<R, F> | undefined {
    return this.ctx;
  }

  /** The mechanism the first leg picked. */
  get mechanism(): AcceptorMechanism<R, F> | undefined {
    return this.chosen;
  }

  /** Feeds the client's next token, as bytes or as the leg a carrier already decoded (decodeNegotiateLeg over the same registry). */
  async step(input: Uint8Array | NegotiateLeg<AcceptorMechanism<R, F>>): Promise<NegotiateServerStep<R, F>> {
    const leg = input instanceof Uint8Array ? decodeNegotiateLeg(Buffer.from(input), this.mechanisms) : input;
    if (this.framing === 'unknown') return this.first(leg);
    // Raw framing: every later token is the mechanism's, whatever it looks like.
    if (this.framing === 'raw') return this.mechanismStep(leg.token, undefined);
    switch (leg.kind) {
      case 'malformed':
        return this.failed({ reason: 'malformed', message: leg.message, decodeCode: leg.code });
      case 'mechanism':
        // A bare mechanism token where SPNEGO framing was begun does not decode as a NegTokenResp.
        return this.failed({ reason: 'malformed', message: 'a bare mechanism token inside a SPNEGO exchange', decodeCode: 'UNEXPECTED_TAG' });
      case 'resp': {
        const { responseToken, mechListMIC } = leg.resp;
        if (!responseToken) return this.failed({ reason: 'unexpected-message', message: 'NegTokenResp carries no responseToken' });
        return this.mechanismStep(responseToken, mechListMIC);
      }
      default:
        return this.failed({ reason: 'unexpected-message', message: 'expected a NegTokenResp' });
    }
  }

  private async first(leg: NegotiateLeg<AcceptorMechanism<R, F>>): Promise<NegotiateServerStep<R, F>> {
    if (leg.kind === 'mechanism') {
      this.framing = 'raw';
      this.start(leg.mechanism);
      return this.mechanismStep(leg.token, undefined);
    }
    this.framing = 'spnego';
    switch (leg.kind) {
      case 'malformed':
        return this.failed({ reason: 'malformed', message: leg.message, decodeCode: leg.code });
      case 'resp':
        return this.failed({ reason: 'unexpected-message', message: 'expected a NegTokenInit' });
      case 'unserved':
        return this.failed({
          reason: 'no-common-mechanism',
          message: `the client offers ${leg.offered.join(', ') || 'no mechanism'}, none of them served here (${this.mechanisms.oids.join(', ')})`,
        });
      case 'init':
        break;
    }
    const { init, mechanism } = leg;
    this.start(mechanism);
    this.rawMechTypes = init.rawMechTypes;
    this.micRequired = init.mechTypes[0] !== mechanism.oid;
    // The optimistic token is for the client's first mechanism; when that is not the chosen one it
    // is dropped and the client is asked to start the chosen one in its next NegTokenResp.
    if (this.micRequired || !init.mechToken) {
      return { status: 'continue', token: encodeNegTokenResp({ negState: 'accept-incomplete', supportedMech: mechanism.oid }) };
    }
    return this.mechanismStep(init.mechToken, init.mechListMIC, true);
  }

  private start(mechanism: AcceptorMechanism<R, F>): void {
    this.chosen = mechanism;
    this.ctx = mechanism.newContext(this.handshake);
  }

  private async mechanismStep(token: Buffer, mechListMIC: Buffer | undefined, first = false): Promise<NegotiateServerStep<R, F>> {
    const ctx = this.ctx;
    const chosen = this.chosen;
    if (!ctx || !chosen) return this.failed({ reason: 'unexpected-message', message: 'no mechanism was chosen' });
    const step: MechanismStep<R, F> = await ctx.step(token);
    const raw = this.framing === 'raw';
    if (step.status === 'failed') return this.failed(step.failure);
    if (step.status === 'continue') {
      const out = raw
        ? step.token
        : encodeNegTokenResp({ negState: 'accept-incomplete', supportedMech: first ? chosen.oid : undefined, responseToken: step.token });
      return { status: 'continue', token: out };
    }
    const base = step.result;
    if (raw) {
      this._result = { ...base, framing: 'raw', mechListMicVerified: false };
      return { status: 'complete', token: step.token, result: this._result };
    }
    // RFC 4178 §4.2.2: the first reply names the chosen mechanism, also when it completes at once (Kerberos's optimistic AP-REQ).
    const supportedMech = first ? chosen.oid : undefined;
    const claimed = { user: base.account.name, domain: base.account.domain, workstation: base.workstation };
    // pyspnego #17 (after krb5): a mechListMIC equal to the responseToken is a client bug; ignore it.
    const mic = mechListMIC && !mechListMIC.equals(token) ? mechListMIC : undefined;
    if (!mic) {
      if (this.micRequired) {
        return this.failed({ reason: 'mechlistmic-missing', message: `${chosen.name} was not the first mechanism offered, so a mechListMIC is required`, claimed, result: base });
      }
      this._result = { ...base, framing: 'spnego', mechListMicVerified: false };
      return { status: 'complete', token: encodeNegTokenResp({ negState: 'accept-completed', supportedMech, responseToken: step.token }), result: this._result };
    }
    // A logon without a session key (NTLM's anonymous one, MS-NLMP §3.2.5.1.2) can neither sign nor verify a MIC.
    const integrity = ctx.integrity();
    if (!integrity) {
      const who = base.anonymous ? 'an anonymous logon has' : `this ${chosen.name} logon has`;
      return this.failed({ reason: 'mechlistmic-mismatch', message: `${who} no session key, so its mechListMIC cannot verify`, claimed, result: base });
    }
    if (!integrity.verify(this.rawMechTypes, mic)) {
      return this.failed({ reason: 'mechlistmic-mismatch', message: 'the mechListMIC does not verify', claimed, result: base });
    }
    const ours = integrity.sign(this.rawMechTypes);
    this._result = { ...base, framing: 'spnego', mechListMicVerified: true };
    return { status: 'complete', token: encodeNegTokenResp({ negState: 'accept-completed', supportedMech, responseToken: step.token, mechListMIC: ours }), result: this._result };
  }

  private failed(failure: NegotiateFailure<F>): NegotiateServerStep<R, F> {
    return { status: 'failed', token: this.framing === 'raw' ? undefined : REJECT(), failure };
  }
}
