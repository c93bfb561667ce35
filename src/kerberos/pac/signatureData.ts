/**
 * PAC_SIGNATURE_DATA (MS-PAC 2.8): SignatureType (a Kerberos checksum type, LE32 so HMAC-MD5's
 * −138 is 0xFFFFFF76), the Signature of that type's length, then on an RODC-issued PAC a u16
 * RODCIdentifier (2.8.1 ff.).
 */
import { ChecksumTypeNumber } from '../crypto/index.js';
import { pacFail } from './errors.js';

/** Signature lengths by checksum type (MS-PAC 2.8: 12 for HMAC-SHA1-96-AES*, 16 for HMAC-MD5; RFC 8009 for 19/20). */
const SIGNATURE_LENGTH: ReadonlyMap<number, number> = new Map([
  [ChecksumTypeNumber.HMAC_SHA1_96_AES128, 12],
  [ChecksumTypeNumber.HMAC_SHA1_96_AES256, 12],
  [ChecksumTypeNumber.HMAC_SHA256_128_AES128, 16],
  [ChecksumTypeNumber.HMAC_SHA384_192_AES256, 24],
  [ChecksumTypeNumber.HMAC_MD5, 16],
]);

export interface PacSignatureData {
  /** The checksum type, signed (−138 for HMAC-MD5). */
  readonly signatureType: number;
  readonly signature: Uint8Array;
  /** Offset of the Signature within the buffer (4), for zeroing it. */
  readonly signatureOffset: number;
  readonly rodcIdentifier?: number;
}

/** The Signature length of a checksum type; undefined for a type the PAC does not use. */
export function pacSignatureLength(signatureType: number): number | undefined {
  return SIGNATURE_LENGTH.get(signatureType);
}

export function decodePacSignatureData(data: Uint8Array): PacSignatureData {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b.length < 4) pacFail(`PAC_SIGNATURE_DATA of ${b.length} bytes`);
  const signatureType = b.readInt32LE(0);
  const length = pacSignatureLength(signatureType);
  if (length === undefined) pacFail(`PAC_SIGNATURE_DATA SignatureType ${signatureType} is not a PAC checksum type`);
  if (b.length < 4 + length) pacFail(`PAC_SIGNATURE_DATA: ${b.length} bytes for a ${length}-byte signature`);
  const sig = { signatureType, signature: data.subarray(4, 4 + length), signatureOffset: 4 };
  return b.length >= 6 + length ? { ...sig, rodcIdentifier: b.readUInt16LE(4 + length) } : sig;
}

export function encodePacSignatureData(signatureType: number, signature: Uint8Array): Buffer {
  const b = Buffer.alloc(4 + signature.length);
  b.writeInt32LE(signatureType, 0);
  b.set(signature, 4);
  return b;
}
