// GeneralizedTime (X.680 §46, DER form X.690 §11.7): the one time type Kerberos uses
// (RFC 4120 §5.2.3 KerberosTime). The decoder already checked the character layout;
// this reader checks the calendar values as well.

import { UniversalTag } from './decode.js';
import type { DerNode } from './decode.js';
import { derFail } from './errors.js';
import { expectUniversal } from './read.js';
import { tlv } from './encode.js';

const digits = (c: Uint8Array, at: number, n: number): number => {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = (c[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
};

/**
 * Reads a DER GeneralizedTime `YYYYMMDDHHMMSS[.f*]Z` as a Date (UTC). A fraction finer
 * than milliseconds is truncated. Impossible dates (month 13, 31 April, second 60)
 * are BAD_VALUE: a Date would silently roll them over.
 */
export function readGeneralizedTime(node: DerNode, what: string): Date {
  expectUniversal(node, UniversalTag.GENERALIZED_TIME, what);
  const c = node.content;
  if (c.length < 15 || c[c.length - 1] !== 0x5a) derFail('BAD_VALUE', `${what}: GeneralizedTime not in the form YYYYMMDDHHMMSS[.f]Z`);
  const [year, month, day, hour, minute, second] = [digits(c, 0, 4), digits(c, 4, 2), digits(c, 6, 2), digits(c, 8, 2), digits(c, 10, 2), digits(c, 12, 2)];
  let ms = 0;
  if (c.length > 15) {
    if (c[14] !== 0x2e || c.length < 17) derFail('BAD_VALUE', `${what}: malformed GeneralizedTime fraction`);
    const f = digits(c, 15, Math.min(3, c.length - 16));
    if (f < 0 || digits(c, 15, c.length - 16) < 0) derFail('BAD_VALUE', `${what}: malformed GeneralizedTime fraction`);
    ms = f * 10 ** (3 - Math.min(3, c.length - 16));
  }
  if ([year, month, day, hour, minute, second].some((v) => v < 0)) derFail('BAD_VALUE', `${what}: GeneralizedTime with non-digits`);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day
    || d.getUTCHours() !== hour || d.getUTCMinutes() !== minute || d.getUTCSeconds() !== second) {
    derFail('BAD_VALUE', `${what}: GeneralizedTime is not a calendar date and time`);
  }
  return d;
}

/** True when the GeneralizedTime has no fraction (`YYYYMMDDHHMMSSZ`, as RFC 4120 §5.2.3 requires). */
export function isWholeSecondsGeneralizedTime(node: DerNode): boolean {
  return node.content.length === 15;
}

/**
 * Encodes `date` as a DER GeneralizedTime in whole seconds, `YYYYMMDDHHMMSSZ` (the
 * millisecond part is dropped). Years outside 0..9999 are a RangeError.
 */
export function generalizedTime(date: Date): Buffer {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new RangeError('GeneralizedTime: invalid Date');
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError(`GeneralizedTime: year ${y} out of range`);
  const p = (v: number, n: number): string => String(v).padStart(n, '0');
  const s = `${p(y, 4)}${p(date.getUTCMonth() + 1, 2)}${p(date.getUTCDate(), 2)}${p(date.getUTCHours(), 2)}${p(date.getUTCMinutes(), 2)}${p(date.getUTCSeconds(), 2)}Z`;
  return tlv(UniversalTag.GENERALIZED_TIME, Buffer.from(s, 'latin1'));
}
