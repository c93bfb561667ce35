/**
 * One leg of a `Negotiate` handshake, decoded once: what the client sent and, where it says,
 * which registered mechanism it is for. The carrier (the HTTP handler) reads the kind to answer
 * garbage (400) and foreign tokens (401) before any context exists, and hands the same leg to
 * NegotiateServerContext, which does not decode it again.
 *
 * What a token can be under `Negotiate` (RFC 4559 §4, MS-SPNG §3.3):
 * - a mechanism's bare token (NTLMSSP, which Windows and curl send unwrapped), found by the
 *   registered mechanisms' `recognizes()`;
 * - an RFC 2743 §3.1 InitialContextToken: for SPNEGO its NegotiationToken follows; for another
 *   OID it is that mechanism's own initial token (a bare Kerberos AP-REQ), whose body is the
 *   mechanism's and is not read here;
 * - a bare NegotiationToken ([0] NegTokenInit, [1] NegTokenResp).
 * A token for no registered mechanism is `unserved`, whichever way it named its mechanisms.
 */
import { readElementHeader, UniversalTag } from '../der/decode.js';
import { decodeOidContent } from '../der/oid.js';
import type { AcceptorMechanism } from '../gss/mechanism.js';
import type { MechanismRegistry } from '../gss/registry.js';
import { toSpnegoError } from './der.js';
import { SpnegoDecodeError } from './errors.js';
import { OID_SPNEGO } from './oids.js';
import { decodeNegotiationToken, type DecodedNegTokenInit, type NegTokenResp } from './tokens.js';

export type NegotiateLeg<M extends AcceptorMechanism = AcceptorMechanism> =
  /** A mechanism's own token: bare (NTLMSSP), or RFC 2743-framed for a registered OID. */
  | { readonly kind: 'mechanism'; readonly token: Buffer; readonly mechanism: M; readonly initial: boolean }
  /** A NegTokenInit; `mechanism` is the first of the client's mechTypes we serve (RFC 4178 §3.2). */
  | { readonly kind: 'init'; readonly token: Buffer; readonly init: DecodedNegTokenInit; readonly mechanism: M }
  | { readonly kind: 'resp'; readonly token: Buffer; readonly resp: NegTokenResp }
  /** Well-formed, for no registered mechanism: `offered` names the mechanisms it is for. */
  | { readonly kind: 'unserved'; readonly token: Buffer; readonly offered: readonly string[] }
  /** Does not decode; `code` is the SPNEGO/DER reason (SpnegoErrorCode). */
  | { readonly kind: 'malformed'; readonly token: Buffer; readonly message: string; readonly code?: string };

/** Whether a leg opens a handshake (anything else continues one, or is refused). */
export function opensHandshake(leg: NegotiateLeg): boolean {
  return leg.kind === 'init' || (leg.kind === 'mechanism' && leg.initial);
}

/** The thisMech of an RFC 2743 §3.1 InitialContextToken, reading only its framing (the body is the mechanism's). */
function framedMechanism(token: Buffer): string {
  const outer = readElementHeader(token);
  if (outer.tagClass !== 'application' || outer.tagNumber !== 0 || !outer.constructed || outer.end !== token.length) {
    throw new SpnegoDecodeError('UNEXPECTED_TAG', 'an InitialContextToken is one constructed [APPLICATION 0] element');
  }
  const mech = readElementHeader(token, outer.contentStart);
  if (mech.tagClass !== 'universal' || mech.tagNumber !== UniversalTag.OBJECT_IDENTIFIER || mech.constructed) {
    throw new SpnegoDecodeError('MISSING_FIELD', 'an InitialContextToken starts with its thisMech OBJECT IDENTIFIER');
  }
  return decodeOidContent(token.subarray(mech.contentStart, mech.end));
}

/** Decodes one leg against the registered mechanisms; never throws on the client's bytes. */
export function decodeNegotiateLeg<M extends AcceptorMechanism>(token: Buffer, mechanisms: MechanismRegistry<M>): NegotiateLeg<M> {
  for (const mechanism of mechanisms.mechanisms) {
    const position = mechanism.recognizes?.(token);
    if (position) return { kind: 'mechanism', token, mechanism, initial: position === 'initial' };
  }
  try {
    if (token[0] === 0x60) {
      const oid = framedMechanism(token);
      if (oid !== OID_SPNEGO) {
        const mechanism = mechanisms.get(oid);
        // RFC 2743 §3.1: only a context's first token carries this framing.
        return mechanism ? { kind: 'mechanism', token, mechanism, initial: true } : { kind: 'unserved', token, offered: [oid] };
      }
    }
    const d = decodeNegotiationToken(token);
    if (d.kind === 'resp') return { kind: 'resp', token, resp: d.token };
    const mechanism = mechanisms.firstOf(d.token.mechTypes);
    return mechanism ? { kind: 'init', token, init: d.token, mechanism } : { kind: 'unserved', token, offered: d.token.mechTypes };
  } catch (e) {
    // The framing read throws DerError; it becomes SpnegoDecodeError here, as decodeNegotiationToken's does.
    const err = toSpnegoError(e);
    if (err instanceof SpnegoDecodeError) return { kind: 'malformed', token, message: err.message, code: err.code };
    throw err;
  }
}
