/**
 * Security identifiers as Windows issues them to a domain (or to a machine, for its local
 * accounts): S-1-5-21-<three random 32-bit sub-authorities>-<RID>. Each domain gets its own
 * random prefix once; accounts and groups share the domain's RID sequence, which starts at
 * 1000 (below are Windows' well-known RIDs: 500 Administrator, 512 Domain Admins, …) and
 * never hands a RID out twice, so a deleted account's SID is never reused.
 */
import { randomBytes } from 'node:crypto';
import { AccountStoreError } from '../errors.js';

/** The first RID given to an account or group (MS-SAMR: lower RIDs are well-known). */
export const FIRST_RID = 1000;

const DOMAIN_SID = /^S-1-5-21-(\d{1,10})-(\d{1,10})-(\d{1,10})$/;
const ACCOUNT_SID = /^(S-1-5-21-\d{1,10}-\d{1,10}-\d{1,10})-(\d{1,10})$/;

/** A fresh domain SID from the CSPRNG. */
export function newDomainSid(random: (n: number) => Buffer = randomBytes): string {
  const b = random(12);
  if (b.length !== 12) throw new RangeError('newDomainSid needs 12 random bytes');
  return `S-1-5-21-${b.readUInt32LE(0)}-${b.readUInt32LE(4)}-${b.readUInt32LE(8)}`;
}

function isUint32(text: string): boolean {
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff && String(n) === text;
}

export function isDomainSid(sid: string): boolean {
  const m = DOMAIN_SID.exec(sid);
  return m !== null && m.slice(1).every(isUint32);
}

/** The SID of RID `rid` in a domain. */
export function accountSid(domainSid: string, rid: number): string {
  if (!isDomainSid(domainSid)) throw new AccountStoreError('invalid', `${JSON.stringify(domainSid)} is not a domain SID (S-1-5-21-x-y-z)`);
  if (!Number.isInteger(rid) || rid < FIRST_RID || rid > 0xffffffff) throw new AccountStoreError('invalid', `RID ${rid} is outside ${FIRST_RID}–4294967295`);
  return `${domainSid}-${rid}`;
}

/** Splits an account SID into its domain SID and RID; undefined for anything else. */
export function splitSid(sid: string): { domainSid: string; rid: number } | undefined {
  const m = ACCOUNT_SID.exec(sid);
  if (!m || m[1] === undefined || m[2] === undefined || !isDomainSid(m[1]) || !isUint32(m[2])) return undefined;
  return { domainSid: m[1], rid: Number(m[2]) };
}
