/**
 * The initiator side of the mechanism-neutral contract: what a carrier (the SPNEGO initiator,
 * the HTTP `NTLM` scheme) needs from a mechanism that starts a handshake. A context is a state
 * machine over tokens (RFC 2743 §2.2.1 GSS_Init_sec_context): `step()` with no token makes the
 * first one, every later call answers the acceptor's. It never throws on the acceptor's bytes:
 * a token it cannot use ends it as `failed`.
 *
 * `step()` is synchronous: an HTTP driver decides at a response's head whether the caller gets
 * it, and a final token (RFC 4559 §5) is verified there. A mechanism that needs I/O before it
 * can answer (a Kerberos TGS exchange) acquires its credentials before its context is made.
 */
import type { MechanismFailure, MechanismIntegrity } from './mechanism.js';

/** A refusal by the initiator; `cause` is the typed error behind it (a decode error, say). */
export interface InitiatorFailure extends MechanismFailure {
  readonly cause?: unknown;
}

export type InitiatorStep =
  | { readonly status: 'continue'; readonly token: Buffer }
  /** The initiator's side is established; `token`, when present, is its last one for the acceptor. */
  | { readonly status: 'complete'; readonly token?: Buffer }
  | { readonly status: 'failed'; readonly failure: InitiatorFailure };


/** One initiator context for one handshake. */
export interface InitiatorContext {
  step(token?: Buffer): InitiatorStep;
  /**
   * Integrity for the mechListMIC once complete, or undefined when this exchange offers none
   * (MS-SPNG §3.3.5.1: NTLM signs it only when its AUTHENTICATE carried a MIC).
   */
  mechListMic(): MechanismIntegrity | undefined;
}

/** A mechanism as the SPNEGO initiator sees it: its OID, its name and a factory of contexts. */
export interface InitiatorMechanism<C extends InitiatorContext = InitiatorContext> {
  /** GSS-API OID in dotted form (RFC 2743 §3.1), as SPNEGO's mechTypes list it. */
  readonly oid: string;
  /** Display name, e.g. `NTLM`. */
  readonly name: string;
  newContext(): C;
}
