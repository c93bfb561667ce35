// Ticket (RFC 4120 §5.3, [APPLICATION 1]) and its decrypted EncTicketPart ([APPLICATION 3]).

import * as der from '../../der/index.js';
import type { DerLimits, DerNode } from '../../der/index.js';
import { withKerberosErrors } from '../errors.js';
import {
  applicationFields, applicationSequence, Fields, fieldSequence, int32, kerberosFlags, kerberosString, kerberosTime,
  parseKerberosDer, readInt32, readKerberosFlags, readKerberosString, readKerberosTime, requireVno,
} from './asn1.js';
import { encodeAuthorizationData, readAuthorizationData } from './authorizationData.js';
import type { AuthorizationData } from './authorizationData.js';
import { encodeEncryptedData, encodeEncryptionKey, encodeHostAddresses, readEncryptedData, readEncryptionKey, readHostAddresses } from './basicTypes.js';
import type { EncryptedData, EncryptionKey, HostAddress } from './basicTypes.js';
import { ApplicationTag } from './constants.js';
import { encodePrincipalName, readPrincipalName } from './principalName.js';
import type { PrincipalName } from './principalName.js';

export interface Ticket {
  /** tkt-vno, always 5. */
  readonly tktVno: 5;
  readonly realm: string;
  readonly sname: PrincipalName;
  /** EncTicketPart, encrypted in the service key (key usage 2). */
  readonly encPart: EncryptedData;
  /** The ticket's DER encoding as received (what an initiator copies into its AP-REQ). */
  readonly encoded: Uint8Array;
}

/** TransitedEncoding (RFC 4120 §5.3). */
export interface TransitedEncoding {
  readonly trType: number;
  readonly contents: Uint8Array;
}

export interface EncTicketPart {
  /** TicketFlags as a readKerberosFlags number (constants.ts TicketFlags). */
  readonly flags: number;
  /** The session key. */
  readonly key: EncryptionKey;
  readonly crealm: string;
  readonly cname: PrincipalName;
  readonly transited: TransitedEncoding;
  readonly authtime: Date;
  readonly starttime?: Date;
  readonly endtime: Date;
  readonly renewTill?: Date;
  readonly caddr?: readonly HostAddress[];
  readonly authorizationData?: AuthorizationData;
}

export function readTicket(node: DerNode, what = 'Ticket'): Ticket {
  const f = new Fields(applicationSequence(node, ApplicationTag.Ticket, what), 3, what);
  return {
    tktVno: requireVno(f.req(0, 'tkt-vno'), `${what} tkt-vno`),
    realm: readKerberosString(f.req(1, 'realm'), `${what} realm`),
    sname: readPrincipalName(f.req(2, 'sname'), `${what} sname`),
    encPart: readEncryptedData(f.req(3, 'enc-part'), `${what} enc-part`),
    encoded: node.raw,
  };
}

/** Decodes a DER Ticket. Throws KerberosDecodeError. */
export function decodeTicket(input: Uint8Array, limits?: DerLimits): Ticket {
  return withKerberosErrors(() => readTicket(parseKerberosDer(input, limits)));
}

export function encodeTicket(t: Omit<Ticket, 'tktVno' | 'encoded'>): Buffer {
  return applicationFields(ApplicationTag.Ticket, [
    [0, int32(5)],
    [1, kerberosString(t.realm)],
    [2, encodePrincipalName(t.sname)],
    [3, encodeEncryptedData(t.encPart)],
  ]);
}

export function readEncTicketPart(node: DerNode, what = 'EncTicketPart'): EncTicketPart {
  const f = new Fields(applicationSequence(node, ApplicationTag.EncTicketPart, what), 10, what);
  const tr = new Fields(der.readSequence(f.req(4, 'transited'), `${what} transited`), 1, `${what} transited`);
  const starttime = f.opt(6);
  const renewTill = f.opt(8);
  const caddr = f.opt(9);
  const ad = f.opt(10);
  return {
    flags: readKerberosFlags(f.req(0, 'flags'), `${what} flags`),
    key: readEncryptionKey(f.req(1, 'key'), `${what} key`),
    crealm: readKerberosString(f.req(2, 'crealm'), `${what} crealm`),
    cname: readPrincipalName(f.req(3, 'cname'), `${what} cname`),
    transited: {
      trType: readInt32(tr.req(0, 'tr-type'), `${what} tr-type`),
      contents: der.readOctetString(tr.req(1, 'contents'), `${what} transited contents`),
    },
    authtime: readKerberosTime(f.req(5, 'authtime'), `${what} authtime`),
    ...(starttime === undefined ? {} : { starttime: readKerberosTime(starttime, `${what} starttime`) }),
    endtime: readKerberosTime(f.req(7, 'endtime'), `${what} endtime`),
    ...(renewTill === undefined ? {} : { renewTill: readKerberosTime(renewTill, `${what} renew-till`) }),
    ...(caddr === undefined ? {} : { caddr: readHostAddresses(caddr, `${what} caddr`) }),
    ...(ad === undefined ? {} : { authorizationData: readAuthorizationData(ad, `${what} authorization-data`) }),
  };
}

/** Decodes a decrypted EncTicketPart. Throws KerberosDecodeError. */
export function decodeEncTicketPart(plaintext: Uint8Array, limits?: DerLimits): EncTicketPart {
  return withKerberosErrors(() => readEncTicketPart(parseKerberosDer(plaintext, limits)));
}

export function encodeEncTicketPart(p: EncTicketPart): Buffer {
  return applicationFields(ApplicationTag.EncTicketPart, [
    [0, kerberosFlags(p.flags)],
    [1, encodeEncryptionKey(p.key)],
    [2, kerberosString(p.crealm)],
    [3, encodePrincipalName(p.cname)],
    [4, fieldSequence([[0, int32(p.transited.trType)], [1, der.octetString(p.transited.contents)]])],
    [5, kerberosTime(p.authtime)],
    [6, p.starttime && kerberosTime(p.starttime)],
    [7, kerberosTime(p.endtime)],
    [8, p.renewTill && kerberosTime(p.renewTill)],
    [9, p.caddr && encodeHostAddresses(p.caddr)],
    [10, p.authorizationData && encodeAuthorizationData(p.authorizationData)],
  ]);
}
