/**
 * SID (MS-DTYP 2.4.2): revision 1, a 48-bit big-endian identifier authority and up to 15 32-bit
 * sub-authorities; its string form `S-1-5-21-…` (2.4.2.1: the authority in decimal below 2^32,
 * otherwise as 0x and 12 hex digits).
 */

/** SID_MAX_SUB_AUTHORITIES (MS-DTYP 2.4.2). */
export const SID_MAX_SUB_AUTHORITIES = 15;

export interface Sid {
  readonly revision: number;
  /** The 48-bit IdentifierAuthority (5 = SECURITY_NT_AUTHORITY). */
  readonly identifierAuthority: number;
  readonly subAuthorities: readonly number[];
}

export function formatSid(sid: Sid): string {
  const a = sid.identifierAuthority;
  const authority = a < 2 ** 32 ? String(a) : `0x${a.toString(16).toUpperCase().padStart(12, '0')}`;
  return ['S', String(sid.revision), authority, ...sid.subAuthorities.map(String)].join('-');
}

/** The SID of `rid` in `domain` (the domain SID with one more sub-authority), as MS-KILE 3.4.5.3 builds group SIDs. */
export function sidWithRid(domain: Sid, rid: number): Sid {
  return { ...domain, subAuthorities: [...domain.subAuthorities, rid >>> 0] };
}

/** Parses `S-1-…`; undefined when it is not one. */
export function parseSid(text: string): Sid | undefined {
  const m = /^S-1-(0x[0-9A-Fa-f]{12}|\d+)((?:-\d+)*)$/.exec(text);
  if (!m) return undefined;
  const authority = Number(m[1]);
  if (!Number.isSafeInteger(authority) || authority >= 2 ** 48) return undefined;
  const subs = (m[2] ?? '').split('-').slice(1).map(Number);
  if (subs.length > SID_MAX_SUB_AUTHORITIES || subs.some((s) => s > 0xffffffff)) return undefined;
  return { revision: 1, identifierAuthority: authority, subAuthorities: subs };
}
