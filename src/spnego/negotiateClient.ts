/**
 * The initiator side of SPNEGO (RFC 4178) for HTTP `Negotiate`, wrapping the NTLM
 * initiator. It offers NTLMSSP with an optimistic NEGOTIATE, sends a mechListMIC
 * whenever the NTLM exchange carried a MIC (MS-SPNG §3.3.5.1), verifies the acceptor's,
 * and resets the NTLM RC4 state after each (pyspnego's and sspi-rs' rule).
 * With `raw: true` it sends bare NTLMSSP under Negotiate, as curl and Windows may.
 */
import { NtlmClientContext, type NtlmClientOptions } from '../ntlm/clientContext.js';
import { NtlmStateError } from '../ntlm/errors.js';
import { SpnegoDecodeError } from './errors.js';
import { OID_NTLMSSP } from './oids.js';
import { decodeNegotiationToken, encodeInitialToken, encodeMechTypeList, encodeNegTokenResp, isRawNtlmssp } from './tokens.js';

/** The acceptor answered negState = reject (RFC 4178 §4.2.2). */
export class NegotiateRejectedError extends Error {
  override readonly name = 'NegotiateRejectedError';
  readonly code = 'REJECTED';
}

export interface NegotiateClientOptions extends NtlmClientOptions {
  readonly raw?: boolean;
}

export class NegotiateClientContext {
  readonly ntlm: NtlmClientContext;
  private readonly mechTypes = [OID_NTLMSSP];
  private readonly mechTypesDer = encodeMechTypeList([OID_NTLMSSP]);
  private state: 'initial' | 'sent-init' | 'sent-auth' | 'complete' = 'initial';
  private micSent = false;
  private _mechListMicVerified = false;

  constructor(private readonly opts: NegotiateClientOptions) {
    this.ntlm = new NtlmClientContext(opts);
  }

  get complete(): boolean {
    return this.state === 'complete' || (this.state === 'sent-auth' && !this.micSent);
  }

  get mechListMicVerified(): boolean {
    return this._mechListMicVerified;
  }

  /** The first `Authorization: Negotiate` token. */
  initialToken(): Buffer {
    if (this.state !== 'initial') throw new NtlmStateError('WRONG_STATE', 'the initial token was already produced');
    this.state = 'sent-init';
    const negotiate = this.ntlm.negotiate();
    return this.opts.raw ? negotiate : encodeInitialToken({ mechTypes: this.mechTypes, mechToken: negotiate });
  }

  /**
   * Processes a server token. Returns the next token to send, or undefined when there is
   * nothing more to send (the final server token verified the exchange).
   * Throws SpnegoDecodeError / NtlmDecodeError on malformed input and on a rejection.
   */
  step(serverToken: Uint8Array): Buffer | undefined {
    const buf = Buffer.from(serverToken);
    if (this.state === 'sent-init') {
      if (this.opts.raw || isRawNtlmssp(buf)) {
        this.state = 'sent-auth';
        const auth = this.ntlm.authenticate(buf);
        if (this.opts.raw) return auth;
        return this.wrapAuthenticate(auth);
      }
      const d = decodeNegotiationToken(buf);
      if (d.kind !== 'resp') throw new SpnegoDecodeError('UNEXPECTED_TAG', 'expected a NegTokenResp from the acceptor');
      const { negState, supportedMech, responseToken } = d.token;
      if (negState === 'reject') throw new NegotiateRejectedError('the acceptor rejected the negotiation');
      if (supportedMech !== undefined && supportedMech !== OID_NTLMSSP) {
        throw new SpnegoDecodeError('BAD_OID', `the acceptor chose ${supportedMech}, which was not offered`);
      }
      if (!responseToken) throw new SpnegoDecodeError('MISSING_FIELD', 'the acceptor sent no NTLM CHALLENGE');
      this.state = 'sent-auth';
      return this.wrapAuthenticate(this.ntlm.authenticate(responseToken));
    }
    if (this.state === 'sent-auth') {
      if (this.opts.raw) throw new NtlmStateError('WRONG_STATE', 'raw NTLM has no third server token');
      const d = decodeNegotiationToken(buf);
      if (d.kind !== 'resp') throw new SpnegoDecodeError('UNEXPECTED_TAG', 'expected a NegTokenResp from the acceptor');
      if (d.token.negState === 'reject') throw new NegotiateRejectedError('the acceptor rejected the authentication');
      const mic = d.token.mechListMIC;
      if (mic && this.micSent) {
        const session = this.ntlm.session;
        session.verify(this.mechTypesDer, mic);
        session.resetCipherState('in');
        this._mechListMicVerified = true;
      }
      this.state = 'complete';
      return undefined;
    }
    throw new NtlmStateError('WRONG_STATE', `no server token expected in state ${this.state}`);
  }

  private wrapAuthenticate(auth: Buffer): Buffer {
    let mechListMIC: Buffer | undefined;
    if (this.ntlm.result.micSent) {
      const session = this.ntlm.session;
      mechListMIC = session.sign(this.mechTypesDer);
      session.resetCipherState('out');
      this.micSent = true;
    }
    return encodeNegTokenResp({ responseToken: auth, mechListMIC });
  }
}
