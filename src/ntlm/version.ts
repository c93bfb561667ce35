/** The VERSION structure, MS-NLMP §2.2.2.10. Informational only, never used for decisions. */
import { NtlmDecodeError } from './errors.js';

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
  /** NTLMRevisionCurrent: 0x0F (NTLMSSP_REVISION_W2K3) on every modern peer. */
  readonly revision: number;
}

/** What we announce: Windows 10/Server 2016+ numbering, NTLM revision 15. */
export const OUR_VERSION: Version = { major: 10, minor: 0, build: 20348, revision: 0x0f };

export function encodeVersion(v: Version): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(v.major, 0);
  b.writeUInt8(v.minor, 1);
  b.writeUInt16LE(v.build, 2);
  b.writeUInt8(v.revision, 7);
  return b;
}

export function decodeVersion(b: Buffer, at: number): Version {
  if (at + 8 > b.length) throw new NtlmDecodeError('TOO_SHORT', 'VERSION field is past the end of the message');
  return { major: b.readUInt8(at), minor: b.readUInt8(at + 1), build: b.readUInt16LE(at + 2), revision: b.readUInt8(at + 7) };
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.build} (NTLM revision ${v.revision})`;
}
