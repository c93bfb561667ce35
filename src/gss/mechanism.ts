/**
 * The mechanism-neutral contract between a security mechanism (NTLM now, Kerberos next) and
 * what carries it (SPNEGO, the HTTP `Negotiate` and `NTLM` schemes), as Samba's gensec and
 * pyspnego's context proxy draw it: a mechanism is a state machine over tokens, named by its
 * GSS-API OID (RFC 2743 §3.1), that never throws on peer bytes and ends in a neutral
 * LogonResult. Nothing here knows a mechanism's wire format.
 */
import type { ChannelBindings } from './channelBindings.js';

/** The account a completed logon established, as the authority (DC, KDC, store) named it. */
export interface LogonAccount {
  readonly name: string;
  /** NetBIOS domain, or the computer name for a local account. */
  readonly domain: string;
  readonly sid?: string;
  readonly groups?: readonly string[];
}

/**
 * What every mechanism's completed logon yields. A mechanism adds its own details under a
 * property named after it (NTLM: `ntlm`, see ntlm/acceptorMechanism.ts), never at the top.
 */
export interface LogonResult {
  /** The mechanism's name as logs, audit and `IwaIdentity.mechanism` show it: `NTLM`, `Kerberos`. */
  readonly mechanism: string;
  /** Its GSS-API OID in dotted form. */
  readonly oid: string;
  readonly account: LogonAccount;
  readonly anonymous: boolean;
  /** The workstation the client named, when the mechanism carries one (its own claim). */
  readonly workstation?: string;
  /** The session key for message protection, when the mechanism established one. */
  readonly sessionKey?: Buffer;
}

/** Who a refused logon claimed to be, when the mechanism got that far (for the failure's audit). */
export interface ClaimedIdentity {
  readonly user: string;
  readonly domain: string;
  readonly workstation?: string;
}

/**
 * A refusal: a stable reason code for logs and audit, a message for people. The reason
 * `malformed` means the token did not decode (a carrier answers it as a bad request, RFC 2743
 * GSS_S_DEFECTIVE_TOKEN); every other reason is a well-formed token that was not accepted.
 */
export interface MechanismFailure {
  readonly reason: string;
  readonly message: string;
  /** The NTSTATUS name (or the mechanism's equivalent) the authority answered with. */
  readonly status?: string;
  readonly claimed?: ClaimedIdentity;
}

export type MechanismStep<R extends LogonResult = LogonResult, F extends MechanismFailure = MechanismFailure> =
  | { readonly status: 'continue'; readonly token: Buffer }
  /** `token`, when present, goes back to the peer (mutual authentication, the last leg). */
  | { readonly status: 'complete'; readonly token?: Buffer; readonly result: R }
  | { readonly status: 'failed'; readonly token?: Buffer; readonly failure: F };

/**
 * Integrity over caller data with the established context (RFC 2743 GSS_GetMIC /
 * GSS_VerifyMIC), which SPNEGO's mechListMIC needs (RFC 4178 §5), on either side of a
 * handshake. Each call protects one message in one
 * direction; a mechanism resets whatever stream state it must afterwards (NTLM: its RC4
 * handle, MS-SPNG §3.3.5.1).
 */
export interface MechanismIntegrity {
  /** Our MIC over `message`, to send. */
  sign(message: Buffer): Buffer;
  /** Whether `mic` is the peer's MIC over `message`. */
  verify(message: Buffer, mic: Buffer): boolean;
}

/** One acceptor context for one handshake. step() never rejects on peer bytes. */
export interface AcceptorContext<R extends LogonResult = LogonResult, F extends MechanismFailure = MechanismFailure> {
  step(token: Buffer): Promise<MechanismStep<R, F>>;
  /** Present once complete when the logon yielded a key to protect messages with; absent otherwise (an anonymous logon). */
  integrity(): MechanismIntegrity | undefined;
}

/** Extended Protection as IIS names its modes: Off (`ignore`), Accept, Require. */
export type ChannelBindingMode = 'ignore' | 'accept' | 'require';

/** What a carrier knows of the one handshake a context is made for. */
export interface AcceptorHandshake {
  /**
   * The logon attempt this handshake is: a mechanism passes it to its authority, so every
   * event one attempt produces (the acceptor's, the DC's) carries the same id.
   */
  readonly attemptId?: string;
  /** The channel this handshake runs on, to bind to: the mode and the bindings (or their 16-byte MD5) expected. */
  readonly channelBindings?: { readonly mode: ChannelBindingMode; readonly expected?: ChannelBindings | Uint8Array };
}

/** Where a bare token (no SPNEGO framing) sits in its mechanism's handshake. */
export type TokenPosition = 'initial' | 'continuation';

/** A mechanism as a carrier (SPNEGO, an HTTP scheme) sees it: its OID, its name and a factory of contexts. */
export interface AcceptorMechanism<R extends LogonResult = LogonResult, F extends MechanismFailure = MechanismFailure> {
  readonly oid: string;
  /** Display name, e.g. `NTLM`; also LogonResult.mechanism. */
  readonly name: string;
  /**
   * Whether a bare token (no SPNEGO, no RFC 2743 framing) is this mechanism's — NTLM's
   * `NTLMSSP\0` — and whether it opens a handshake; undefined when it is not this
   * mechanism's. A header check, not a decode.
   */
  recognizes?(token: Buffer): TokenPosition | undefined;
  /**
   * Whether a token of this mechanism decodes, without a context: lets a carrier tell a stray
   * later leg that is garbage (a bad request) from one that is well-formed but has no
   * handshake to finish. Absent: every token counts as well-formed.
   */
  wellFormed?(token: Buffer): boolean;
  newContext(handshake: AcceptorHandshake): AcceptorContext<R, F>;
}
