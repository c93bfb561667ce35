/**
 * DES (FIPS 46-3) single-block encryption and the MS-NLMP helpers built on it, in pure
 * TypeScript.
 *
 * OpenSSL 3 moved single DES into the "legacy" provider, which Node.js does not load.
 * NTLM still needs it for LMOWFv1 (MS-NLMP section 3.3.1) and for the NTLMv1 / LMv1
 * responses, DESL() (MS-NLMP section 6).
 *
 * Bit numbering follows FIPS 46-3: bit 1 is the most significant bit of the first byte.
 * Every permutation (PC-1, PC-2, IP, IP^-1, and P folded into the S-boxes) is turned into
 * lookup tables once, at module load, from the standard's tables; a block then costs a
 * few hundred table lookups, with no allocation besides the returned Buffer.
 */

// ---------------------------------------------------------------------------
// FIPS 46-3 tables (1-based bit positions, as printed in the standard).
// ---------------------------------------------------------------------------

/** Initial permutation IP. */
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
  62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
  61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];

/** Permutation P applied to the S-box outputs inside the cipher function f. */
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
  2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
];

/** Permuted choice 1, C half then D half. */
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
  10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
  14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];

/** Permuted choice 2, over the 56 bits C ‖ D. */
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10,
  23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48,
  44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

/** Left-shift schedule of C and D, one entry per round. */
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/** S-boxes S1..S8, each 4 rows of 16 columns. */
const SBOX = [
  [
    14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
    0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
    4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
    15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
  ],
  [
    15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
    3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
    0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
    13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
  ],
  [
    10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
    13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
    13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
    1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
  ],
  [
    7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
    13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
    10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
    3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
  ],
  [
    2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
    14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
    4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
    11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
  ],
  [
    12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
    10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
    9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
    4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
  ],
  [
    4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
    13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
    1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
    6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
  ],
  [
    13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
    1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
    7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
    2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
  ],
];

// ---------------------------------------------------------------------------
// Lookup tables derived from the FIPS tables at module load.
// ---------------------------------------------------------------------------

/**
 * Turns the bit selection `sel` (output bit j = input bit sel[j], 1-based) into tables
 * indexed by input chunk: the input (`inBits` wide) is cut into `chunkBits`-bit chunks,
 * most significant first, and table[c << chunkBits | v] is the output word (`sel.length`
 * bits wide, output bit 1 most significant) that chunk c contributes when it holds v.
 * OR-ing the entries of all chunks gives the permuted word.
 */
function selectionTables(sel: readonly number[], inBits: number, chunkBits: number): Int32Array {
  const chunks = inBits / chunkBits;
  const size = 1 << chunkBits;
  const outBits = sel.length;
  const table = new Int32Array(chunks * size);
  for (let c = 0; c < chunks; c++) {
    for (let v = 0; v < size; v++) {
      let w = 0;
      for (let j = 0; j < outBits; j++) {
        const pos = sel[j]! - 1 - c * chunkBits; // 0-based position inside the chunk
        if (pos >= 0 && pos < chunkBits && (v >>> (chunkBits - 1 - pos)) & 1) {
          w |= 1 << (outBits - 1 - j);
        }
      }
      table[c * size + v] = w;
    }
  }
  return table;
}

/** IP^-1, computed by inverting IP rather than transcribed. */
const IP_INV: number[] = new Array<number>(64);
IP.forEach((from, to) => {
  IP_INV[from - 1] = to + 1;
});

// PC-1 over the 8 key bytes, giving the 28-bit halves C0 and D0 (parity bits 8, 16, .., 64
// are never selected, so they are ignored).
const PC1_C = selectionTables(PC1.slice(0, 28), 64, 8);
const PC1_D = selectionTables(PC1.slice(28), 64, 8);
// PC-2 over C (positions 1..28 select subkey bits 1..24, the inputs of S1..S4) and over D
// (positions 29..56 select subkey bits 25..48, the inputs of S5..S8), in 7-bit chunks.
const PC2_C = selectionTables(PC2.slice(0, 24), 28, 7);
const PC2_D = selectionTables(PC2.slice(24).map((p) => p - 28), 28, 7);
// IP over the 8 input bytes, giving L0 and R0.
const IP_L = selectionTables(IP.slice(0, 32), 64, 8);
const IP_R = selectionTables(IP.slice(32), 64, 8);
// IP^-1 over the 8 bytes of the pre-output block R16 ‖ L16.
const FP_HI = selectionTables(IP_INV.slice(0, 32), 64, 8);
const FP_LO = selectionTables(IP_INV.slice(32), 64, 8);

/**
 * SP[i << 6 | b] = P(S_{i+1}(b) in its 4-bit slot): the S-box lookup and the permutation P
 * of the cipher function f in one step. The 6-bit S-box input b1..b6 selects row b1b6 and
 * column b2b3b4b5.
 */
const SP = new Int32Array(8 * 64);
for (let i = 0; i < 8; i++) {
  const box = SBOX[i]!;
  for (let b = 0; b < 64; b++) {
    const row = ((b >>> 4) & 2) | (b & 1);
    const col = (b >>> 1) & 15;
    const s = box[row * 16 + col]!;
    const pre = s << (28 - 4 * i); // S_{i+1} output occupies bits 4i+1..4i+4 before P
    let w = 0;
    for (let j = 0; j < 32; j++) {
      if ((pre >>> (32 - P[j]!)) & 1) w |= 1 << (31 - j);
    }
    SP[i * 64 + b] = w;
  }
}

/** Round subkeys of the current key: 16 rounds x 8 six-bit groups (one per S-box). */
const subkeys = new Int32Array(128);
/** Scratch for the expanded keys inside desl(). */
const keyScratch = new Uint8Array(8);

/** The key schedule (FIPS 46-3, "Key Schedule Calculation") into `subkeys`. */
function schedule(k: Uint8Array, o: number): void {
  let c = 0;
  let d = 0;
  for (let i = 0; i < 8; i++) {
    const idx = (i << 8) | k[o + i]!;
    c |= PC1_C[idx]!;
    d |= PC1_D[idx]!;
  }
  for (let r = 0; r < 16; r++) {
    const s = SHIFTS[r]!;
    c = ((c << s) | (c >>> (28 - s))) & 0xfffffff;
    d = ((d << s) | (d >>> (28 - s))) & 0xfffffff;
    const kc =
      PC2_C[(c >>> 21) & 127]! |
      PC2_C[128 | ((c >>> 14) & 127)]! |
      PC2_C[256 | ((c >>> 7) & 127)]! |
      PC2_C[384 | (c & 127)]!;
    const kd =
      PC2_D[(d >>> 21) & 127]! |
      PC2_D[128 | ((d >>> 14) & 127)]! |
      PC2_D[256 | ((d >>> 7) & 127)]! |
      PC2_D[384 | (d & 127)]!;
    const base = r << 3;
    subkeys[base] = (kc >>> 18) & 63;
    subkeys[base + 1] = (kc >>> 12) & 63;
    subkeys[base + 2] = (kc >>> 6) & 63;
    subkeys[base + 3] = kc & 63;
    subkeys[base + 4] = (kd >>> 18) & 63;
    subkeys[base + 5] = (kd >>> 12) & 63;
    subkeys[base + 6] = (kd >>> 6) & 63;
    subkeys[base + 7] = kd & 63;
  }
}

/**
 * Enciphers the block at in[io..io+7] under the subkeys in `subkeys`, writing the result
 * to out[oo..oo+7].
 */
function encipher(input: Uint8Array, io: number, out: Uint8Array, oo: number): void {
  let l = 0;
  let r = 0;
  for (let i = 0; i < 8; i++) {
    const idx = (i << 8) | input[io + i]!;
    l |= IP_L[idx]!;
    r |= IP_R[idx]!;
  }
  for (let n = 0; n < 128; n += 8) {
    // f(R, K) = P(S(E(R) xor K)). E(R) yields 8 overlapping 6-bit groups: group i holds
    // bits 4i-4 .. 4i+1 of R (bit 0 meaning bit 32), i.e. R rotated so that they are low.
    const f =
      SP[((((r >>> 27) | (r << 5)) & 63) ^ subkeys[n]!)]! |
      SP[64 | (((r >>> 23) & 63) ^ subkeys[n + 1]!)]! |
      SP[128 | (((r >>> 19) & 63) ^ subkeys[n + 2]!)]! |
      SP[192 | (((r >>> 15) & 63) ^ subkeys[n + 3]!)]! |
      SP[256 | (((r >>> 11) & 63) ^ subkeys[n + 4]!)]! |
      SP[320 | (((r >>> 7) & 63) ^ subkeys[n + 5]!)]! |
      SP[384 | (((r >>> 3) & 63) ^ subkeys[n + 6]!)]! |
      SP[448 | ((((r << 1) | (r >>> 31)) & 63) ^ subkeys[n + 7]!)]!;
    const t = l ^ f;
    l = r;
    r = t;
  }
  // Pre-output R16 ‖ L16, then IP^-1.
  const hi =
    FP_HI[r >>> 24]! | FP_HI[256 | ((r >>> 16) & 255)]! | FP_HI[512 | ((r >>> 8) & 255)]! | FP_HI[768 | (r & 255)]! |
    FP_HI[1024 | (l >>> 24)]! | FP_HI[1280 | ((l >>> 16) & 255)]! | FP_HI[1536 | ((l >>> 8) & 255)]! | FP_HI[1792 | (l & 255)]!;
  const lo =
    FP_LO[r >>> 24]! | FP_LO[256 | ((r >>> 16) & 255)]! | FP_LO[512 | ((r >>> 8) & 255)]! | FP_LO[768 | (r & 255)]! |
    FP_LO[1024 | (l >>> 24)]! | FP_LO[1280 | ((l >>> 16) & 255)]! | FP_LO[1536 | ((l >>> 8) & 255)]! | FP_LO[1792 | (l & 255)]!;
  out[oo] = hi >>> 24;
  out[oo + 1] = hi >>> 16;
  out[oo + 2] = hi >>> 8;
  out[oo + 3] = hi;
  out[oo + 4] = lo >>> 24;
  out[oo + 5] = lo >>> 16;
  out[oo + 6] = lo >>> 8;
  out[oo + 7] = lo;
}

/** ODD_PARITY[b]: b with its low bit replaced so that the byte has an odd number of 1 bits. */
const ODD_PARITY = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let ones = 0;
  for (let v = b >>> 1; v !== 0; v >>>= 1) ones += v & 1;
  ODD_PARITY[b] = (b & 0xfe) | ((ones & 1) ^ 1);
}

/** Spreads the 56 bits k[o..o+6] over 8 bytes at out[oo..], 7 key bits + 1 parity bit each. */
function expandInto(k: Uint8Array, o: number, out: Uint8Array, oo: number): void {
  const k0 = k[o]!;
  const k1 = k[o + 1]!;
  const k2 = k[o + 2]!;
  const k3 = k[o + 3]!;
  const k4 = k[o + 4]!;
  const k5 = k[o + 5]!;
  const k6 = k[o + 6]!;
  out[oo] = ODD_PARITY[k0 & 0xfe]!;
  out[oo + 1] = ODD_PARITY[((k0 << 7) | (k1 >>> 1)) & 0xfe]!;
  out[oo + 2] = ODD_PARITY[((k1 << 6) | (k2 >>> 2)) & 0xfe]!;
  out[oo + 3] = ODD_PARITY[((k2 << 5) | (k3 >>> 3)) & 0xfe]!;
  out[oo + 4] = ODD_PARITY[((k3 << 4) | (k4 >>> 4)) & 0xfe]!;
  out[oo + 5] = ODD_PARITY[((k4 << 3) | (k5 >>> 5)) & 0xfe]!;
  out[oo + 6] = ODD_PARITY[((k5 << 2) | (k6 >>> 6)) & 0xfe]!;
  out[oo + 7] = ODD_PARITY[(k6 << 1) & 0xfe]!;
}

function checkLength(name: string, value: Uint8Array, length: number): void {
  if (value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes long, got ${value.length}`);
  }
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * DES-ECB encryption of one 8-byte block under an 8-byte key (FIPS 46-3). The key's
 * parity bits (the low bit of each byte) are ignored.
 */
export function desEncryptBlock(key: Uint8Array, block: Uint8Array): Buffer {
  checkLength('DES key', key, 8);
  checkLength('DES block', block, 8);
  schedule(key, 0);
  const out = Buffer.allocUnsafe(8);
  encipher(block, 0, out, 0);
  return out;
}

/**
 * Expands a 7-byte (56-bit) key into an 8-byte DES key: each output byte carries the next
 * 7 key bits in its high bits and an odd-parity bit in its low bit. This is the key
 * expansion MS-NLMP uses wherever it DES-encrypts with 7-byte keys (LMOWFv1 in
 * section 3.3.1, DESL() in section 6), commonly called str_to_key.
 */
export function expandDesKey(key7: Uint8Array): Buffer {
  checkLength('7-byte DES key', key7, 7);
  const out = Buffer.allocUnsafe(8);
  expandInto(key7, 0, out, 0);
  return out;
}

/**
 * MS-NLMP section 6, DESL(K, D): the 16-byte key K is split into three 7-byte keys, the
 * last one zero-padded, and D is DES-encrypted under each:
 * DES(K[0..6], D) ‖ DES(K[7..13], D) ‖ DES(K[14..15] ‖ Z(5), D). Returns 24 bytes.
 */
export function desl(key16: Uint8Array, data8: Uint8Array): Buffer {
  checkLength('DESL key', key16, 16);
  checkLength('DESL data', data8, 8);
  const out = Buffer.allocUnsafe(24);
  expandInto(key16, 0, keyScratch, 0);
  schedule(keyScratch, 0);
  encipher(data8, 0, out, 0);
  expandInto(key16, 7, keyScratch, 0);
  schedule(keyScratch, 0);
  encipher(data8, 0, out, 8);
  // Third key: K[14], K[15], then five zero bytes.
  const k14 = key16[14]!;
  const k15 = key16[15]!;
  keyScratch[0] = ODD_PARITY[k14 & 0xfe]!;
  keyScratch[1] = ODD_PARITY[((k14 << 7) | (k15 >>> 1)) & 0xfe]!;
  keyScratch[2] = ODD_PARITY[(k15 << 6) & 0xfe]!;
  keyScratch.fill(ODD_PARITY[0]!, 3);
  schedule(keyScratch, 0);
  encipher(data8, 0, out, 16);
  return out;
}
