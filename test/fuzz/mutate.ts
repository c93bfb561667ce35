/**
 * Fuzzing toolkit: a seeded PRNG, byte-level and NTLM-layout-aware mutators, structured
 * random message generators and the input stream every fuzz target draws from.
 *
 * Everything is deterministic in (seed, target name): a failure report's seed and input
 * index regenerate the exact input. FUZZ_SEED and FUZZ_ITERATIONS override the defaults.
 */
import { encodeAvPairs, type AvPair } from '../../src/ntlm/avPairs.js';
import { NegotiateFlags as F } from '../../src/ntlm/flags.js';
import { encodeAuthenticate } from '../../src/ntlm/messages/authenticate.js';
import { encodeChallenge } from '../../src/ntlm/messages/challenge.js';
import { encodeNegotiate } from '../../src/ntlm/messages/negotiate.js';
import { MAX_MESSAGE_SIZE } from '../../src/ntlm/limits.js';
import type { Version } from '../../src/ntlm/version.js';

// ---------------------------------------------------------------------------
// PRNG: xoshiro128** (a member of the xorshift family), seeded through splitmix32.

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const splitmix = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x100000000) * n);
  }

  /** Uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return hi <= lo ? lo : lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() < p * 0x100000000;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list');
    return items[this.int(items.length)] as T;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      for (let j = 0; j < 4 && i + j < n; j++) b[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return b;
  }

  /** A length biased towards small values: mostly ≤ 16, sometimes ≤ 256, rarely up to max. */
  smallLength(max: number): number {
    const r = this.int(10);
    if (r < 6) return this.int(Math.min(max, 16) + 1);
    if (r < 9) return this.int(Math.min(max, 256) + 1);
    return this.int(max + 1);
  }
}

/** Mixes a textual label into a seed (FNV-1a, then a murmur finaliser), so each target gets its own stream. */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------
// Configuration from the environment.

export const DEFAULT_SEED = 0x4e544c4d; // "NTLM"
export const DEFAULT_ITERATIONS = 100_000;
/** A single input may take at most this long (checked per input, re-measured before failing). */
export const PER_INPUT_LIMIT_MS = 100;

export interface FuzzEnv {
  readonly seed: number;
  readonly iterations: number;
  /** A target stops after this many failing inputs (its report lists them all by kind). */
  readonly maxFailures: number;
}

function parseIntEnv(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const v = value.trim();
  const n = /^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v.slice(2), 16) : /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer (decimal or 0x…), got "${value}"`);
  return n;
}

export function fuzzEnv(env: NodeJS.ProcessEnv = process.env): FuzzEnv {
  return {
    seed: parseIntEnv('FUZZ_SEED', env.FUZZ_SEED, DEFAULT_SEED) >>> 0,
    iterations: Math.max(1, parseIntEnv('FUZZ_ITERATIONS', env.FUZZ_ITERATIONS, DEFAULT_ITERATIONS)),
    maxFailures: Math.max(1, parseIntEnv('FUZZ_MAX_FAILURES', env.FUZZ_MAX_FAILURES, 100)),
  };
}

export function hex(b: Uint8Array, max = 4096): string {
  const s = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  return s.length <= max ? s : `${s.slice(0, max)}… (${b.length} bytes, hex truncated)`;
}

// ---------------------------------------------------------------------------
// Byte-level helpers.

export const INTERESTING_BYTES: readonly number[] = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

/** Field descriptor positions (Len, MaxLen, BufferOffset) by MessageType, MS-NLMP §2.2.1. */
export const DESCRIPTOR_POSITIONS: Readonly<Record<number, readonly number[]>> = {
  1: [16, 24],
  2: [12, 40],
  3: [12, 20, 28, 36, 44, 52],
};
const ALL_DESCRIPTOR_POSITIONS = [...new Set(Object.values(DESCRIPTOR_POSITIONS).flat())].sort((a, b) => a - b);

/** Descriptor positions of the message type named at byte 8, or none. */
export function descriptorPositions(b: Buffer): readonly number[] {
  if (b.length < 12) return [];
  return DESCRIPTOR_POSITIONS[b.readUInt32LE(8)] ?? [];
}

/** The boundary values a length or offset field is overwritten with, relative to the message length. */
export function boundaryValues(len: number): number[] {
  return [...new Set([0, 1, len - 1, len, len + 1, 0xffff, 0xffffffff].map((v) => v >>> 0))];
}

function putU16(b: Buffer, at: number, v: number): void {
  if (at >= 0 && at + 2 <= b.length) b.writeUInt16LE(v & 0xffff, at);
}

function putU32(b: Buffer, at: number, v: number): void {
  if (at >= 0 && at + 4 <= b.length) b.writeUInt32LE(v >>> 0, at);
}

export interface Mutated {
  readonly bytes: Buffer;
  readonly desc: string;
}

/** An extra mutation operator (e.g. DER-aware ones); returns undefined when it does not apply. */
export type MutationOp = (rng: Rng, b: Buffer, donors: readonly Buffer[]) => Mutated | undefined;

type Part = 'len' | 'maxlen' | 'offset' | 'len+maxlen';
const PARTS: readonly Part[] = ['len', 'maxlen', 'offset', 'len+maxlen'];

/** Writes `value` into one part of the descriptor at `at`. */
export function setDescriptor(b: Buffer, at: number, part: Part, value: number): void {
  if (part === 'len' || part === 'len+maxlen') putU16(b, at, value);
  if (part === 'maxlen' || part === 'len+maxlen') putU16(b, at + 2, value);
  if (part === 'offset') putU32(b, at + 4, value);
}

function descriptorCandidates(b: Buffer, at: number, part: Part): number[] {
  const values = boundaryValues(b.length);
  const curLen = at + 2 <= b.length ? b.readUInt16LE(at) : 0;
  const curOff = at + 8 <= b.length ? b.readUInt32LE(at + 4) : 0;
  if (part === 'offset') {
    values.push(b.length - curLen, b.length - curLen + 1, 0x20, 0x28, 0x30, 0x38, 0x40, 0x47, 0x48, 0x57, 0x58);
    for (const p of descriptorPositions(b)) if (p + 8 <= b.length) values.push(b.readUInt32LE(p + 4));
  } else {
    values.push(b.length - curOff, b.length - curOff + 1, 0x7fff, 0x8000, 15, 16, 17, 24, 25);
  }
  return values.map((v) => v >>> 0);
}

/** One random byte-level or layout-aware mutation. */
export function mutateOnce(rng: Rng, input: Buffer, donors: readonly Buffer[], extraOps: readonly MutationOp[] = []): Mutated {
  const b = Buffer.from(input);
  const n = b.length;
  const op = rng.int(14 + extraOps.length * 2);
  switch (op) {
    case 0: {
      if (n === 0) break;
      const k = rng.between(1, 4);
      const at: number[] = [];
      for (let i = 0; i < k; i++) {
        const pos = rng.int(n);
        const bit = rng.int(8);
        b[pos] = (b[pos] as number) ^ (1 << bit);
        at.push(pos * 8 + bit);
      }
      return { bytes: b, desc: `flip bits ${at.join(',')}` };
    }
    case 1: {
      if (n === 0) break;
      const pos = rng.int(n);
      const v = rng.pick(INTERESTING_BYTES);
      b[pos] = v;
      return { bytes: b, desc: `byte[${pos}]=0x${v.toString(16)}` };
    }
    case 2: {
      if (n === 0) break;
      const pos = rng.int(n);
      b[pos] = rng.int(256);
      return { bytes: b, desc: `byte[${pos}]=random` };
    }
    case 3: {
      const len = rng.int(n + 1);
      return { bytes: b.subarray(0, len), desc: `truncate to ${len}` };
    }
    case 4: {
      const k = rng.chance(0.1) ? rng.between(1, 2048) : rng.between(1, 64);
      return { bytes: Buffer.concat([b, rng.bytes(k)]), desc: `extend by ${k} random bytes` };
    }
    case 5:
    case 6:
    case 7: {
      // Descriptor fields get three shares: most parser paths hang off them.
      const positions = descriptorPositions(b);
      const at = rng.pick(positions.length > 0 ? positions : ALL_DESCRIPTOR_POSITIONS);
      const part = rng.pick(PARTS);
      const value = rng.pick(descriptorCandidates(b, at, part));
      setDescriptor(b, at, part, value);
      return { bytes: b, desc: `descriptor@${at}.${part}=0x${value.toString(16)}` };
    }
    case 8: {
      if (n < 2) break;
      const wide = rng.chance(0.5) && n >= 4;
      const pos = rng.chance(0.5) ? rng.int(Math.floor((n - (wide ? 4 : 2)) / 2) + 1) * 2 : rng.int(n - (wide ? 4 : 2) + 1);
      const v = rng.pick([...boundaryValues(n), 0x7fff, 0x8000, 0x80000000, rng.u32()]);
      if (wide) putU32(b, pos, v);
      else putU16(b, pos, v);
      return { bytes: b, desc: `u${wide ? 32 : 16}[${pos}]=0x${(v >>> 0).toString(16)}` };
    }
    case 9: {
      const pos = rng.int(n + 1);
      const k = rng.between(1, 32);
      return { bytes: Buffer.concat([b.subarray(0, pos), rng.bytes(k), b.subarray(pos)]), desc: `insert ${k} bytes at ${pos}` };
    }
    case 10: {
      if (n === 0) break;
      const pos = rng.int(n);
      const k = rng.between(1, Math.min(32, n - pos));
      return { bytes: Buffer.concat([b.subarray(0, pos), b.subarray(pos + k)]), desc: `delete ${k} bytes at ${pos}` };
    }
    case 11: {
      const donor = donors.length > 0 ? rng.pick(donors) : b;
      const cutA = rng.int(n + 1);
      const cutB = rng.int(donor.length + 1);
      return { bytes: Buffer.concat([b.subarray(0, cutA), donor.subarray(cutB)]), desc: `splice [0,${cutA}) + donor[${cutB},${donor.length})` };
    }
    case 12: {
      if (n === 0) break;
      const pos = rng.int(n);
      const k = rng.between(1, Math.min(64, n - pos));
      const times = rng.between(1, 8);
      const chunk = b.subarray(pos, pos + k);
      return {
        bytes: Buffer.concat([b.subarray(0, pos + k), ...Array.from({ length: times }, () => chunk), b.subarray(pos + k)]),
        desc: `repeat ${k} bytes at ${pos} ×${times}`,
      };
    }
    case 13: {
      // Alias one descriptor onto another (overlapping or identical fields).
      const positions = descriptorPositions(b);
      if (positions.length < 2) break;
      const from = rng.pick(positions);
      const to = rng.pick(positions);
      if (from + 8 > n || to + 8 > n) break;
      b.copyWithin(to, from, from + 8);
      return { bytes: b, desc: `descriptor@${to}=copy of @${from}` };
    }
    default: {
      const extra = extraOps[(op - 14) >> 1];
      const r = extra?.(rng, b, donors);
      if (r) return r;
    }
  }
  // The chosen operator did not apply (empty input and the like): flip a byte or grow.
  if (n > 0) {
    const pos = rng.int(n);
    b[pos] = (b[pos] as number) ^ 0xff;
    return { bytes: b, desc: `invert byte ${pos}` };
  }
  return { bytes: rng.bytes(rng.between(1, 16)), desc: 'random bytes (empty input)' };
}

/** 1–4 stacked mutations (geometric: most inputs get one or two). */
export function mutate(rng: Rng, input: Buffer, donors: readonly Buffer[], extraOps: readonly MutationOp[] = []): Mutated {
  let cur: Mutated = { bytes: input, desc: '' };
  const descs: string[] = [];
  let k = 1;
  while (k < 4 && rng.chance(0.4)) k++;
  for (let i = 0; i < k; i++) {
    cur = mutateOnce(rng, cur.bytes, donors, extraOps);
    descs.push(cur.desc);
  }
  return { bytes: cur.bytes, desc: descs.join(' | ') };
}

/** A random NTLMSSP header (valid signature, type 1/2/3 or random) followed by random bytes. */
export function randomWithHeader(rng: Rng): Buffer {
  const head = Buffer.alloc(12);
  head.write('NTLMSSP\0', 0, 'latin1');
  head.writeUInt32LE(rng.chance(0.9) ? rng.between(1, 3) : rng.u32(), 8);
  return Buffer.concat([head, rng.bytes(rng.smallLength(2048))]);
}

// ---------------------------------------------------------------------------
// The input stream.

export interface FuzzInput {
  /** Position in the stream: with the seed it regenerates this input. */
  readonly index: number;
  readonly bytes: Buffer;
  /** Index of the primary seed this input was derived from, or -1. */
  readonly origin: number;
  /** Free choice for the target (context configuration, decoder options, …), in [0, variants). */
  readonly variant: number;
  readonly desc: string;
}

export interface CorpusSpec {
  /** Valid messages the mutations start from. */
  readonly primary: readonly Buffer[];
  /** Splice partners (other valid messages). */
  readonly donors?: readonly Buffer[];
  /** Structure-aware generator of valid-looking inputs (random fields, occasionally huge ones). */
  readonly structured?: (rng: Rng) => Buffer;
  /** Number of target-defined variants an input is tagged with. */
  readonly variants?: number;
  readonly extraOps?: readonly MutationOp[];
  /** Sweep every byte position of the first `headerBytes` bytes of each seed with the interesting values (default 96). */
  readonly headerBytes?: number;
  /** Whether random buffers may start with an NTLMSSP header (default true). */
  readonly ntlmHeaders?: boolean;
}

/**
 * The deterministic sweep: every truncation of every seed, every descriptor part of every
 * seed set to every boundary value, every header byte set to every interesting value.
 */
function* sweep(spec: CorpusSpec): Generator<{ bytes: Buffer; origin: number; desc: string }> {
  // Round-robin over the seeds, so that a short run (small FUZZ_ITERATIONS) still touches each.
  const perSeed = spec.primary.map((seed, origin) => sweepSeed(seed, origin, spec.headerBytes ?? 96));
  while (perSeed.length > 0) {
    for (let i = 0; i < perSeed.length; i++) {
      const next = (perSeed[i] as Generator<{ bytes: Buffer; origin: number; desc: string }>).next();
      if (next.done) perSeed.splice(i--, 1);
      else yield next.value;
    }
  }
}

function* sweepSeed(seed: Buffer, origin: number, headerBytes: number): Generator<{ bytes: Buffer; origin: number; desc: string }> {
  yield { bytes: Buffer.from(seed), origin, desc: 'seed as is' };
  for (let len = 0; len < seed.length; len++) yield { bytes: Buffer.from(seed.subarray(0, len)), origin, desc: `truncate to ${len}` };
  for (const at of descriptorPositions(seed)) {
    for (const part of PARTS) {
      for (const value of new Set(descriptorCandidates(seed, at, part))) {
        const b = Buffer.from(seed);
        setDescriptor(b, at, part, value);
        yield { bytes: b, origin, desc: `descriptor@${at}.${part}=0x${value.toString(16)}` };
      }
    }
  }
  const header = Math.min(seed.length, headerBytes);
  for (let pos = 0; pos < header; pos++) {
    for (const v of INTERESTING_BYTES) {
      if (seed[pos] === v) continue;
      const b = Buffer.from(seed);
      b[pos] = v;
      yield { bytes: b, origin, desc: `byte[${pos}]=0x${v.toString(16)}` };
    }
  }
}

/** Number of inputs in the deterministic sweep phase of `spec`. */
export function sweepLength(spec: CorpusSpec): number {
  let n = 0;
  const it = sweep(spec);
  while (!it.next().done) n++;
  return n;
}

/**
 * `count` inputs: the deterministic sweep first (cut short if count is smaller), then a
 * random mix of stacked mutations of seeds, splices, structured messages and completely
 * random buffers of 0..2048 bytes.
 */
export function* fuzzInputs(spec: CorpusSpec, seed: number, count: number): Generator<FuzzInput> {
  const rng = new Rng(seed);
  const variants = spec.variants ?? 1;
  const donors = [...spec.primary, ...(spec.donors ?? [])];
  let index = 0;
  for (const s of sweep(spec)) {
    if (index >= count) return;
    yield { index, ...s, variant: index % variants };
    index++;
  }
  while (index < count) {
    const variant = rng.int(variants);
    const r = rng.int(100);
    let out: { bytes: Buffer; origin: number; desc: string };
    if (r < 62 && spec.primary.length > 0) {
      const origin = rng.int(spec.primary.length);
      const m = mutate(rng, spec.primary[origin] as Buffer, donors, spec.extraOps);
      out = { bytes: m.bytes, origin, desc: m.desc };
    } else if (r < 70 && donors.length > 0) {
      const origin = spec.primary.length > 0 ? rng.int(spec.primary.length) : -1;
      const a = origin >= 0 ? (spec.primary[origin] as Buffer) : rng.pick(donors);
      const d = rng.pick(donors);
      const cutA = rng.int(a.length + 1);
      const cutB = rng.int(d.length + 1);
      out = { bytes: Buffer.concat([a.subarray(0, cutA), d.subarray(cutB)]), origin, desc: `splice seed[0,${cutA}) + donor[${cutB},${d.length})` };
    } else if (r < 80) {
      const len = rng.chance(0.5) ? rng.smallLength(2048) : rng.int(2049);
      out = { bytes: rng.bytes(len), origin: -1, desc: `random ${len} bytes` };
    } else if (r < 85 && spec.ntlmHeaders !== false) {
      const b = randomWithHeader(rng);
      out = { bytes: b, origin: -1, desc: `NTLMSSP header + ${b.length - 12} random bytes` };
    } else if (spec.structured) {
      const b = spec.structured(rng);
      if (rng.chance(0.5)) {
        out = { bytes: b, origin: -1, desc: `structured (${b.length} bytes)` };
      } else {
        const m = mutateOnce(rng, b, donors, spec.extraOps);
        out = { bytes: m.bytes, origin: -1, desc: `structured (${b.length} bytes) | ${m.desc}` };
      }
    } else {
      const len = rng.int(2049);
      out = { bytes: rng.bytes(len), origin: -1, desc: `random ${len} bytes` };
    }
    yield { index, ...out, variant };
    index++;
  }
}

/** Regenerates input `index` of the stream (for reports about hung inputs). */
export function inputAt(spec: CorpusSpec, seed: number, index: number): FuzzInput | undefined {
  for (const inp of fuzzInputs(spec, seed, index + 1)) if (inp.index === index) return inp;
  return undefined;
}

// ---------------------------------------------------------------------------
// Structured generators: valid-looking NTLM messages with random fields.

const LATIN1 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.\\@ éü\u00ff';
const WIDE = `${LATIN1}äößЖж中文😀\u0100`;

export function randomString(rng: Rng, alphabet: string, max: number): string {
  const chars = [...alphabet];
  let s = '';
  const n = rng.smallLength(max);
  for (let i = 0; i < n; i++) s += rng.pick(chars);
  return s;
}

export function randomVersion(rng: Rng): Version {
  return { major: rng.int(256), minor: rng.int(256), build: rng.int(0x10000), revision: rng.pick([0x0f, 0x0a, rng.int(256)]) };
}

/** Interesting flag words: the real ones, all, none, and random bits. */
export function randomFlags(rng: Rng): number {
  const common = [
    0xe2088297, 0xe28a8233, 0xe2028233, 0x820a8233, 0xa2898205, 0xe2808235, 0x00000000, 0xffffffff, 0x00000001, 0x00000002,
  ];
  if (rng.chance(0.5)) return rng.pick(common);
  let f = rng.u32();
  if (rng.chance(0.5)) f |= F.NEGOTIATE_UNICODE;
  if (rng.chance(0.5)) f |= F.NEGOTIATE_TARGET_INFO;
  return f >>> 0;
}

function avValue(rng: Rng, id: number): Buffer {
  switch (id) {
    case 0x0006:
      return rng.bytes(4);
    case 0x0007:
      return rng.bytes(8);
    case 0x000a:
      return rng.chance(0.3) ? Buffer.alloc(16) : rng.bytes(16);
    case 0x0008: {
      const v = rng.bytes(48 + rng.smallLength(16));
      v.writeUInt32LE(v.length, 0);
      return v;
    }
    case 0x0001:
    case 0x0002:
    case 0x0003:
    case 0x0004:
    case 0x0005:
    case 0x0009:
      return Buffer.from(randomString(rng, WIDE, 40), 'utf16le');
    default:
      return rng.bytes(rng.smallLength(64));
  }
}

/** A valid AV pair list (without the EOL, which encodeAvPairs appends). `budget` caps the encoded size. */
export function randomAvPairList(rng: Rng, budget = 4096): AvPair[] {
  const pairs: AvPair[] = [];
  const n = rng.chance(0.05) ? rng.between(60, 64) : rng.smallLength(12);
  let size = 4;
  for (let i = 0; i < n; i++) {
    const id = rng.chance(0.85) ? rng.between(1, 10) : rng.pick([0x000b, 0x00ff, 0x7fff, 0xffff, rng.int(0x10000) || 1]);
    const value = avValue(rng, id);
    if (size + 4 + value.length > budget) break;
    pairs.push({ id, value });
    size += 4 + value.length;
  }
  return pairs;
}

/** Adds one huge pair so that the list fills `target` bytes (encoded, EOL included). */
function fillAvPairs(rng: Rng, pairs: AvPair[], target: number): AvPair[] {
  const used = encodeAvPairs(pairs).length;
  const room = target - used - 4;
  if (room <= 0) return pairs;
  const id = rng.pick([0x00ff, 0x0009, 0x0001, 0x7fff]);
  const len = id === 0x0009 || id === 0x0001 ? room & ~1 : room;
  return [...pairs, { id, value: Buffer.alloc(len, 0x41) }];
}

export function randomAvPairs(rng: Rng): Buffer {
  const pairs = randomAvPairList(rng);
  const b = encodeAvPairs(rng.chance(0.02) ? fillAvPairs(rng, pairs, rng.between(60000, 0xffff)) : pairs);
  return rng.chance(0.2) ? Buffer.concat([b, rng.bytes(rng.smallLength(8))]) : b;
}

export function randomNegotiate(rng: Rng): Buffer {
  const b = encodeNegotiate({
    flags: randomFlags(rng),
    domainName: rng.chance(0.4) ? randomString(rng, LATIN1, 30) : undefined,
    workstation: rng.chance(0.4) ? randomString(rng, LATIN1, 30) : undefined,
    version: rng.chance(0.7) ? randomVersion(rng) : undefined,
  });
  // Legacy 32-byte layout (curl): no Version field, payload (if any) follows at 32.
  if (rng.chance(0.15) && b.length === 40) return b.subarray(0, 32);
  return b;
}

export function randomChallenge(rng: Rng): Buffer {
  const flags = randomFlags(rng);
  const unicode = (flags & F.NEGOTIATE_UNICODE) !== 0;
  const targetName = randomString(rng, unicode ? WIDE : LATIN1, 30);
  let targetInfo = randomAvPairList(rng);
  if (rng.chance(0.04)) {
    // Fill the message up to (just under) the 64 KiB cap: the client must cope with what it echoes back.
    const nameBytes = Buffer.byteLength(targetName, unicode ? 'utf16le' : 'latin1');
    const cap = Math.min(0xffff, MAX_MESSAGE_SIZE - 56 - nameBytes);
    targetInfo = fillAvPairs(rng, targetInfo, rng.chance(0.5) ? cap - rng.int(64) : rng.between(Math.max(cap - 2048, 8), cap));
  }
  return encodeChallenge({
    flags: rng.chance(0.9) ? (flags | F.NEGOTIATE_TARGET_INFO) >>> 0 : flags,
    targetName,
    serverChallenge: rng.bytes(8),
    targetInfo,
    version: rng.chance(0.8) ? randomVersion(rng) : undefined,
  });
}

/** An NTLMv2_RESPONSE (§2.2.2.8): NTProofStr, then the client challenge structure with AV pairs. */
export function randomNtlmV2Response(rng: Rng, avPairs?: Buffer): Buffer {
  const head = Buffer.alloc(28);
  head[0] = rng.chance(0.9) ? 1 : rng.int(256);
  head[1] = rng.chance(0.9) ? 1 : rng.int(256);
  rng.bytes(8).copy(head, 8);
  rng.bytes(8).copy(head, 16);
  return Buffer.concat([rng.bytes(16), head, avPairs ?? randomAvPairs(rng), Buffer.alloc(rng.chance(0.8) ? 4 : rng.int(16))]);
}

export function randomAuthenticate(rng: Rng): Buffer {
  const flags = randomFlags(rng);
  const unicode = (flags & F.NEGOTIATE_UNICODE) !== 0;
  const alphabet = unicode ? WIDE : LATIN1;
  const lm = rng.pick([0, 1, 8, 24, 24, rng.smallLength(64)]);
  const ntKind = rng.int(4);
  let nt: Buffer = ntKind === 0 ? Buffer.alloc(0) : ntKind === 1 ? rng.bytes(24) : ntKind === 2 ? randomNtlmV2Response(rng) : rng.bytes(rng.smallLength(300));
  if (rng.chance(0.03)) {
    // A near-maximal NT response (payload just under the 64 KiB message cap).
    nt = randomNtlmV2Response(rng, encodeAvPairs(fillAvPairs(rng, [], rng.between(60000, 64900))));
  }
  if (nt.length > 0xffff) nt = nt.subarray(0, 0xffff);
  return encodeAuthenticate({
    flags,
    lmChallengeResponse: rng.bytes(lm),
    ntChallengeResponse: nt,
    domainName: randomString(rng, alphabet, 20),
    userName: randomString(rng, alphabet, 20),
    workstation: randomString(rng, alphabet, 15),
    encryptedRandomSessionKey: rng.chance(0.7) ? rng.bytes(16) : rng.bytes(rng.pick([0, 0, 15, 17, 32])),
    version: rng.chance(0.8) ? randomVersion(rng) : undefined,
    mic: rng.chance(0.6) ? rng.bytes(16) : undefined,
  });
}

/** Any of the three, or an AV pair list in a CHALLENGE. */
export function randomMessage(rng: Rng): Buffer {
  const k = rng.int(3);
  return k === 0 ? randomNegotiate(rng) : k === 1 ? randomChallenge(rng) : randomAuthenticate(rng);
}
