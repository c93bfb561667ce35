/** FILETIME (MS-DTYP §2.3.3): 100 ns intervals since 1601-01-01 00:00:00 UTC, 64-bit little-endian. */

const EPOCH_DIFF_MS = 11644473600000n;

export function filetimeFromMs(ms: number): bigint {
  return (BigInt(Math.trunc(ms)) + EPOCH_DIFF_MS) * 10000n;
}

export function msFromFiletime(ft: bigint): number {
  return Number(ft / 10000n - EPOCH_DIFF_MS);
}

export function encodeFiletime(ft: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(ft);
  return b;
}

export function decodeFiletime(b: Uint8Array): bigint {
  return Buffer.from(b.buffer, b.byteOffset, 8).readBigUInt64LE(0);
}
