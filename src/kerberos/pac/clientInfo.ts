/**
 * PAC_CLIENT_INFO (MS-PAC 2.7, buffer type 10): ClientId, the FILETIME of the ticket's authtime,
 * then NameLength (bytes) and the client's name in UTF-16LE without a NUL. The acceptor checks
 * both against the ticket, so a PAC cut from one ticket does not pass in another.
 */
import { pacFail } from './errors.js';

export interface PacClientInfo {
  /** FILETIME, 100 ns since 1601. */
  readonly clientId: bigint;
  readonly name: string;
}

export function decodePacClientInfo(data: Uint8Array): PacClientInfo {
  if (data.length < 10) pacFail(`PAC_CLIENT_INFO of ${data.length} bytes, needs 10`);
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const clientId = b.readBigUInt64LE(0);
  const nameLength = b.readUInt16LE(8);
  if (nameLength % 2 !== 0 || 10 + nameLength > b.length) pacFail(`PAC_CLIENT_INFO NameLength ${nameLength} in ${b.length} bytes`);
  return { clientId, name: b.subarray(10, 10 + nameLength).toString('utf16le') };
}

export function encodePacClientInfo(info: PacClientInfo): Buffer {
  const name = Buffer.from(info.name, 'utf16le');
  const b = Buffer.alloc(10 + name.length);
  b.writeBigUInt64LE(info.clientId, 0);
  b.writeUInt16LE(name.length, 8);
  name.copy(b, 10);
  return b;
}
