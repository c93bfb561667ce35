/**
 * PACTYPE and PAC_INFO_BUFFER (MS-PAC 2.3, 2.4): cBuffers, Version 0, then cBuffers entries of
 * {ulType, cbBufferSize, Offset (u64, from the PAC start)}; every buffer starts on an 8-byte
 * boundary after the entries. Unknown types are kept (and ignored by the verifier).
 */
import { pacFail } from './errors.js';

/** PAC_INFO_BUFFER ulType values (MS-PAC 2.4). */
export const PacBufferType = {
  LOGON_INFO: 1,
  CREDENTIALS_INFO: 2,
  SERVER_CHECKSUM: 6,
  PRIVSVR_CHECKSUM: 7,
  CLIENT_INFO: 10,
  CONSTRAINED_DELEGATION_INFO: 11,
  UPN_DNS_INFO: 12,
  CLIENT_CLAIMS_INFO: 13,
  DEVICE_INFO: 14,
  DEVICE_CLAIMS_INFO: 15,
  TICKET_CHECKSUM: 16,
  ATTRIBUTES_INFO: 17,
  REQUESTOR: 18,
  FULL_PAC_CHECKSUM: 19,
} as const;

/** Buffers accepted in one PAC (Windows writes about ten). */
export const MAX_PAC_BUFFERS = 64;
/** The largest PAC accepted (the ticket that holds it is bounded long before this). */
export const MAX_PAC_LENGTH = 1 << 20;

const PACTYPE_HEADER = 8;
const PAC_INFO_BUFFER_LENGTH = 16;

export interface PacInfoBuffer {
  readonly type: number;
  /** Offset of the buffer in the PAC. */
  readonly offset: number;
  /** The buffer's bytes (a view into the PAC). */
  readonly data: Uint8Array;
}

export interface PacType {
  readonly version: number;
  readonly buffers: readonly PacInfoBuffer[];
}

/** Decodes PACTYPE; throws PacDecodeError when entries overlap the header, run past the end or are misaligned. */
export function decodePacType(pac: Uint8Array): PacType {
  if (pac.length > MAX_PAC_LENGTH) pacFail(`PAC of ${pac.length} bytes, cap ${MAX_PAC_LENGTH}`);
  if (pac.length < PACTYPE_HEADER) pacFail(`PAC of ${pac.length} bytes, PACTYPE needs ${PACTYPE_HEADER}`);
  const b = Buffer.from(pac.buffer, pac.byteOffset, pac.byteLength);
  const count = b.readUInt32LE(0);
  const version = b.readUInt32LE(4);
  if (version !== 0) pacFail(`PACTYPE Version ${version}, not 0`);
  if (count === 0 || count > MAX_PAC_BUFFERS) pacFail(`PACTYPE cBuffers ${count}, 1 to ${MAX_PAC_BUFFERS}`);
  const dataStart = PACTYPE_HEADER + count * PAC_INFO_BUFFER_LENGTH;
  if (dataStart > b.length) pacFail(`${count} PAC_INFO_BUFFERs need ${dataStart} bytes, the PAC has ${b.length}`);
  const buffers: PacInfoBuffer[] = [];
  for (let i = 0; i < count; i++) {
    const at = PACTYPE_HEADER + i * PAC_INFO_BUFFER_LENGTH;
    const type = b.readUInt32LE(at);
    const size = b.readUInt32LE(at + 4);
    const offset64 = b.readBigUInt64LE(at + 8);
    if (offset64 > BigInt(b.length)) pacFail(`PAC buffer ${type}: Offset ${offset64} past the PAC's ${b.length} bytes`);
    const offset = Number(offset64);
    if (offset % 8 !== 0) pacFail(`PAC buffer ${type}: Offset ${offset} not 8-byte aligned`);
    if (offset < dataStart) pacFail(`PAC buffer ${type}: Offset ${offset} inside the PACTYPE header`);
    if (size > b.length - offset) pacFail(`PAC buffer ${type}: ${size} bytes at ${offset} run past the PAC's ${b.length} bytes`);
    buffers.push({ type, offset, data: pac.subarray(offset, offset + size) });
  }
  return { version, buffers };
}

/** Lays out buffers as a PAC (each 8-aligned, in the given order); for tests and tools. */
export function encodePacType(buffers: readonly { readonly type: number; readonly data: Uint8Array }[]): Buffer {
  const header = Buffer.alloc(PACTYPE_HEADER + buffers.length * PAC_INFO_BUFFER_LENGTH);
  header.writeUInt32LE(buffers.length, 0);
  const parts: Buffer[] = [header];
  let offset = header.length;
  buffers.forEach((buf, i) => {
    const at = PACTYPE_HEADER + i * PAC_INFO_BUFFER_LENGTH;
    header.writeUInt32LE(buf.type, at);
    header.writeUInt32LE(buf.data.length, at + 4);
    header.writeBigUInt64LE(BigInt(offset), at + 8);
    const padded = Buffer.alloc(Math.ceil(buf.data.length / 8) * 8);
    padded.set(buf.data);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}
