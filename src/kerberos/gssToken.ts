// The krb5 GSS-API mechanism's context-establishment tokens (RFC 4121 §4.1, RFC 1964 §1.1,
// RFC 2743 §3.1): [APPLICATION 0] { thisMech OID, TOK_ID (2 bytes), innerToken } where the
// inner token is a DER AP-REQ, AP-REP or KRB-ERROR. The framing is not DER past the OID,
// so only the headers are read with src/der.

import * as der from '../der/index.js';
import type { DerLimits } from '../der/index.js';
import { krbFail, withKerberosErrors } from './errors.js';
import { decodeApRep, decodeApReq, decodeKrbError } from './messages/index.js';
import type { ApRep, ApReq, KrbError } from './messages/index.js';
import { KERBEROS_DER_LIMITS } from './messages/asn1.js';

/** The Kerberos V5 mechanism (RFC 1964 §1). */
export const KRB5_OID = '1.2.840.113554.1.2.2';
/**
 * Microsoft's misencoded krb5 OID (1.2.840.48018 for 1.2.840.113554), which Windows lists
 * first in SPNEGO; MIT's acceptor takes it in the token too (MS-SPNG, MIT parse_init_token).
 */
export const KRB5_LEGACY_OID = '1.2.840.48018.1.2.2';

/** TOK_ID values (RFC 4121 §4.1). */
export const TokId = {
  AP_REQ: 0x0100,
  AP_REP: 0x0200,
  KRB_ERROR: 0x0300,
} as const;
export type TokIdValue = (typeof TokId)[keyof typeof TokId];

const TOK_IDS: ReadonlySet<number> = new Set(Object.values(TokId));

export interface Krb5Token {
  /** KRB5_OID or KRB5_LEGACY_OID, as the token named it (an answer should echo it). */
  readonly mechOid: string;
  readonly tokId: TokIdValue;
  /** The inner DER message; a view into the input. */
  readonly body: Uint8Array;
}

/** True for either spelling of the krb5 mechanism OID. */
export function isKrb5Oid(oid: string): boolean {
  return oid === KRB5_OID || oid === KRB5_LEGACY_OID;
}

/**
 * Reads the InitialContextToken framing. The outer length must cover the input exactly,
 * the OID must be krb5 (either spelling), TOK_ID one of RFC 4121's three and the body
 * non-empty. Throws KerberosDecodeError.
 */
export function decodeKrb5Token(input: Uint8Array, limits?: DerLimits): Krb5Token {
  return withKerberosErrors(() => {
    const lim = { ...KERBEROS_DER_LIMITS, ...limits };
    if (input.length === 0) krbFail('EMPTY', 'empty GSS token');
    if (input.length > lim.maxBytes) krbFail('TOO_LARGE', `GSS token of ${input.length} bytes exceeds ${lim.maxBytes}`);
    const outer = der.readElementHeader(input, 0, lim);
    if (outer.tagClass !== 'application' || outer.tagNumber !== 0 || !outer.constructed) {
      krbFail('UNEXPECTED_TAG', 'GSS token: expected [APPLICATION 0] (0x60)');
    }
    if (outer.end !== input.length) krbFail('TRAILING_DATA', `GSS token: ${input.length - outer.end} bytes after the token`);
    const oidHdr = der.readElementHeader(input.subarray(0, outer.end), outer.contentStart, lim);
    if (oidHdr.tagClass !== 'universal' || oidHdr.tagNumber !== der.UniversalTag.OBJECT_IDENTIFIER || oidHdr.constructed) {
      krbFail('UNEXPECTED_TAG', 'GSS token: thisMech is not an OBJECT IDENTIFIER');
    }
    const mechOid = der.decodeOidContent(input.subarray(oidHdr.contentStart, oidHdr.end));
    if (!isKrb5Oid(mechOid)) krbFail('BAD_OID', `GSS token: mechanism ${mechOid} is not Kerberos V5`);
    if (outer.end - oidHdr.end < 2) krbFail('TRUNCATED', 'GSS token: no TOK_ID');
    const tokId = ((input[oidHdr.end] as number) << 8) | (input[oidHdr.end + 1] as number);
    if (!TOK_IDS.has(tokId)) krbFail('BAD_MESSAGE_TYPE', `GSS token: TOK_ID ${tokId.toString(16).padStart(4, '0')} is not a context token`);
    const body = input.subarray(oidHdr.end + 2, outer.end);
    if (body.length === 0) krbFail('TRUNCATED', 'GSS token: empty inner token');
    return { mechOid, tokId: tokId as TokIdValue, body };
  });
}

/** Frames a DER AP-REQ / AP-REP / KRB-ERROR as a krb5 context token. */
export function encodeKrb5Token(tokId: TokIdValue, body: Uint8Array, mechOid: string = KRB5_OID): Buffer {
  if (!isKrb5Oid(mechOid)) throw new RangeError(`not a krb5 mechanism OID: ${mechOid}`);
  if (!TOK_IDS.has(tokId)) throw new RangeError(`not a context TOK_ID: ${tokId}`);
  return der.tlv(0x60, [der.oid(mechOid), Uint8Array.of(tokId >> 8, tokId & 0xff), body]);
}

function expectTokId(t: Krb5Token, want: TokIdValue, what: string): void {
  if (t.tokId !== want) krbFail('BAD_MESSAGE_TYPE', `GSS token: TOK_ID ${t.tokId.toString(16).padStart(4, '0')}, expected ${what}`);
}

/** The AP-REQ of an initiator's first token. Throws KerberosDecodeError. */
export function decodeApReqToken(input: Uint8Array, limits?: DerLimits): { readonly mechOid: string; readonly apReq: ApReq } {
  const t = decodeKrb5Token(input, limits);
  expectTokId(t, TokId.AP_REQ, 'AP-REQ (0100)');
  return { mechOid: t.mechOid, apReq: decodeApReq(t.body, limits) };
}

/** An acceptor's answer: the AP-REP, or the KRB-ERROR it refused with. Throws KerberosDecodeError. */
export function decodeAcceptorToken(input: Uint8Array, limits?: DerLimits):
  { readonly mechOid: string; readonly apRep: ApRep; readonly krbError?: undefined } | { readonly mechOid: string; readonly krbError: KrbError; readonly apRep?: undefined } {
  const t = decodeKrb5Token(input, limits);
  if (t.tokId === TokId.KRB_ERROR) return { mechOid: t.mechOid, krbError: decodeKrbError(t.body, limits) };
  expectTokId(t, TokId.AP_REP, 'AP-REP (0200) or KRB-ERROR (0300)');
  return { mechOid: t.mechOid, apRep: decodeApRep(t.body, limits) };
}
