// Shared helpers for the SPNEGO tests: a hand-rolled TLV builder (independent of
// asn1js, so known-answer tests do not just compare the encoder with itself), a
// seeded PRNG and error assertions.

import assert from 'node:assert/strict';
import { SpnegoDecodeError } from '../../src/spnego/errors.js';
import type { SpnegoErrorCode } from '../../src/spnego/errors.js';

/** Buffer from a hex string; whitespace and `|` separators are ignored. */
export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
}

/** DER length octets (X.690 §8.1.3, definite minimal form). */
export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with a single-octet identifier. */
export function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

/** Asserts that `fn` throws a SpnegoDecodeError (optionally with the given code). */
export function assertDecodeError(fn: () => unknown, code?: SpnegoErrorCode): SpnegoDecodeError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, 'expected a SpnegoDecodeError, but nothing was thrown');
  assert.ok(caught instanceof SpnegoDecodeError, `expected SpnegoDecodeError, got ${String(caught)}`);
  assert.equal(caught.name, 'SpnegoDecodeError');
  if (code !== undefined) assert.equal(caught.code, code, `wrong code (message: ${caught.message})`);
  return caught;
}

export { prng } from '../helpers/prng.js';

/** Removes rawMechTypes so a decoded NegTokenInit can be compared with its input. */
export function withoutRaw<T extends { rawMechTypes?: unknown }>(t: T): Omit<T, 'rawMechTypes'> {
  const rest: Partial<T> = { ...t };
  delete rest.rawMechTypes;
  return rest as Omit<T, 'rawMechTypes'>;
}
