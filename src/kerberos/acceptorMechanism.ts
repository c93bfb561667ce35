/**
 * Kerberos as an AcceptorMechanism (src/gss): KerberosServerContext behind the neutral
 * contract, as ntlm/acceptorMechanism.ts does for NTLM. Every check stays in the context;
 * this adapter maps its steps to the neutral shapes.
 *
 * Two OIDs, one mechanism: RFC 4121's 1.2.840.113554.1.2.2 and Microsoft's legacy
 * 1.2.840.48018.1.2.2, which Windows lists first in its mechTypes (MS-SPNG §3.3.5.2). The
 * registry maps one OID to one mechanism, so kerberosMechanisms() returns two registrations
 * that share the options and the replay cache: SPNEGO picks the one the client listed first
 * and echoes its OID as supportedMech, and the client's first choice is then the chosen one
 * (no mechListMIC demanded of it). The AP-REP's own GSS framing echoes whichever OID the
 * AP-REQ token carried.
 */
import type {
  AcceptorContext,
  AcceptorHandshake,
  AcceptorMechanism,
  LogonResult,
  MechanismIntegrity,
  MechanismStep,
} from '../gss/mechanism.js';
import { KerberosDecodeError } from './errors.js';
import { decodeApReqToken, KRB5_LEGACY_OID, KRB5_OID } from './gssToken.js';
import { ReplayCache } from './replayCache.js';
import {
  KerberosServerContext,
  type KerberosAcceptResult,
  type KerberosFailure,
  type KerberosServerOptions,
} from './serverContext.js';

/** A completed Kerberos logon: the neutral result, with everything the acceptor established under `kerberos`. */
export interface KerberosLogonResult extends LogonResult {
  readonly mechanism: 'Kerberos';
  readonly kerberos: KerberosAcceptResult;
}

export type KerberosMechanismFailure = KerberosFailure;

/** Whether a logon was Kerberos's, and so has its `kerberos` details. */
export function isKerberosLogon(r: LogonResult): r is KerberosLogonResult {
  return r.mechanism === 'Kerberos' && 'kerberos' in r;
}

export function kerberosLogonResult(r: KerberosAcceptResult, oid: string): KerberosLogonResult {
  return {
    mechanism: 'Kerberos',
    oid,
    account: r.account,
    anonymous: false,
    sessionKey: Buffer.from(r.contextKey.keyvalue),
    kerberos: r,
  };
}

export class KerberosAcceptorContext implements AcceptorContext<KerberosLogonResult, KerberosMechanismFailure> {
  /** The Kerberos context itself. */
  readonly kerberos: KerberosServerContext;

  constructor(
    options: KerberosServerOptions,
    private readonly oid: string,
  ) {
    this.kerberos = new KerberosServerContext(options);
  }

  step(token: Buffer): Promise<MechanismStep<KerberosLogonResult, KerberosMechanismFailure>> {
    const s = this.kerberos.step(token);
    if (s.status === 'failed') return Promise.resolve(s);
    const result = kerberosLogonResult(s.result, this.oid);
    return Promise.resolve(s.token === undefined ? { status: 'complete', result } : { status: 'complete', token: s.token, result });
  }

  integrity(): MechanismIntegrity | undefined {
    return this.kerberos.integrity();
  }
}

/** The acceptor's settings; `replayCache` defaults to one cache for every context of the mechanism. */
export type KerberosMechanismOptions = Omit<KerberosServerOptions, 'replayCache'> & { readonly replayCache?: ReplayCache };

/**
 * The Kerberos acceptor mechanism under one OID (KRB5_OID by default). Each handshake's
 * channel bindings (AcceptorHandshake) replace the options' for its context.
 */
export function kerberosMechanism(
  options: KerberosMechanismOptions,
  oid: string = KRB5_OID,
): AcceptorMechanism<KerberosLogonResult, KerberosMechanismFailure> {
  if (oid !== KRB5_OID && oid !== KRB5_LEGACY_OID) throw new RangeError(`not a Kerberos mechanism OID: ${oid}`);
  const replayCache = options.replayCache ?? new ReplayCache();
  const shared: KerberosServerOptions = { ...options, replayCache };
  return {
    oid,
    name: 'Kerberos',
    // A bare Kerberos token is RFC 2743-framed with its OID, which the carrier reads (spnego/leg.ts): no recognizes().
    wellFormed(token: Buffer): boolean {
      try {
        decodeApReqToken(token);
        return true;
      } catch (e) {
        if (e instanceof KerberosDecodeError) return false;
        throw e;
      }
    },
    newContext(handshake: AcceptorHandshake): KerberosAcceptorContext {
      const { channelBindings } = handshake;
      return new KerberosAcceptorContext(channelBindings ? { ...shared, channelBindings } : shared, oid);
    },
  };
}

/**
 * Both registrations, Microsoft's legacy OID first as Windows orders them, sharing one replay
 * cache: what a MechanismRegistry takes (before NTLM, which Kerberos should win over).
 */
export function kerberosMechanisms(options: KerberosMechanismOptions): [
  AcceptorMechanism<KerberosLogonResult, KerberosMechanismFailure>,
  AcceptorMechanism<KerberosLogonResult, KerberosMechanismFailure>,
] {
  const shared = { ...options, replayCache: options.replayCache ?? new ReplayCache() };
  return [kerberosMechanism(shared, KRB5_LEGACY_OID), kerberosMechanism(shared, KRB5_OID)];
}
