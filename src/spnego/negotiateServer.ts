/**
 * The acceptor side of SPNEGO (RFC 4178) for HTTP `Negotiate`, wrapping an NTLM acceptor
 * (Kerberos is not served). A raw NTLMSSP token under `Negotiate` — what Windows and curl send
 * — is accepted and answered raw. mechListMIC handling follows RFC 4178 §5 and
 * MS-SPNG §3.3.5.1: verify the initiator's MIC over the DER MechTypeList it sent, answer
 * with ours, and reset the NTLM RC4 state after each.
 */
import { NtlmIntegrityError } from '../ntlm/errors.js';
import {
  NtlmServerContext,
  type NtlmAcceptResult,
  type NtlmFailure,
  type NtlmFailureReason,
  type NtlmServerOptions,
} from '../ntlm/serverContext.js';
import { SpnegoDecodeError } from './errors.js';
import { OID_NTLMSSP } from './oids.js';
import { decodeNegotiationToken, encodeNegTokenResp, isRawNtlmssp, type DecodedNegotiationToken } from './tokens.js';

export type NegotiateFailureReason = NtlmFailureReason | 'no-common-mechanism' | 'mechlistmic-missing' | 'mechlistmic-mismatch';

export interface NegotiateFailure extends Omit<NtlmFailure, 'reason'> {
  readonly reason: NegotiateFailureReason;
}

export interface NegotiateAcceptResult extends NtlmAcceptResult {
  readonly mechanism: 'NTLM';
  /** `spnego`: NTLM inside SPNEGO; `raw`: a bare NTLMSSP token sent under the Negotiate scheme. */
  readonly framing: 'spnego' | 'raw';
  readonly mechListMicVerified: boolean;
}

export type NegotiateServerStep =
  | { readonly status: 'continue'; readonly token: Buffer }
  /** `token`, when present, goes back to the client (the final NegTokenResp). */
  | { readonly status: 'complete'; readonly token?: Buffer; readonly result: NegotiateAcceptResult }
  | { readonly status: 'failed'; readonly token?: Buffer; readonly failure: NegotiateFailure };

type Framing = 'unknown' | 'spnego' | 'raw';

const REJECT = (): Buffer => encodeNegTokenResp({ negState: 'reject' });

export class NegotiateServerContext {
  private readonly ntlm: NtlmServerContext;
  private framing: Framing = 'unknown';
  private rawMechTypes: Buffer = Buffer.alloc(0);
  /** RFC 4178 §5: the MIC exchange is mandatory when NTLM was not the initiator's first choice. */
  private micRequired = false;
  private _result: NegotiateAcceptResult | undefined;

  constructor(options: NtlmServerOptions) {
    this.ntlm = new NtlmServerContext(options);
  }

  get result(): NegotiateAcceptResult | undefined {
    return this._result;
  }

  /** The NTLM context, for session security once complete. */
  get mechanism(): NtlmServerContext {
    return this.ntlm;
  }

  async step(token: Uint8Array): Promise<NegotiateServerStep> {
    const buf = Buffer.from(token);
    if (this.framing === 'unknown') {
      if (isRawNtlmssp(buf)) {
        this.framing = 'raw';
        return this.ntlmStep(buf, undefined);
      }
      this.framing = 'spnego';
      return this.first(buf);
    }
    if (this.framing === 'raw') return this.ntlmStep(buf, undefined);
    const decoded = this.decode(buf, 'resp');
    if ('status' in decoded) return decoded;
    const { responseToken, mechListMIC } = decoded.token;
    if (!responseToken) return this.failed({ reason: 'unexpected-message', message: 'NegTokenResp carries no responseToken' });
    return this.ntlmStep(responseToken, mechListMIC);
  }

  private async first(buf: Buffer): Promise<NegotiateServerStep> {
    const decoded = this.decode(buf, 'init');
    if ('status' in decoded) return decoded;
    const init = decoded.token;
    const index = init.mechTypes.indexOf(OID_NTLMSSP);
    if (index < 0) {
      return this.failed({
        reason: 'no-common-mechanism',
        message: `the client offers ${init.mechTypes.join(', ') || 'no mechanism'}, NTLM is not among them`,
      });
    }
    this.rawMechTypes = init.rawMechTypes;
    this.micRequired = index > 0;
    // The optimistic token is for the client's first mechanism; when that is not NTLM it is dropped
    // and the client is asked to start NTLM in its next NegTokenResp.
    if (index > 0 || !init.mechToken) {
      return { status: 'continue', token: encodeNegTokenResp({ negState: 'accept-incomplete', supportedMech: OID_NTLMSSP }) };
    }
    return this.ntlmStep(init.mechToken, init.mechListMIC, true);
  }

  private async ntlmStep(token: Buffer, mechListMIC: Buffer | undefined, first = false): Promise<NegotiateServerStep> {
    const step = await this.ntlm.step(token);
    const raw = this.framing === 'raw';
    if (step.status === 'failed') return this.failed(step.failure);
    if (step.status === 'continue') {
      const out = raw
        ? step.token
        : encodeNegTokenResp({ negState: 'accept-incomplete', supportedMech: first ? OID_NTLMSSP : undefined, responseToken: step.token });
      return { status: 'continue', token: out };
    }
    const base = step.result;
    if (raw) {
      this._result = { ...base, mechanism: 'NTLM', framing: 'raw', mechListMicVerified: false };
      return { status: 'complete', result: this._result };
    }
    // pyspnego #17 (after krb5): a mechListMIC equal to the responseToken is a client bug; ignore it.
    const mic = mechListMIC && !mechListMIC.equals(token) ? mechListMIC : undefined;
    if (!mic) {
      if (this.micRequired) {
        return this.failed({ reason: 'mechlistmic-missing', message: 'NTLM was not the first mechanism offered, so a mechListMIC is required', logon: base });
      }
      this._result = { ...base, mechanism: 'NTLM', framing: 'spnego', mechListMicVerified: false };
      return { status: 'complete', token: encodeNegTokenResp({ negState: 'accept-completed' }), result: this._result };
    }
    // An anonymous logon has no session key (MS-NLMP §3.2.5.1.2), so nothing can sign or verify a MIC.
    if (base.anonymous) {
      return this.failed({ reason: 'mechlistmic-mismatch', message: 'an anonymous logon has no session key, so its mechListMIC cannot verify', logon: base });
    }
    const session = this.ntlm.session;
    try {
      session.verify(this.rawMechTypes, mic);
    } catch (e) {
      if (!(e instanceof NtlmIntegrityError)) throw e;
      return this.failed({ reason: 'mechlistmic-mismatch', message: 'the mechListMIC does not verify', logon: base });
    }
    session.resetCipherState('in');
    const ours = session.sign(this.rawMechTypes);
    session.resetCipherState('out');
    this._result = { ...base, mechanism: 'NTLM', framing: 'spnego', mechListMicVerified: true };
    return { status: 'complete', token: encodeNegTokenResp({ negState: 'accept-completed', mechListMIC: ours }), result: this._result };
  }

  /** Decodes the token and checks its kind; a failure comes back as the step to return. */
  private decode<K extends DecodedNegotiationToken['kind']>(
    buf: Buffer,
    kind: K,
  ): Extract<DecodedNegotiationToken, { kind: K }> | NegotiateServerStep {
    let decoded: DecodedNegotiationToken;
    try {
      decoded = decodeNegotiationToken(buf);
    } catch (e) {
      if (e instanceof SpnegoDecodeError) return this.failed({ reason: 'malformed', message: e.message, decodeCode: e.code });
      throw e;
    }
    if (decoded.kind !== kind) {
      return this.failed({ reason: 'unexpected-message', message: `expected a ${kind === 'init' ? 'NegTokenInit' : 'NegTokenResp'}` });
    }
    return decoded as Extract<DecodedNegotiationToken, { kind: K }>;
  }

  private failed(failure: NegotiateFailure): NegotiateServerStep {
    return { status: 'failed', token: this.framing === 'raw' ? undefined : REJECT(), failure };
  }
}
