/**
 * UPN_DNS_INFO (MS-PAC 2.10, buffer type 12): the user's UPN and DNS domain as (length, offset)
 * pairs into the buffer, Flags (U 0x1: the UPN was constructed, not set on the account; S 0x2:
 * SamName and Sid follow, MS-PAC 2.10.1). Strings are UTF-16LE without a NUL; the SID is in its
 * binary form (MS-DTYP 2.4.2.2).
 */
import type { Sid } from '../../dcerpc/index.js';
import { SID_MAX_SUB_AUTHORITIES } from '../../dcerpc/index.js';
import { pacFail } from './errors.js';

export const UpnDnsFlags = {
  /** U: the account has no UPN; this one was constructed from the name and the DNS domain. */
  UPN_CONSTRUCTED: 0x1,
  /** S: the SamName and Sid fields follow (UPN_DNS_INFO_EX). */
  EXTENDED: 0x2,
} as const;

export interface UpnDnsInfo {
  readonly upn: string;
  readonly dnsDomainName: string;
  readonly flags: number;
  readonly samName?: string;
  readonly sid?: Sid;
}

function field(b: Buffer, lengthAt: number, what: string): Buffer {
  const length = b.readUInt16LE(lengthAt);
  const offset = b.readUInt16LE(lengthAt + 2);
  if (offset + length > b.length) pacFail(`UPN_DNS_INFO ${what}: ${length} bytes at ${offset} in ${b.length}`);
  return b.subarray(offset, offset + length);
}

function text(b: Buffer, what: string): string {
  if (b.length % 2 !== 0) pacFail(`UPN_DNS_INFO ${what}: odd length ${b.length}`);
  return b.toString('utf16le');
}

/** A binary SID (MS-DTYP 2.4.2.2): Revision, SubAuthorityCount, 6-byte BE authority, LE sub-authorities. */
function binarySid(b: Buffer): Sid {
  const count = b[1] ?? 0;
  if (b.length !== 8 + 4 * count || b[0] !== 1 || count > SID_MAX_SUB_AUTHORITIES) pacFail(`UPN_DNS_INFO Sid: ${b.length} bytes is not a SID`);
  const subAuthorities: number[] = [];
  for (let i = 0; i < count; i++) subAuthorities.push(b.readUInt32LE(8 + 4 * i));
  return { revision: 1, identifierAuthority: b.readUIntBE(2, 6), subAuthorities };
}

export function decodeUpnDnsInfo(data: Uint8Array): UpnDnsInfo {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b.length < 12) pacFail(`UPN_DNS_INFO of ${b.length} bytes, needs 12`);
  const flags = b.readUInt32LE(8);
  const info = { upn: text(field(b, 0, 'Upn'), 'Upn'), dnsDomainName: text(field(b, 4, 'DnsDomainName'), 'DnsDomainName'), flags };
  if ((flags & UpnDnsFlags.EXTENDED) === 0) return info;
  if (b.length < 20) pacFail(`UPN_DNS_INFO with the S flag: ${b.length} bytes, needs 20`);
  return { ...info, samName: text(field(b, 12, 'SamName'), 'SamName'), sid: binarySid(field(b, 16, 'Sid')) };
}

/** Encodes a UPN_DNS_INFO without the S fields; for tests. */
export function encodeUpnDnsInfo(upn: string, dnsDomainName: string, flags = 0): Buffer {
  const u = Buffer.from(upn, 'utf16le');
  const d = Buffer.from(dnsDomainName, 'utf16le');
  const head = Buffer.alloc(16);
  head.writeUInt16LE(u.length, 0);
  head.writeUInt16LE(16, 2);
  head.writeUInt16LE(d.length, 4);
  head.writeUInt16LE(16 + u.length, 6);
  head.writeUInt32LE(flags & ~UpnDnsFlags.EXTENDED, 8);
  return Buffer.concat([head, u, d]);
}
