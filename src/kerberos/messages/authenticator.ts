// Authenticator (RFC 4120 §5.5.1, [APPLICATION 2]): what the client encrypts in the
// session key (key usage 11) to prove it holds it.

import type { DerLimits, DerNode } from '../../der/index.js';
import { withKerberosErrors } from '../errors.js';
import {
  applicationFields, applicationSequence, Fields, int32, kerberosString, kerberosTime, microseconds,
  parseKerberosDer, readKerberosString, readKerberosTime, readMicroseconds, readUInt32, requireVno, uint32,
} from './asn1.js';
import { encodeAuthorizationData, readAuthorizationData } from './authorizationData.js';
import type { AuthorizationData } from './authorizationData.js';
import { encodeChecksum, encodeEncryptionKey, readChecksum, readEncryptionKey } from './basicTypes.js';
import type { Checksum, EncryptionKey } from './basicTypes.js';
import { ApplicationTag } from './constants.js';
import { encodePrincipalName, readPrincipalName } from './principalName.js';
import type { PrincipalName } from './principalName.js';

export interface Authenticator {
  readonly crealm: string;
  readonly cname: PrincipalName;
  /** For GSS-API, the 0x8003 checksum (RFC 4121 §4.1.1; authenticatorChecksum.ts). */
  readonly cksum?: Checksum;
  readonly cusec: number;
  readonly ctime: Date;
  readonly subkey?: EncryptionKey;
  readonly seqNumber?: number;
  readonly authorizationData?: AuthorizationData;
}

export function readAuthenticator(node: DerNode, what = 'Authenticator'): Authenticator {
  const f = new Fields(applicationSequence(node, ApplicationTag.Authenticator, what), 8, what);
  requireVno(f.req(0, 'authenticator-vno'), `${what} authenticator-vno`);
  const cksum = f.opt(3);
  const subkey = f.opt(6);
  const seq = f.opt(7);
  const ad = f.opt(8);
  return {
    crealm: readKerberosString(f.req(1, 'crealm'), `${what} crealm`),
    cname: readPrincipalName(f.req(2, 'cname'), `${what} cname`),
    ...(cksum === undefined ? {} : { cksum: readChecksum(cksum, `${what} cksum`) }),
    cusec: readMicroseconds(f.req(4, 'cusec'), `${what} cusec`),
    ctime: readKerberosTime(f.req(5, 'ctime'), `${what} ctime`),
    ...(subkey === undefined ? {} : { subkey: readEncryptionKey(subkey, `${what} subkey`) }),
    ...(seq === undefined ? {} : { seqNumber: readUInt32(seq, `${what} seq-number`) }),
    ...(ad === undefined ? {} : { authorizationData: readAuthorizationData(ad, `${what} authorization-data`) }),
  };
}

/** Decodes a decrypted Authenticator. Throws KerberosDecodeError. */
export function decodeAuthenticator(plaintext: Uint8Array, limits?: DerLimits): Authenticator {
  return withKerberosErrors(() => readAuthenticator(parseKerberosDer(plaintext, limits)));
}

export function encodeAuthenticator(a: Authenticator): Buffer {
  return applicationFields(ApplicationTag.Authenticator, [
    [0, int32(5)],
    [1, kerberosString(a.crealm)],
    [2, encodePrincipalName(a.cname)],
    [3, a.cksum && encodeChecksum(a.cksum)],
    [4, microseconds(a.cusec)],
    [5, kerberosTime(a.ctime)],
    [6, a.subkey && encodeEncryptionKey(a.subkey)],
    [7, a.seqNumber === undefined ? undefined : uint32(a.seqNumber)],
    [8, a.authorizationData && encodeAuthorizationData(a.authorizationData)],
  ]);
}
