/** FILETIME (MS-DTYP 2.3.3) to whole Unix seconds, the resolution of KerberosTime (RFC 4120 §5.2.3). */
const FILETIME_UNIX_EPOCH = 116444736000000000n;
const PER_SECOND = 10000000n;

export function filetimeToSeconds(v: bigint): number {
  const d = v - FILETIME_UNIX_EPOCH;
  // Floor, also before 1970: BigInt division truncates toward zero.
  const q = d / PER_SECOND;
  return Number(d < 0n && d % PER_SECOND !== 0n ? q - 1n : q);
}

export function secondsToFiletime(seconds: number): bigint {
  return BigInt(Math.floor(seconds)) * PER_SECOND + FILETIME_UNIX_EPOCH;
}
