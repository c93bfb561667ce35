// The small structures of RFC 4120 §5.2.6–§5.2.9: HostAddress, EncryptedData,
// EncryptionKey, Checksum. Byte fields are views into the decoder's input.

import * as der from '../../der/index.js';
import type { DerNode } from '../../der/index.js';
import { Fields, fieldSequence, int32, readInt32, readSequenceOf, readUInt32, uint32 } from './asn1.js';

/** Addresses accepted in one HostAddresses (tickets without addresses are the norm). */
export const MAX_HOST_ADDRESSES = 32;

export interface HostAddress {
  readonly addrType: number;
  readonly address: Uint8Array;
}

export interface EncryptedData {
  readonly etype: number;
  /** Key version of the key it is encrypted in (present for tickets: RFC 4120 §5.2.9). */
  readonly kvno?: number;
  readonly cipher: Uint8Array;
}

export interface EncryptionKey {
  readonly keytype: number;
  readonly keyvalue: Uint8Array;
}

export interface Checksum {
  readonly cksumtype: number;
  readonly checksum: Uint8Array;
}

export function readHostAddress(node: DerNode, what: string): HostAddress {
  const f = new Fields(der.readSequence(node, what), 1, what);
  return {
    addrType: readInt32(f.req(0, 'addr-type'), `${what} addr-type`),
    address: der.readOctetString(f.req(1, 'address'), `${what} address`),
  };
}

export function readHostAddresses(node: DerNode, what: string): readonly HostAddress[] {
  return readSequenceOf(node, MAX_HOST_ADDRESSES, what).map((n) => readHostAddress(n, what));
}

export function encodeHostAddresses(list: readonly HostAddress[]): Buffer {
  return der.sequence(list.map((a) => fieldSequence([[0, int32(a.addrType)], [1, der.octetString(a.address)]])));
}

export function readEncryptedData(node: DerNode, what: string): EncryptedData {
  const f = new Fields(der.readSequence(node, what), 2, what);
  const etype = readInt32(f.req(0, 'etype'), `${what} etype`);
  const k = f.opt(1);
  const cipher = der.readOctetString(f.req(2, 'cipher'), `${what} cipher`);
  return k === undefined ? { etype, cipher } : { etype, kvno: readUInt32(k, `${what} kvno`), cipher };
}

export function encodeEncryptedData(e: EncryptedData): Buffer {
  return fieldSequence([
    [0, int32(e.etype)],
    [1, e.kvno === undefined ? undefined : uint32(e.kvno)],
    [2, der.octetString(e.cipher)],
  ]);
}

export function readEncryptionKey(node: DerNode, what: string): EncryptionKey {
  const f = new Fields(der.readSequence(node, what), 1, what);
  return {
    keytype: readInt32(f.req(0, 'keytype'), `${what} keytype`),
    keyvalue: der.readOctetString(f.req(1, 'keyvalue'), `${what} keyvalue`),
  };
}

export function encodeEncryptionKey(k: EncryptionKey): Buffer {
  return fieldSequence([[0, int32(k.keytype)], [1, der.octetString(k.keyvalue)]]);
}

export function readChecksum(node: DerNode, what: string): Checksum {
  const f = new Fields(der.readSequence(node, what), 1, what);
  return {
    cksumtype: readInt32(f.req(0, 'cksumtype'), `${what} cksumtype`),
    checksum: der.readOctetString(f.req(1, 'checksum'), `${what} checksum`),
  };
}

export function encodeChecksum(c: Checksum): Buffer {
  return fieldSequence([[0, int32(c.cksumtype)], [1, der.octetString(c.checksum)]]);
}
