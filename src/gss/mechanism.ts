/**
 * The mechanism-neutral contract between a security mechanism (NTLM now, Kerberos next) and
 * what carries it (SPNEGO, the HTTP `NTLM` scheme), as Samba's gensec and pyspnego's context
 * proxy draw it: a mechanism is a state machine over tokens, named by its GSS-API OID
 * (RFC 2743 §3.1), that never throws on peer bytes and ends in a neutral LogonResult.
 * Nothing here knows a mechanism's wire format.
 */

/** The account a completed logon established, as the authority (DC, KDC, store) named it. */
export interface LogonAccount {
  readonly name: string;
  /** NetBIOS domain, or the computer name for a local account. */
  readonly domain: string;
  readonly sid?: string;
  readonly groups?: readonly string[];
}

/** What every mechanism's completed logon yields; `ntlm` and friends hang mechanism details off it. */
export interface LogonResult {
  /** The mechanism's name as logs and `IwaIdentity.mechanism` show it: `NTLM`, `Kerberos`. */
  readonly mechanism: string;
  /** Its GSS-API OID in dotted form. */
  readonly oid: string;
  readonly account: LogonAccount;
  readonly anonymous: boolean;
  /** The session key for message protection, when the mechanism established one. */
  readonly sessionKey?: Buffer;
}

/** A refusal: a stable reason code for logs and audit, a message for people. */
export interface MechanismFailure {
  readonly reason: string;
  readonly message: string;
}

export type MechanismStep<R extends LogonResult = LogonResult, F extends MechanismFailure = MechanismFailure> =
  | { readonly status: 'continue'; readonly token: Buffer }
  /** `token`, when present, goes back to the peer (mutual authentication, the last leg). */
  | { readonly status: 'complete'; readonly token?: Buffer; readonly result: R }
  | { readonly status: 'failed'; readonly token?: Buffer; readonly failure: F };

/** One acceptor context for one handshake. step() never rejects on peer bytes. */
export interface AcceptorContext<R extends LogonResult = LogonResult, F extends MechanismFailure = MechanismFailure> {
  step(token: Buffer): Promise<MechanismStep<R, F>>;
}

/** One initiator context for one handshake; `step()` with no token makes the first one. */
export interface InitiatorContext {
  step(token?: Buffer): Promise<MechanismStep<LogonResult> | { readonly status: 'continue'; readonly token: Buffer }>;
}

/** A mechanism as a carrier (SPNEGO) sees it: its OID and a factory of contexts. */
export interface AcceptorMechanism<R extends LogonResult = LogonResult, F extends MechanismFailure = MechanismFailure> {
  readonly oid: string;
  /** Display name, e.g. `NTLM`; also LogonResult.mechanism. */
  readonly name: string;
  /** Whether a bare token (no SPNEGO framing) belongs to this mechanism, e.g. `NTLMSSP\0`. */
  recognizes?(token: Buffer): boolean;
  newContext(): AcceptorContext<R, F>;
}
