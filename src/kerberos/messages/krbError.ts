// KRB_ERROR (RFC 4120 §5.9.1, [APPLICATION 30]): what an acceptor answers a refused
// AP-REQ with (inside a GSS token with TOK_ID 03 00, RFC 4121 §4.1).

import * as der from '../../der/index.js';
import type { DerLimits, DerNode } from '../../der/index.js';
import { withKerberosErrors } from '../errors.js';
import {
  applicationFields, applicationSequence, Fields, int32, kerberosString, kerberosTime, microseconds, parseKerberosDer,
  readInt32, readKerberosString, readKerberosTime, readMicroseconds, requireMsgType, requireVno,
} from './asn1.js';
import { MessageType } from './constants.js';
import { encodePrincipalName, readPrincipalName } from './principalName.js';
import type { PrincipalName } from './principalName.js';

export interface KrbError {
  readonly ctime?: Date;
  readonly cusec?: number;
  readonly stime: Date;
  readonly susec: number;
  /** KrbErrorCode (constants.ts). */
  readonly errorCode: number;
  readonly crealm?: string;
  readonly cname?: PrincipalName;
  /** The service's realm and name. */
  readonly realm: string;
  readonly sname: PrincipalName;
  readonly eText?: string;
  readonly eData?: Uint8Array;
}

export function readKrbError(node: DerNode, what = 'KRB-ERROR'): KrbError {
  const f = new Fields(applicationSequence(node, MessageType.KRB_ERROR, what), 12, what);
  requireVno(f.req(0, 'pvno'), `${what} pvno`);
  requireMsgType(f.req(1, 'msg-type'), MessageType.KRB_ERROR, `${what} msg-type`);
  const [ctime, cusec, crealm, cname, eText, eData] = [f.opt(2), f.opt(3), f.opt(7), f.opt(8), f.opt(11), f.opt(12)];
  return {
    ...(ctime === undefined ? {} : { ctime: readKerberosTime(ctime, `${what} ctime`) }),
    ...(cusec === undefined ? {} : { cusec: readMicroseconds(cusec, `${what} cusec`) }),
    stime: readKerberosTime(f.req(4, 'stime'), `${what} stime`),
    susec: readMicroseconds(f.req(5, 'susec'), `${what} susec`),
    errorCode: readInt32(f.req(6, 'error-code'), `${what} error-code`),
    ...(crealm === undefined ? {} : { crealm: readKerberosString(crealm, `${what} crealm`) }),
    ...(cname === undefined ? {} : { cname: readPrincipalName(cname, `${what} cname`) }),
    realm: readKerberosString(f.req(9, 'realm'), `${what} realm`),
    sname: readPrincipalName(f.req(10, 'sname'), `${what} sname`),
    ...(eText === undefined ? {} : { eText: readKerberosString(eText, `${what} e-text`) }),
    ...(eData === undefined ? {} : { eData: der.readOctetString(eData, `${what} e-data`) }),
  };
}

/** Decodes a DER KRB-ERROR. Throws KerberosDecodeError. */
export function decodeKrbError(input: Uint8Array, limits?: DerLimits): KrbError {
  return withKerberosErrors(() => readKrbError(parseKerberosDer(input, limits)));
}

export function encodeKrbError(e: KrbError): Buffer {
  return applicationFields(MessageType.KRB_ERROR, [
    [0, int32(5)],
    [1, int32(MessageType.KRB_ERROR)],
    [2, e.ctime && kerberosTime(e.ctime)],
    [3, e.cusec === undefined ? undefined : microseconds(e.cusec)],
    [4, kerberosTime(e.stime)],
    [5, microseconds(e.susec)],
    [6, int32(e.errorCode)],
    [7, e.crealm === undefined ? undefined : kerberosString(e.crealm)],
    [8, e.cname && encodePrincipalName(e.cname)],
    [9, kerberosString(e.realm)],
    [10, encodePrincipalName(e.sname)],
    [11, e.eText === undefined ? undefined : kerberosString(e.eText)],
    [12, e.eData && der.octetString(e.eData)],
  ]);
}
