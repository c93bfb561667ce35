/**
 * MS-RPCE 2.2.6 type serialization version 1: the 8-byte common header (version 1,
 * little-endian, header length 8, filler 0xcccccccc), the 8-byte private header (object buffer
 * length, filler 0), then the NDR stream of one top-level pointer and its referent, padded to
 * 8 bytes. The PAC's KERB_VALIDATION_INFO is stored this way (MS-PAC 2.5).
 */
import { ndrFail } from './errors.js';
import { NdrReader } from './reader.js';
import type { NdrReaderOptions } from './reader.js';
import { NdrWriter } from './writer.js';

/** MS-RPCE 2.2.6.1 CommonHeader: Version 1, Endianness 0x10 (little), CommonHeaderLength 8. */
const COMMON_HEADER = [0x01, 0x10, 0x08, 0x00] as const;
const FILLER = 0xcccccccc;
const HEADERS_LENGTH = 16;

/**
 * Decodes a type-serialized top-level pointer: `read` reads the referent's inline part with
 * the reader (its embedded referents are read after it). Throws NdrDecodeError.
 */
export function decodeTypeSerialization1<T>(bytes: Uint8Array, read: (r: NdrReader) => T, options?: NdrReaderOptions): T {
  if (bytes.length < HEADERS_LENGTH) ndrFail('TRUNCATED', `type serialization: ${bytes.length} bytes, headers need ${HEADERS_LENGTH}`);
  if (bytes[0] !== COMMON_HEADER[0]) ndrFail('BAD_HEADER', `type serialization version ${bytes[0]}, not 1`);
  if (bytes[1] !== COMMON_HEADER[1]) ndrFail('BAD_HEADER', `type serialization endianness 0x${bytes[1]?.toString(16)}: only little-endian (0x10) is read`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(2, true) !== 8) ndrFail('BAD_HEADER', `common header length ${view.getUint16(2, true)}, not 8`);
  const objectLength = view.getUint32(8, true);
  if (objectLength > bytes.length - HEADERS_LENGTH) {
    ndrFail('TRUNCATED', `private header ObjectBufferLength ${objectLength}, ${bytes.length - HEADERS_LENGTH} bytes follow`);
  }
  // Alignment is relative to the stream start; the headers are 16 bytes, so a reader over the
  // object buffer alone aligns the same way and cannot read past ObjectBufferLength.
  const r = new NdrReader(bytes.subarray(HEADERS_LENGTH, HEADERS_LENGTH + objectLength), options);
  const referent = r.pointer('top-level pointer');
  if (referent === 0) ndrFail('BAD_POINTER', 'top-level pointer is null');
  return r.construct(() => read(r));
}

/** Encodes a type-serialized top-level pointer whose referent `write` writes. */
export function encodeTypeSerialization1(write: (w: NdrWriter) => void): Buffer {
  const w = new NdrWriter();
  w.pointer(() => write(w));
  w.align(8);
  const body = w.toBuffer();
  const header = Buffer.alloc(HEADERS_LENGTH);
  header.set(COMMON_HEADER, 0);
  header.writeUInt32LE(FILLER, 4);
  header.writeUInt32LE(body.length, 8);
  return Buffer.concat([header, body]);
}
