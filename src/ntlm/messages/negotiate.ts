/** NEGOTIATE_MESSAGE, MS-NLMP §2.2.1.1. */
import { checkHeader, decodeString, fieldBytes, MessageBuilder, readFieldRef } from '../fields.js';
import { hasFlag, NegotiateFlags } from '../flags.js';
import { decodeVersion, encodeVersion, type Version } from '../version.js';

export interface NegotiateMessage {
  readonly flags: number;
  /** OEM domain name, present when NEGOTIATE_OEM_DOMAIN_SUPPLIED is set. */
  readonly domainName?: string;
  /** OEM workstation name, present when NEGOTIATE_OEM_WORKSTATION_SUPPLIED is set. */
  readonly workstation?: string;
  readonly version?: Version;
}

/** Legacy clients (curl) send 32 bytes without the Version field; accept them. */
const MIN_SIZE = 32;
const HEADER = 40;

export function decodeNegotiate(buf: Uint8Array): NegotiateMessage {
  const b = checkHeader(buf, 1, MIN_SIZE);
  const flags = b.readUInt32LE(12);
  const domainRef = readFieldRef(b, 16, 'DomainNameFields');
  const wsRef = readFieldRef(b, 24, 'WorkstationFields');
  // The strings are OEM whatever the Unicode flag says (§2.2.1.1).
  const domainName = hasFlag(flags, NegotiateFlags.NEGOTIATE_OEM_DOMAIN_SUPPLIED)
    ? decodeString(fieldBytes(b, domainRef), false, 'DomainName')
    : undefined;
  const workstation = hasFlag(flags, NegotiateFlags.NEGOTIATE_OEM_WORKSTATION_SUPPLIED)
    ? decodeString(fieldBytes(b, wsRef), false, 'Workstation')
    : undefined;
  const version = hasFlag(flags, NegotiateFlags.NEGOTIATE_VERSION) && b.length >= HEADER ? decodeVersion(b, 32) : undefined;
  return { flags, domainName, workstation, version };
}

/** Always writes the 40-byte layout with the Version field (gss-ntlmssp rejects 32-byte ones). */
export function encodeNegotiate(m: NegotiateMessage): Buffer {
  let flags = m.flags >>> 0;
  if (m.domainName !== undefined) flags |= NegotiateFlags.NEGOTIATE_OEM_DOMAIN_SUPPLIED;
  if (m.workstation !== undefined) flags |= NegotiateFlags.NEGOTIATE_OEM_WORKSTATION_SUPPLIED;
  const mb = new MessageBuilder(HEADER, 1, 'cursor');
  mb.u32(12, flags);
  mb.field(16, Buffer.from(m.domainName ?? '', 'latin1'));
  mb.field(24, Buffer.from(m.workstation ?? '', 'latin1'));
  if (m.version && hasFlag(flags, NegotiateFlags.NEGOTIATE_VERSION)) mb.bytes(32, encodeVersion(m.version));
  return mb.build();
}
