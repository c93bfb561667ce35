/**
 * MD4 message digest (RFC 1320), in pure TypeScript.
 *
 * OpenSSL 3 moved MD4 into the "legacy" provider, which Node.js does not load, so
 * `crypto.createHash('md4')` fails. NTLM needs MD4 for NTOWFv1 (MS-NLMP section 3.3.1):
 * NTOWFv1(password) = MD4(UNICODE(password)).
 *
 * The implementation follows RFC 1320 section 3 step by step:
 *   3.1 append padding bits (a single 1 bit, then 0 bits up to 448 mod 512),
 *   3.2 append the 64-bit message length in bits, low-order word first,
 *   3.3 initialize the MD buffer A, B, C, D,
 *   3.4 process the message in 16-word (64-byte) blocks, three rounds of 16 operations,
 *   3.5 output A, B, C, D, low-order byte first.
 * Words are little-endian (RFC 1320 section 2). The compression function is fully
 * unrolled and works on int32 locals; the only allocation per call is the result.
 */

/** Scratch area for the final one or two padded blocks (RFC 1320 sections 3.1 and 3.2). */
const tail = new Uint8Array(128);
/** Chaining state A, B, C, D. Module-level: md4() is synchronous and never re-entered. */
const state = new Int32Array(4);

/**
 * RFC 1320 section 3.4: process one 64-byte block of `m` starting at `o`.
 * F(X,Y,Z) = XY v not(X) Z, computed as Z ^ (X & (Y ^ Z)).
 * G(X,Y,Z) = XY v XZ v YZ, computed as (X & Y) | (Z & (X | Y)).
 * H(X,Y,Z) = X xor Y xor Z.
 * Round 2 adds 0x5A827999 (sqrt 2), round 3 adds 0x6ED9EBA1 (sqrt 3).
 */
function compress(m: Uint8Array, o: number): void {
  // The block as 16 little-endian words X[0..15] (RFC 1320 section 3.4, "Copy block i into X").
  // The non-null assertions hold: callers only pass offsets with o + 64 <= m.length.
  const x0 = m[o]! | (m[o + 1]! << 8) | (m[o + 2]! << 16) | (m[o + 3]! << 24);
  const x1 = m[o + 4]! | (m[o + 5]! << 8) | (m[o + 6]! << 16) | (m[o + 7]! << 24);
  const x2 = m[o + 8]! | (m[o + 9]! << 8) | (m[o + 10]! << 16) | (m[o + 11]! << 24);
  const x3 = m[o + 12]! | (m[o + 13]! << 8) | (m[o + 14]! << 16) | (m[o + 15]! << 24);
  const x4 = m[o + 16]! | (m[o + 17]! << 8) | (m[o + 18]! << 16) | (m[o + 19]! << 24);
  const x5 = m[o + 20]! | (m[o + 21]! << 8) | (m[o + 22]! << 16) | (m[o + 23]! << 24);
  const x6 = m[o + 24]! | (m[o + 25]! << 8) | (m[o + 26]! << 16) | (m[o + 27]! << 24);
  const x7 = m[o + 28]! | (m[o + 29]! << 8) | (m[o + 30]! << 16) | (m[o + 31]! << 24);
  const x8 = m[o + 32]! | (m[o + 33]! << 8) | (m[o + 34]! << 16) | (m[o + 35]! << 24);
  const x9 = m[o + 36]! | (m[o + 37]! << 8) | (m[o + 38]! << 16) | (m[o + 39]! << 24);
  const x10 = m[o + 40]! | (m[o + 41]! << 8) | (m[o + 42]! << 16) | (m[o + 43]! << 24);
  const x11 = m[o + 44]! | (m[o + 45]! << 8) | (m[o + 46]! << 16) | (m[o + 47]! << 24);
  const x12 = m[o + 48]! | (m[o + 49]! << 8) | (m[o + 50]! << 16) | (m[o + 51]! << 24);
  const x13 = m[o + 52]! | (m[o + 53]! << 8) | (m[o + 54]! << 16) | (m[o + 55]! << 24);
  const x14 = m[o + 56]! | (m[o + 57]! << 8) | (m[o + 58]! << 16) | (m[o + 59]! << 24);
  const x15 = m[o + 60]! | (m[o + 61]! << 8) | (m[o + 62]! << 16) | (m[o + 63]! << 24);

  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let t: number;

  // Each step is [abcd k s]: a = (a + f(b,c,d) + X[k] (+ constant)) <<< s.
  // Round 1
  t = (a + (d ^ (b & (c ^ d))) + x0) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + (c ^ (a & (b ^ c))) + x1) | 0;
  d = (t << 7) | (t >>> 25);
  t = (c + (b ^ (d & (a ^ b))) + x2) | 0;
  c = (t << 11) | (t >>> 21);
  t = (b + (a ^ (c & (d ^ a))) + x3) | 0;
  b = (t << 19) | (t >>> 13);
  t = (a + (d ^ (b & (c ^ d))) + x4) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + (c ^ (a & (b ^ c))) + x5) | 0;
  d = (t << 7) | (t >>> 25);
  t = (c + (b ^ (d & (a ^ b))) + x6) | 0;
  c = (t << 11) | (t >>> 21);
  t = (b + (a ^ (c & (d ^ a))) + x7) | 0;
  b = (t << 19) | (t >>> 13);
  t = (a + (d ^ (b & (c ^ d))) + x8) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + (c ^ (a & (b ^ c))) + x9) | 0;
  d = (t << 7) | (t >>> 25);
  t = (c + (b ^ (d & (a ^ b))) + x10) | 0;
  c = (t << 11) | (t >>> 21);
  t = (b + (a ^ (c & (d ^ a))) + x11) | 0;
  b = (t << 19) | (t >>> 13);
  t = (a + (d ^ (b & (c ^ d))) + x12) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + (c ^ (a & (b ^ c))) + x13) | 0;
  d = (t << 7) | (t >>> 25);
  t = (c + (b ^ (d & (a ^ b))) + x14) | 0;
  c = (t << 11) | (t >>> 21);
  t = (b + (a ^ (c & (d ^ a))) + x15) | 0;
  b = (t << 19) | (t >>> 13);
  // Round 2
  t = (a + ((b & c) | (d & (b | c))) + x0 + 0x5a827999) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + ((a & b) | (c & (a | b))) + x4 + 0x5a827999) | 0;
  d = (t << 5) | (t >>> 27);
  t = (c + ((d & a) | (b & (d | a))) + x8 + 0x5a827999) | 0;
  c = (t << 9) | (t >>> 23);
  t = (b + ((c & d) | (a & (c | d))) + x12 + 0x5a827999) | 0;
  b = (t << 13) | (t >>> 19);
  t = (a + ((b & c) | (d & (b | c))) + x1 + 0x5a827999) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + ((a & b) | (c & (a | b))) + x5 + 0x5a827999) | 0;
  d = (t << 5) | (t >>> 27);
  t = (c + ((d & a) | (b & (d | a))) + x9 + 0x5a827999) | 0;
  c = (t << 9) | (t >>> 23);
  t = (b + ((c & d) | (a & (c | d))) + x13 + 0x5a827999) | 0;
  b = (t << 13) | (t >>> 19);
  t = (a + ((b & c) | (d & (b | c))) + x2 + 0x5a827999) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + ((a & b) | (c & (a | b))) + x6 + 0x5a827999) | 0;
  d = (t << 5) | (t >>> 27);
  t = (c + ((d & a) | (b & (d | a))) + x10 + 0x5a827999) | 0;
  c = (t << 9) | (t >>> 23);
  t = (b + ((c & d) | (a & (c | d))) + x14 + 0x5a827999) | 0;
  b = (t << 13) | (t >>> 19);
  t = (a + ((b & c) | (d & (b | c))) + x3 + 0x5a827999) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + ((a & b) | (c & (a | b))) + x7 + 0x5a827999) | 0;
  d = (t << 5) | (t >>> 27);
  t = (c + ((d & a) | (b & (d | a))) + x11 + 0x5a827999) | 0;
  c = (t << 9) | (t >>> 23);
  t = (b + ((c & d) | (a & (c | d))) + x15 + 0x5a827999) | 0;
  b = (t << 13) | (t >>> 19);
  // Round 3
  t = (a + (b ^ c ^ d) + x0 + 0x6ed9eba1) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + (a ^ b ^ c) + x8 + 0x6ed9eba1) | 0;
  d = (t << 9) | (t >>> 23);
  t = (c + (d ^ a ^ b) + x4 + 0x6ed9eba1) | 0;
  c = (t << 11) | (t >>> 21);
  t = (b + (c ^ d ^ a) + x12 + 0x6ed9eba1) | 0;
  b = (t << 15) | (t >>> 17);
  t = (a + (b ^ c ^ d) + x2 + 0x6ed9eba1) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + (a ^ b ^ c) + x10 + 0x6ed9eba1) | 0;
  d = (t << 9) | (t >>> 23);
  t = (c + (d ^ a ^ b) + x6 + 0x6ed9eba1) | 0;
  c = (t << 11) | (t >>> 21);
  t = (b + (c ^ d ^ a) + x14 + 0x6ed9eba1) | 0;
  b = (t << 15) | (t >>> 17);
  t = (a + (b ^ c ^ d) + x1 + 0x6ed9eba1) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + (a ^ b ^ c) + x9 + 0x6ed9eba1) | 0;
  d = (t << 9) | (t >>> 23);
  t = (c + (d ^ a ^ b) + x5 + 0x6ed9eba1) | 0;
  c = (t << 11) | (t >>> 21);
  t = (b + (c ^ d ^ a) + x13 + 0x6ed9eba1) | 0;
  b = (t << 15) | (t >>> 17);
  t = (a + (b ^ c ^ d) + x3 + 0x6ed9eba1) | 0;
  a = (t << 3) | (t >>> 29);
  t = (d + (a ^ b ^ c) + x11 + 0x6ed9eba1) | 0;
  d = (t << 9) | (t >>> 23);
  t = (c + (d ^ a ^ b) + x7 + 0x6ed9eba1) | 0;
  c = (t << 11) | (t >>> 21);
  t = (b + (c ^ d ^ a) + x15 + 0x6ed9eba1) | 0;
  b = (t << 15) | (t >>> 17);

  // "Then perform the following additions" (end of RFC 1320 section 3.4).
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
}

/** Computes the MD4 digest (RFC 1320) of `data`; returns 16 bytes. */
export function md4(data: Uint8Array): Buffer {
  const len = data.length;

  // RFC 1320 section 3.3: initialize MD buffer.
  state[0] = 0x67452301;
  state[1] = 0xefcdab89 | 0;
  state[2] = 0x98badcfe | 0;
  state[3] = 0x10325476;

  // Section 3.4 on every complete 64-byte block of the input, read in place.
  const full = len - (len & 63);
  for (let o = 0; o < full; o += 64) compress(data, o);

  // Sections 3.1 and 3.2: the remaining bytes, the 0x80 pad byte, zeros, and the
  // length in bits as a 64-bit little-endian integer, in one block or (if fewer
  // than 8 bytes remain for the length) two.
  const rest = len - full;
  const end = rest < 56 ? 64 : 128;
  for (let i = 0; i < rest; i++) tail[i] = data[full + i]!;
  tail[rest] = 0x80;
  for (let i = rest + 1; i < end - 8; i++) tail[i] = 0;
  // The bit count, modulo 2^64. ToUint32 (>>> 0) reduces modulo 2^32 exactly for any
  // safe integer; the high word is the bit count divided by 2^32.
  const lo = (len * 8) >>> 0;
  const hi = Math.floor(len / 0x20000000) >>> 0;
  tail[end - 8] = lo;
  tail[end - 7] = lo >>> 8;
  tail[end - 6] = lo >>> 16;
  tail[end - 5] = lo >>> 24;
  tail[end - 4] = hi;
  tail[end - 3] = hi >>> 8;
  tail[end - 2] = hi >>> 16;
  tail[end - 1] = hi >>> 24;
  compress(tail, 0);
  if (end === 128) compress(tail, 64);

  // Section 3.5: output A, B, C, D, each low-order byte first.
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 4; i++) {
    const w = state[i]!;
    out[4 * i] = w;
    out[4 * i + 1] = w >>> 8;
    out[4 * i + 2] = w >>> 16;
    out[4 * i + 3] = w >>> 24;
  }
  return out;
}
