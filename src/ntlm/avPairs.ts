/**
 * AV_PAIR lists (MS-NLMP §2.2.2.1): the TargetInfo of a CHALLENGE and the AvPairs inside
 * an NTLMv2 client challenge. Kept as an ordered list of raw values, so that what a peer
 * sent can be echo-checked byte for byte, with typed accessors for the known ids.
 */
import { NtlmDecodeError } from './errors.js';
import { decodeFiletime, encodeFiletime } from './filetime.js';
import { MAX_AV_PAIRS } from './limits.js';

export const AvId = {
  MsvAvEOL: 0x0000,
  MsvAvNbComputerName: 0x0001,
  MsvAvNbDomainName: 0x0002,
  MsvAvDnsComputerName: 0x0003,
  MsvAvDnsDomainName: 0x0004,
  MsvAvDnsTreeName: 0x0005,
  MsvAvFlags: 0x0006,
  MsvAvTimestamp: 0x0007,
  MsvAvSingleHost: 0x0008,
  MsvAvTargetName: 0x0009,
  MsvAvChannelBindings: 0x000a,
} as const;
export type AvIdName = keyof typeof AvId;

/** MsvAvFlags bits (MS-NLMP §2.2.2.1). */
export const MsvAvFlagBits = {
  /** The account is authentication-constrained. */
  CONSTRAINED: 0x1,
  /** The client provides a MIC in the AUTHENTICATE message. */
  MIC_PRESENT: 0x2,
  /** The client's target SPN came from an untrusted source. */
  UNVERIFIED_SPN: 0x4,
} as const;

export interface AvPair {
  readonly id: number;
  readonly value: Buffer;
}

const NAMES = new Map<number, AvIdName>(Object.entries(AvId).map(([k, v]) => [v, k as AvIdName]));
const STRING_IDS = new Set<number>([
  AvId.MsvAvNbComputerName,
  AvId.MsvAvNbDomainName,
  AvId.MsvAvDnsComputerName,
  AvId.MsvAvDnsDomainName,
  AvId.MsvAvDnsTreeName,
  AvId.MsvAvTargetName,
]);

export function avIdName(id: number): string {
  return NAMES.get(id) ?? `0x${id.toString(16).padStart(4, '0')}`;
}

/** Parses an AV_PAIR list ending in MsvAvEOL; bytes after the EOL (padding) are ignored. */
export function decodeAvPairs(buf: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let at = 0;
  for (;;) {
    if (at + 4 > buf.length) throw new NtlmDecodeError('BAD_AV_PAIR', 'AV pair list ends without MsvAvEOL');
    const id = buf.readUInt16LE(at);
    const len = buf.readUInt16LE(at + 2);
    at += 4;
    if (id === AvId.MsvAvEOL) {
      if (len !== 0) throw new NtlmDecodeError('BAD_AV_PAIR', 'MsvAvEOL with a non-zero length');
      return pairs;
    }
    if (at + len > buf.length) {
      throw new NtlmDecodeError('BAD_AV_PAIR', `${avIdName(id)} of length ${len} runs past the end of the list`);
    }
    if (pairs.length >= MAX_AV_PAIRS) throw new NtlmDecodeError('BAD_AV_PAIR', `more than ${MAX_AV_PAIRS} AV pairs`);
    checkLength(id, len);
    pairs.push({ id, value: Buffer.from(buf.subarray(at, at + len)) });
    at += len;
  }
}

function checkLength(id: number, len: number): void {
  const fixed: Record<number, number> = {
    [AvId.MsvAvFlags]: 4,
    [AvId.MsvAvTimestamp]: 8,
    [AvId.MsvAvChannelBindings]: 16,
  };
  const want = fixed[id];
  if (want !== undefined && len !== want) {
    throw new NtlmDecodeError('BAD_AV_PAIR', `${avIdName(id)} must be ${want} bytes, got ${len}`);
  }
  if (STRING_IDS.has(id) && len % 2 !== 0) {
    throw new NtlmDecodeError('BAD_AV_PAIR', `${avIdName(id)} has an odd length for UTF-16`);
  }
  if (id === AvId.MsvAvSingleHost && len < 48) {
    throw new NtlmDecodeError('BAD_AV_PAIR', `MsvAvSingleHost must be at least 48 bytes, got ${len}`);
  }
}

/** Serialises pairs and appends MsvAvEOL (any EOL in the input is dropped). */
export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of pairs) {
    if (p.id === AvId.MsvAvEOL) continue;
    const h = Buffer.alloc(4);
    h.writeUInt16LE(p.id, 0);
    h.writeUInt16LE(p.value.length, 2);
    parts.push(h, p.value);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

export function findAv(pairs: readonly AvPair[], id: number): Buffer | undefined {
  return pairs.find((p) => p.id === id)?.value;
}

/** Returns a copy of `pairs` with `id` set to `value` (replaced in place, or appended). */
export function setAv(pairs: readonly AvPair[], id: number, value: Buffer): AvPair[] {
  const out = pairs.filter((p) => p.id !== AvId.MsvAvEOL).map((p) => (p.id === id ? { id, value } : p));
  if (!out.some((p) => p.id === id)) out.push({ id, value });
  return out;
}

export function avString(s: string): Buffer {
  return Buffer.from(s, 'utf16le');
}

export function avFlags(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

export function readAvFlags(pairs: readonly AvPair[]): number {
  const v = findAv(pairs, AvId.MsvAvFlags);
  return v ? v.readUInt32LE(0) : 0;
}

export function readAvString(pairs: readonly AvPair[], id: number): string | undefined {
  return findAv(pairs, id)?.toString('utf16le');
}

export function readAvTimestamp(pairs: readonly AvPair[]): bigint | undefined {
  const v = findAv(pairs, AvId.MsvAvTimestamp);
  return v ? decodeFiletime(v) : undefined;
}

export function avTimestamp(ft: bigint): Buffer {
  return encodeFiletime(ft);
}

/** A decoded, display-ready view of one pair (used by `ntlmgate decode` and logs). */
export interface AvPairView {
  id: string;
  value: string | number | { size: number; z4: number; customData: string; machineId: string };
  hex: string;
}

export function describeAvPair(p: AvPair): AvPairView {
  const hex = p.value.toString('hex');
  const id = avIdName(p.id);
  if (STRING_IDS.has(p.id)) return { id, value: p.value.toString('utf16le'), hex };
  if (p.id === AvId.MsvAvFlags) return { id, value: p.value.readUInt32LE(0), hex };
  if (p.id === AvId.MsvAvTimestamp) {
    const ft = decodeFiletime(p.value);
    const ms = Number(ft / 10000n - 11644473600000n);
    const iso = Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : 'out of range';
    return { id, value: `${iso} (FILETIME 0x${ft.toString(16)})`, hex };
  }
  if (p.id === AvId.MsvAvSingleHost) {
    return {
      id,
      value: {
        size: p.value.readUInt32LE(0),
        z4: p.value.readUInt32LE(4),
        customData: p.value.subarray(8, 16).toString('hex'),
        machineId: p.value.subarray(16, 48).toString('hex'),
      },
      hex,
    };
  }
  return { id, value: hex, hex };
}
