/** NegotiateFlags, MS-NLMP §2.2.2.5. Letters in comments are the spec's bit names. */

export const NegotiateFlags = {
  NEGOTIATE_UNICODE: 0x00000001, // A
  NEGOTIATE_OEM: 0x00000002, // B
  REQUEST_TARGET: 0x00000004, // C
  NEGOTIATE_SIGN: 0x00000010, // D
  NEGOTIATE_SEAL: 0x00000020, // E
  NEGOTIATE_DATAGRAM: 0x00000040, // F
  NEGOTIATE_LM_KEY: 0x00000080, // G
  NEGOTIATE_NTLM: 0x00000200, // H
  ANONYMOUS: 0x00000800, // J
  NEGOTIATE_OEM_DOMAIN_SUPPLIED: 0x00001000, // K
  NEGOTIATE_OEM_WORKSTATION_SUPPLIED: 0x00002000, // L
  NEGOTIATE_ALWAYS_SIGN: 0x00008000, // M
  TARGET_TYPE_DOMAIN: 0x00010000, // N
  TARGET_TYPE_SERVER: 0x00020000, // O
  NEGOTIATE_EXTENDED_SESSIONSECURITY: 0x00080000, // P
  NEGOTIATE_IDENTIFY: 0x00100000, // Q
  REQUEST_NON_NT_SESSION_KEY: 0x00400000, // R
  NEGOTIATE_TARGET_INFO: 0x00800000, // S
  NEGOTIATE_VERSION: 0x02000000, // T
  NEGOTIATE_128: 0x20000000, // U
  NEGOTIATE_KEY_EXCH: 0x40000000, // V
  NEGOTIATE_56: 0x80000000, // W
} as const;

export type NegotiateFlagName = keyof typeof NegotiateFlags;

const ENTRIES = Object.entries(NegotiateFlags) as [NegotiateFlagName, number][];

/** True when every bit of `flag` is set in `flags` (flags are unsigned 32-bit). */
export function hasFlag(flags: number, flag: number): boolean {
  return ((flags & flag) >>> 0) === flag >>> 0;
}

/** Names of the set flags, in bit order; unknown bits appear as `0x…`. */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  let known = 0;
  for (const [name, bit] of ENTRIES) {
    known |= bit;
    if (hasFlag(flags, bit)) out.push(name);
  }
  const unknown = (flags & ~known) >>> 0;
  for (let bit = 1; bit !== 0 && bit <= 0x80000000; bit = (bit << 1) >>> 0) {
    if (unknown & bit) out.push(`0x${bit.toString(16).padStart(8, '0')}`);
    if (bit === 0x80000000) break;
  }
  return out;
}

/** Parses `A|B|C` style names (as printed by flagNames) back into a number. */
export function parseFlagNames(text: string): number {
  let v = 0;
  for (const part of text.split('|').map((s) => s.trim()).filter(Boolean)) {
    const name = part.replace(/^NTLMSSP_/, '') as NegotiateFlagName;
    const bit = NegotiateFlags[name];
    if (bit === undefined) throw new RangeError(`unknown NTLM flag ${part}`);
    v |= bit;
  }
  return v >>> 0;
}
