/**
 * n-fold (RFC 3961 §5.1): stretches or shrinks a byte string to a given length so that every
 * input bit affects every output bit. Kerberos uses it to turn the derivation constants
 * ("kerberos", usage‖0x99/0xAA/0x55) into one cipher block.
 *
 * The input is repeated lcm(in, out) / in times, copy i rotated right by 13·i bits, and the
 * result is cut into out-byte words that are added with ones'-complement (end-around carry)
 * addition. Only constants are ever folded, so callers fold once and keep the result.
 */

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The n-fold of `input` to `outBytes` bytes (RFC 3961 §5.1; n = 8·outBytes bits). */
export function nfold(input: Uint8Array, outBytes: number): Buffer {
  const inBytes = input.length;
  if (inBytes === 0 || outBytes <= 0 || !Number.isInteger(outBytes)) {
    throw new RangeError('nfold: the input must be non-empty and the output length a positive integer');
  }
  const lcm = (inBytes / gcd(inBytes, outBytes)) * outBytes;
  const bits = inBytes * 8;
  // Column sums of the out-byte words of the repeated, rotated input; the carries are resolved after.
  const sums = new Array<number>(outBytes).fill(0);
  for (let pos = 0; pos < lcm; pos++) {
    const copy = Math.floor(pos / inBytes);
    const k = pos % inBytes;
    // Byte k of copy `copy` is the 8 input bits starting 13·copy bits earlier (rotation to the right).
    const start = (((k * 8 - 13 * copy) % bits) + bits) % bits;
    const shift = start % 8;
    const i = start >> 3;
    const hi = input[i]!;
    const lo = input[(i + 1) % inBytes]!;
    const column = pos % outBytes;
    sums[column] = sums[column]! + (shift === 0 ? hi : ((hi << shift) | (lo >> (8 - shift))) & 0xff);
  }
  // Ones'-complement addition: carries propagate from the last byte up and wrap around to it.
  const out = Buffer.alloc(outBytes);
  let carry = 0;
  do {
    for (let j = outBytes - 1; j >= 0; j--) {
      const v = sums[j]! + carry;
      sums[j] = v & 0xff;
      carry = v >>> 8;
    }
  } while (carry !== 0);
  for (let j = 0; j < outBytes; j++) out[j] = sums[j]!;
  return out;
}
