/**
 * The initiator side of SPNEGO (RFC 4178) for HTTP `Negotiate`, over a registry of initiator
 * mechanisms (src/gss/initiator.ts; NTLM unless told otherwise). It offers every registered
 * OID in preference order with an optimistic token for the first (§3.2), follows the
 * acceptor's supportedMech to the mechanism it chose, sends a mechListMIC whenever the chosen
 * mechanism offers one (MS-SPNG §3.3.5.1: NTLM does when its AUTHENTICATE carried a MIC) and
 * verifies the acceptor's. With `raw: true` it sends bare NTLMSSP under Negotiate, as curl
 * and Windows may.
 */
import type { InitiatorContext, InitiatorFailure, InitiatorMechanism } from '../gss/initiator.js';
import { MechanismRegistry } from '../gss/registry.js';
import { NtlmClientContext, ntlmInitiator, type NtlmClientOptions } from '../ntlm/clientContext.js';
import { NtlmStateError } from '../ntlm/errors.js';
import { SpnegoDecodeError } from './errors.js';
import { OID_NTLMSSP } from './oids.js';
import { decodeNegotiationToken, encodeInitialToken, encodeMechTypeList, encodeNegTokenResp, isRawNtlmssp, type NegTokenResp } from './tokens.js';

/** The acceptor answered negState = reject (RFC 4178 §4.2.2). */
export class NegotiateRejectedError extends Error {
  override readonly name = 'NegotiateRejectedError';
  readonly code = 'REJECTED';
}

export type NegotiateMechanismErrorCode =
  /** The acceptor's supportedMech is none of the registered mechanisms we offered. */
  | 'UNREGISTERED_MECHANISM'
  /** The chosen mechanism refused the acceptor's token without a typed cause of its own. */
  | 'MECHANISM_FAILED'
  /** The acceptor's mechListMIC does not verify (RFC 4178 §5). */
  | 'MECHLISTMIC_MISMATCH'
  /** The options name no usable mechanism (an empty registry, `raw` without NTLM). */
  | 'BAD_OPTION';

/** What goes wrong in the negotiation itself, as opposed to inside a mechanism's tokens. */
export class NegotiateMechanismError extends Error {
  override readonly name = 'NegotiateMechanismError';
  constructor(
    readonly code: NegotiateMechanismErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface CommonOptions {
  /** Send the first mechanism's token bare (it must be NTLM: a bare NTLMSSP under Negotiate). */
  readonly raw?: boolean;
}

/**
 * Either the NTLM initiator's options (the registry is then NTLM alone, as it always was) or a
 * registry of initiator mechanisms in preference order.
 */
export type NegotiateClientOptions =
  | (NtlmClientOptions & CommonOptions & { readonly mechanisms?: undefined })
  | (CommonOptions & { readonly mechanisms: MechanismRegistry<InitiatorMechanism> });

type State = 'initial' | 'sent-init' | 'mechanism' | 'mech-complete' | 'complete';

export class NegotiateClientContext {
  private readonly registry: MechanismRegistry<InitiatorMechanism>;
  private readonly raw: boolean;
  private readonly mechTypesDer: Buffer;
  private state: State = 'initial';
  private chosen: InitiatorMechanism | undefined;
  private context: InitiatorContext | undefined;
  private micSent = false;
  private _mechListMicVerified = false;

  constructor(options: NegotiateClientOptions) {
    this.registry = options.mechanisms ?? new MechanismRegistry<InitiatorMechanism>([ntlmInitiator(options)]);
    this.raw = options.raw === true;
    const first = this.registry.mechanisms[0];
    if (first === undefined) throw new NegotiateMechanismError('BAD_OPTION', 'no initiator mechanism is registered');
    if (this.raw && first.oid !== OID_NTLMSSP) throw new NegotiateMechanismError('BAD_OPTION', `raw Negotiate sends bare NTLMSSP, but the first mechanism is ${first.name}`);
    this.mechTypesDer = encodeMechTypeList(this.registry.oids);
  }

  get complete(): boolean {
    return this.state === 'complete' || (this.state === 'mech-complete' && !this.micSent);
  }

  get mechListMicVerified(): boolean {
    return this._mechListMicVerified;
  }

  /** The mechanism the negotiation settled on (the optimistic one until the acceptor answers). */
  get mechanism(): InitiatorMechanism | undefined {
    return this.chosen;
  }

  /** The NTLM context, when NTLM is the mechanism in use (its result and session security). */
  get ntlm(): NtlmClientContext {
    if (!(this.context instanceof NtlmClientContext)) throw new NtlmStateError('WRONG_STATE', `the mechanism in use is ${this.chosen?.name ?? 'none yet'}, not NTLM`);
    return this.context;
  }

  /** The first `Authorization: Negotiate` token: the mechTypes and the first mechanism's optimistic token. */
  initialToken(): Buffer {
    if (this.state !== 'initial') throw new NtlmStateError('WRONG_STATE', 'the initial token was already produced');
    this.state = 'sent-init';
    const first = this.registry.mechanisms[0] as InitiatorMechanism;
    const token = this.begin(first);
    return this.raw ? token : encodeInitialToken({ mechTypes: [...this.registry.oids], mechToken: token });
  }

  /**
   * Processes an acceptor token. Returns the next token to send, or undefined when there is
   * nothing more to send (the final acceptor token verified the exchange).
   * Throws SpnegoDecodeError on a malformed token, NegotiateRejectedError on a rejection,
   * NegotiateMechanismError on an unregistered choice or a mechListMIC that does not verify,
   * and a mechanism's own typed error (NtlmDecodeError …) when it refused the acceptor's token.
   */
  step(serverToken: Uint8Array): Buffer | undefined {
    const buf = Buffer.from(serverToken);
    if (this.state === 'sent-init') {
      if (this.raw || isRawNtlmssp(buf)) {
        // The acceptor answered bare NTLMSSP (MS-SPNG §3.1.5.1 allows it): only NTLM can take that.
        if (this.chosen?.oid !== OID_NTLMSSP) throw new SpnegoDecodeError('UNEXPECTED_TAG', `a bare NTLMSSP answer, but the optimistic mechanism is ${this.chosen?.name ?? 'none'}`);
        const token = this.mechanismStep(buf);
        return this.raw ? token : this.wrap(token);
      }
      const resp = this.resp(buf, 'negotiation');
      const supported = resp.supportedMech ?? this.chosen?.oid;
      if (supported !== this.chosen?.oid) {
        // RFC 4178 §3.2: the acceptor chose another of our mechanisms; the optimistic token is void.
        const next = supported === undefined ? undefined : this.registry.get(supported);
        if (next === undefined) throw new NegotiateMechanismError('UNREGISTERED_MECHANISM', `the acceptor chose ${String(supported)}, which was not offered`);
        this.state = 'mechanism';
        return this.wrap(this.begin(next));
      }
      if (!resp.responseToken) throw new SpnegoDecodeError('MISSING_FIELD', `the acceptor sent no ${this.chosen?.name ?? ''} token`);
      this.state = 'mechanism';
      return this.wrap(this.mechanismStep(resp.responseToken));
    }
    if (this.state === 'mechanism') {
      const resp = this.resp(buf, 'negotiation');
      if (!resp.responseToken) throw new SpnegoDecodeError('MISSING_FIELD', `the acceptor sent no ${this.chosen?.name ?? ''} token`);
      return this.wrap(this.mechanismStep(resp.responseToken));
    }
    if (this.state === 'mech-complete') {
      if (this.raw) throw new NtlmStateError('WRONG_STATE', 'raw NTLM has no third server token');
      const resp = this.resp(buf, 'authentication');
      const mic = resp.mechListMIC;
      if (mic && this.micSent) {
        const integrity = (this.context as InitiatorContext).mechListMic();
        if (!integrity?.verify(this.mechTypesDer, mic)) throw new NegotiateMechanismError('MECHLISTMIC_MISMATCH', "the acceptor's mechListMIC does not verify");
        this._mechListMicVerified = true;
      }
      this.state = 'complete';
      return undefined;
    }
    throw new NtlmStateError('WRONG_STATE', `no server token expected in state ${this.state}`);
  }

  /** Starts `mechanism`'s context and returns its first token. */
  private begin(mechanism: InitiatorMechanism): Buffer {
    this.chosen = mechanism;
    this.context = mechanism.newContext();
    const step = this.context.step();
    if (step.status === 'failed') throw this.failure(step.failure);
    if (step.token === undefined) throw new NegotiateMechanismError('MECHANISM_FAILED', `${mechanism.name} produced no initial token`);
    if (step.status === 'complete') this.state = 'mech-complete';
    return step.token;
  }

  /** One step of the chosen mechanism on the acceptor's token; returns the token to send back, if any. */
  private mechanismStep(token: Buffer): Buffer | undefined {
    const step = (this.context as InitiatorContext).step(token);
    if (step.status === 'failed') throw this.failure(step.failure);
    this.state = step.status === 'complete' ? 'mech-complete' : 'mechanism';
    return step.token;
  }

  private failure(f: InitiatorFailure): Error {
    if (f.cause instanceof Error) return f.cause;
    return new NegotiateMechanismError('MECHANISM_FAILED', `${this.chosen?.name ?? 'the mechanism'}: ${f.message}`);
  }

  private resp(buf: Buffer, stage: 'negotiation' | 'authentication'): NegTokenResp {
    const d = decodeNegotiationToken(buf);
    if (d.kind !== 'resp') throw new SpnegoDecodeError('UNEXPECTED_TAG', 'expected a NegTokenResp from the acceptor');
    if (d.token.negState === 'reject') throw new NegotiateRejectedError(`the acceptor rejected the ${stage}`);
    return d.token;
  }

  /** The NegTokenResp carrying a mechanism token, with our mechListMIC once the mechanism completed (RFC 4178 §5). */
  private wrap(token: Buffer | undefined): Buffer | undefined {
    let mechListMIC: Buffer | undefined;
    if (this.state === 'mech-complete') {
      const integrity = (this.context as InitiatorContext).mechListMic();
      if (integrity) {
        mechListMIC = integrity.sign(this.mechTypesDer);
        this.micSent = true;
      }
    }
    if (token === undefined && mechListMIC === undefined) return undefined;
    return encodeNegTokenResp({ responseToken: token, mechListMIC });
  }
}
