// KRB_AP_REP (RFC 4120 §5.5.2, [APPLICATION 15]) and EncAPRepPart ([APPLICATION 27]):
// the acceptor's answer for mutual authentication.

import type { DerLimits, DerNode } from '../../der/index.js';
import { withKerberosErrors } from '../errors.js';
import {
  applicationFields, applicationSequence, Fields, int32, kerberosTime, microseconds, parseKerberosDer,
  readKerberosTime, readMicroseconds, readUInt32, requireMsgType, requireVno, uint32,
} from './asn1.js';
import { encodeEncryptedData, encodeEncryptionKey, readEncryptedData, readEncryptionKey } from './basicTypes.js';
import type { EncryptedData, EncryptionKey } from './basicTypes.js';
import { ApplicationTag, MessageType } from './constants.js';

export interface ApRep {
  /** EncAPRepPart, encrypted in the ticket's session key (key usage 12). */
  readonly encPart: EncryptedData;
}

export interface EncApRepPart {
  /** The authenticator's ctime and cusec, echoed. */
  readonly ctime: Date;
  readonly cusec: number;
  readonly subkey?: EncryptionKey;
  readonly seqNumber?: number;
}

export function readApRep(node: DerNode, what = 'AP-REP'): ApRep {
  const f = new Fields(applicationSequence(node, MessageType.AP_REP, what), 2, what);
  requireVno(f.req(0, 'pvno'), `${what} pvno`);
  requireMsgType(f.req(1, 'msg-type'), MessageType.AP_REP, `${what} msg-type`);
  return { encPart: readEncryptedData(f.req(2, 'enc-part'), `${what} enc-part`) };
}

/** Decodes a DER AP-REP. Throws KerberosDecodeError. */
export function decodeApRep(input: Uint8Array, limits?: DerLimits): ApRep {
  return withKerberosErrors(() => readApRep(parseKerberosDer(input, limits)));
}

export function encodeApRep(r: ApRep): Buffer {
  return applicationFields(MessageType.AP_REP, [
    [0, int32(5)],
    [1, int32(MessageType.AP_REP)],
    [2, encodeEncryptedData(r.encPart)],
  ]);
}

export function readEncApRepPart(node: DerNode, what = 'EncAPRepPart'): EncApRepPart {
  const f = new Fields(applicationSequence(node, ApplicationTag.EncAPRepPart, what), 3, what);
  const subkey = f.opt(2);
  const seq = f.opt(3);
  return {
    ctime: readKerberosTime(f.req(0, 'ctime'), `${what} ctime`),
    cusec: readMicroseconds(f.req(1, 'cusec'), `${what} cusec`),
    ...(subkey === undefined ? {} : { subkey: readEncryptionKey(subkey, `${what} subkey`) }),
    ...(seq === undefined ? {} : { seqNumber: readUInt32(seq, `${what} seq-number`) }),
  };
}

/** Decodes a decrypted EncAPRepPart. Throws KerberosDecodeError. */
export function decodeEncApRepPart(plaintext: Uint8Array, limits?: DerLimits): EncApRepPart {
  return withKerberosErrors(() => readEncApRepPart(parseKerberosDer(plaintext, limits)));
}

export function encodeEncApRepPart(p: EncApRepPart): Buffer {
  return applicationFields(ApplicationTag.EncAPRepPart, [
    [0, kerberosTime(p.ctime)],
    [1, microseconds(p.cusec)],
    [2, p.subkey && encodeEncryptionKey(p.subkey)],
    [3, p.seqNumber === undefined ? undefined : uint32(p.seqNumber)],
  ]);
}
