/**
 * The MS-DTYP types the PAC and Netlogon carry, in their NDR form: FILETIME (2.3.3, a structure
 * of two u32, so 4-aligned), RPC_UNICODE_STRING (2.3.10: Length and MaximumLength in bytes
 * without a NUL, then a unique pointer to a conformant varying WCHAR array), RPC_SID (2.4.2.3:
 * a conformant structure, its u32 conformance first) and GROUP_MEMBERSHIP (MS-PAC 2.2.2 /
 * MS-NRPC 2.2.1.4.17). Readers take a `set` callback because a pointer's referent is read only
 * after the enclosing construct (see reader.ts).
 */
import { SID_MAX_SUB_AUTHORITIES } from '../sid.js';
import type { Sid } from '../sid.js';
import { ndrFail } from './errors.js';
import type { NdrReader } from './reader.js';
import type { NdrWriter } from './writer.js';

/** A FILETIME as its 64-bit count of 100 ns intervals since 1601-01-01 UTC. */
export function readFiletime(r: NdrReader, what = 'FILETIME'): bigint {
  const low = r.u32(`${what} dwLowDateTime`);
  const high = r.u32(`${what} dwHighDateTime`);
  return (BigInt(high) << 32n) | BigInt(low);
}

export function writeFiletime(w: NdrWriter, v: bigint): void {
  w.u32(Number(v & 0xffffffffn));
  w.u32(Number((v >> 32n) & 0xffffffffn));
}

const FILETIME_UNIX_EPOCH = 116444736000000000n;

/** FILETIME → Date (millisecond precision). */
export function filetimeToDate(v: bigint): Date {
  return new Date(Number((v - FILETIME_UNIX_EPOCH) / 10000n));
}

/** Date → FILETIME. */
export function dateToFiletime(d: Date): bigint {
  return BigInt(d.getTime()) * 10000n + FILETIME_UNIX_EPOCH;
}

/** A conformant varying WCHAR array (C706 §14.3.3.4: MaximumCount, Offset, ActualCount, then the characters). */
function readConformantVaryingWchars(r: NdrReader, what: string): { readonly max: number; readonly text: string; readonly actual: number } {
  const max = r.count(0, `${what} MaximumCount`);
  const offset = r.u32(`${what} Offset`);
  const actual = r.count(2, `${what} ActualCount`);
  if (offset !== 0 || actual > max) ndrFail('BAD_VALUE', `${what}: offset ${offset}, ${actual} of ${max} characters`);
  const text = Buffer.from(r.bytes(actual * 2, what)).toString('utf16le');
  return { max, text, actual };
}

/**
 * RPC_UNICODE_STRING: `set` receives the string once its referent is read, or '' for a null
 * Buffer. The variance must agree with Length.
 */
export function readRpcUnicodeString(r: NdrReader, what: string, set: (s: string) => void): void {
  const length = r.u16(`${what} Length`);
  const maximumLength = r.u16(`${what} MaximumLength`);
  const ref = r.pointer(`${what} Buffer`);
  if (length % 2 !== 0 || maximumLength < length) ndrFail('BAD_VALUE', `${what}: Length ${length}, MaximumLength ${maximumLength}`);
  if (ref === 0) {
    if (length !== 0) ndrFail('BAD_POINTER', `${what}: null Buffer with Length ${length}`);
    set('');
    return;
  }
  r.defer(() => {
    const s = readConformantVaryingWchars(r, what);
    if (s.actual * 2 !== length) ndrFail('BAD_VALUE', `${what}: ${s.actual} characters, Length ${length}`);
    set(s.text);
  });
}

/**
 * Writes an RPC_UNICODE_STRING; an empty one still gets a Buffer of no characters, as Windows and
 * Samba write it. `roomForNul` makes MaximumLength (and MaximumCount) one character larger, as
 * both write KERB_VALIDATION_INFO's LogonServer and LogonDomainName.
 */
export function writeRpcUnicodeString(w: NdrWriter, s: string, roomForNul = false): void {
  const units = Buffer.from(s, 'utf16le');
  const max = units.length + (roomForNul ? 2 : 0);
  w.u16(units.length);
  w.u16(max);
  w.pointer(() => {
    w.u32(max / 2);
    w.u32(0);
    w.u32(units.length / 2);
    w.bytes(units);
  });
}

/** RPC_SID as a pointer's referent: the u32 conformance, then Revision, SubAuthorityCount, the authority, the sub-authorities. */
export function readRpcSid(r: NdrReader, what = 'RPC_SID'): Sid {
  const conformance = r.count(4, `${what} conformance`);
  const revision = r.u8(`${what} Revision`);
  const count = r.u8(`${what} SubAuthorityCount`);
  if (revision !== 1) ndrFail('BAD_VALUE', `${what}: Revision ${revision}, not 1`);
  if (count !== conformance || count > SID_MAX_SUB_AUTHORITIES) {
    ndrFail('BAD_VALUE', `${what}: SubAuthorityCount ${count}, conformance ${conformance}, at most ${SID_MAX_SUB_AUTHORITIES}`);
  }
  const a = r.bytes(6, `${what} IdentifierAuthority`);
  const identifierAuthority = a.reduce((acc, b) => acc * 256 + b, 0);
  const subAuthorities: number[] = [];
  for (let i = 0; i < count; i++) subAuthorities.push(r.u32(`${what} SubAuthority`));
  return { revision, identifierAuthority, subAuthorities };
}

export function writeRpcSid(w: NdrWriter, sid: Sid): void {
  w.u32(sid.subAuthorities.length);
  w.u8(sid.revision);
  w.u8(sid.subAuthorities.length);
  const a = Buffer.alloc(6);
  a.writeUIntBE(sid.identifierAuthority, 0, 6);
  w.bytes(a);
  for (const s of sid.subAuthorities) w.u32(s);
}

/** GROUP_MEMBERSHIP: a RID and its SE_GROUP_* attributes. */
export interface GroupMembership {
  readonly relativeId: number;
  readonly attributes: number;
}

/** A conformant array of GROUP_MEMBERSHIP (a pointer's referent); its count must be `expected`. */
export function readGroupMembershipArray(r: NdrReader, expected: number, what = 'GROUP_MEMBERSHIP[]'): GroupMembership[] {
  const n = r.count(8, `${what} MaximumCount`);
  if (n !== expected) ndrFail('BAD_VALUE', `${what}: ${n} elements, count field says ${expected}`);
  const out: GroupMembership[] = [];
  for (let i = 0; i < n; i++) out.push({ relativeId: r.u32(`${what} RelativeId`), attributes: r.u32(`${what} Attributes`) });
  return out;
}

export function writeGroupMembershipArray(w: NdrWriter, groups: readonly GroupMembership[]): void {
  w.u32(groups.length);
  for (const g of groups) {
    w.u32(g.relativeId);
    w.u32(g.attributes);
  }
}
