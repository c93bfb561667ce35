/**
 * NTLM as an AcceptorMechanism (src/gss): NtlmServerContext behind the neutral contract, so
 * SPNEGO and the HTTP schemes choose it from a registry like any other mechanism. Every check
 * stays in NtlmServerContext; this adapter only maps its steps to the neutral shapes, names
 * the claimed account of a refusal, and gives SPNEGO the mechListMIC through NTLM session
 * security (MS-SPNG §3.3.5.1: the RC4 state is reset after each MIC, sequence numbers carry on).
 */
import type {
  AcceptorContext,
  AcceptorHandshake,
  AcceptorMechanism,
  ClaimedIdentity,
  LogonResult,
  MechanismIntegrity,
  MechanismStep,
  TokenPosition,
} from '../gss/mechanism.js';
import type { AccountInfo } from './authority.js';
import { NtlmDecodeError, NtlmIntegrityError } from './errors.js';
import { decodeMessage, isNtlmMessage } from './messages/index.js';
import { OID_NTLMSSP } from './oid.js';
import { NtlmServerContext, type NtlmAcceptResult, type NtlmFailure, type NtlmServerOptions } from './serverContext.js';


/** A completed NTLM logon: the neutral result, with everything NTLM itself established under `ntlm`. */
export interface NtlmLogonResult extends LogonResult {
  readonly mechanism: 'NTLM';
  readonly account: AccountInfo;
  readonly workstation: string;
  /** Version, flags, MIC, channel bindings, target name and session keys, as NtlmServerContext found them. */
  readonly ntlm: NtlmAcceptResult;
}

/** An NTLM refusal: NtlmFailure (with `logon` once the AUTHENTICATE parsed) as a neutral failure. */
export interface NtlmMechanismFailure extends NtlmFailure {
  readonly claimed?: ClaimedIdentity;
}

/** Whether a logon was NTLM's, and so has its `ntlm` details. */
export function isNtlmLogon(r: LogonResult): r is NtlmLogonResult {
  return r.oid === OID_NTLMSSP && 'ntlm' in r;
}

export function ntlmLogonResult(r: NtlmAcceptResult): NtlmLogonResult {
  return {
    mechanism: 'NTLM',
    oid: OID_NTLMSSP,
    account: r.account,
    anonymous: r.anonymous,
    workstation: r.workstation,
    // An anonymous logon's keys are zeros (MS-NLMP §3.2.5.1.2): nothing to protect messages with.
    sessionKey: r.anonymous ? undefined : r.sessionKeys.exportedSessionKey,
    ntlm: r,
  };
}

function mechanismFailure(f: NtlmFailure): NtlmMechanismFailure {
  const l = f.logon;
  return l ? { ...f, claimed: { user: l.user, domain: l.domain, workstation: l.workstation } } : f;
}

export class NtlmAcceptorContext implements AcceptorContext<NtlmLogonResult, NtlmMechanismFailure> {
  /** The NTLM context itself, for session security once complete. */
  readonly ntlm: NtlmServerContext;

  constructor(options: NtlmServerOptions) {
    this.ntlm = new NtlmServerContext(options);
  }

  async step(token: Buffer): Promise<MechanismStep<NtlmLogonResult, NtlmMechanismFailure>> {
    const s = await this.ntlm.step(token);
    if (s.status === 'continue') return s;
    if (s.status === 'failed') return { status: 'failed', failure: mechanismFailure(s.failure) };
    return { status: 'complete', result: ntlmLogonResult(s.result) };
  }

  integrity(): MechanismIntegrity | undefined {
    if (!this.ntlm.complete || this.ntlm.result.anonymous) return undefined;
    const session = this.ntlm.session;
    return {
      verify(data, mic) {
        try {
          session.verify(data, mic);
        } catch (e) {
          if (e instanceof NtlmIntegrityError) return false;
          throw e;
        }
        session.resetCipherState('in');
        return true;
      },
      sign(data) {
        const mic = session.sign(data);
        session.resetCipherState('out');
        return mic;
      },
    };
  }
}

/**
 * The NTLM acceptor mechanism. `options` are the acceptor's settings; each handshake's channel
 * bindings and attempt id (AcceptorHandshake) are added per context, the attempt id on every
 * request to the authority.
 */
export function ntlmAcceptorMechanism(options: NtlmServerOptions): AcceptorMechanism<NtlmLogonResult, NtlmMechanismFailure> {
  return {
    oid: OID_NTLMSSP,
    name: 'NTLM',
    recognizes(token: Buffer): TokenPosition | undefined {
      if (!isNtlmMessage(token)) return undefined;
      // MessageType 1 (NEGOTIATE) opens a handshake (MS-NLMP §2.2.1.1); anything else continues one.
      return token.length >= 12 && token.readUInt32LE(8) === 1 ? 'initial' : 'continuation';
    },
    wellFormed(token: Buffer): boolean {
      try {
        decodeMessage(token);
        return true;
      } catch (e) {
        if (e instanceof NtlmDecodeError) return false;
        throw e;
      }
    },
    newContext(handshake: AcceptorHandshake): NtlmAcceptorContext {
      const { attemptId, channelBindings } = handshake;
      const authority = options.authority;
      return new NtlmAcceptorContext({
        ...options,
        channelBindings: channelBindings ?? options.channelBindings,
        authority: attemptId === undefined ? authority : { validate: (req) => authority.validate({ ...req, attemptId }) },
      });
    },
  };
}
