/**
 * PAC test material: the MS-PAC §3 example (an annotated dump in the spec: the AuthorizationData
 * holding AD-WIN2K-PAC, user lzhu of NTDEV, 26 groups, 13 extra SIDs, HMAC-MD5 signatures whose
 * keys the spec does not give), the real PAC of the Samba ticket in test/fixtures/kerberos
 * (decrypted with the exported keytab), and a PAC builder that signs like a KDC.
 */
import { readFileSync } from 'node:fs';
import {
  decodeApReqToken, decodeAuthorizationData, decodeEncTicketPart, decodeKeytab, encryptionType, findKeytabEntry, findPac,
  KeyUsage,
} from '../../../src/kerberos/index.js';
import type { EncTicketPart, EncryptionKey } from '../../../src/kerberos/index.js';
import {
  PacBufferType, decodePacType, encodeKerbValidationInfo, encodePacClientInfo, encodePacSignatureData, encodePacType,
  encodeUpnDnsInfo, secondsToFiletime,
} from '../../../src/kerberos/pac/index.js';
import type { KerbValidationInfo } from '../../../src/kerberos/pac/index.js';
import { fixture } from '../fixtures.js';

/** The PAC of MS-PAC §3 ("Structure Examples"), taken out of the AuthorizationData the dump starts with. */
export function msPacExample(): Uint8Array {
  const hex = readFileSync(new URL('../../../../test/kerberos/pac/fixtures/ms-pac-3-example.hex', import.meta.url), 'utf8').replace(/\s+/g, '');
  const ad = decodeAuthorizationData(Buffer.from(hex, 'hex'));
  if (ad.length !== 1 || ad[0]?.adType !== 128) throw new Error('the MS-PAC example is one AD-WIN2K-PAC');
  return ad[0].adData;
}

export const SAMBA_SERVICE = 'HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST';

/** The Samba ticket's EncTicketPart, its PAC and the keytab key that opened it. */
export function sambaTicket(): { readonly etp: EncTicketPart; readonly pac: Uint8Array; readonly key: EncryptionKey } {
  const { apReq } = decodeApReqToken(fixture('ap-req.gss'));
  const entry = findKeytabEntry(decodeKeytab(fixture('samba-exportkeytab.keytab')), SAMBA_SERVICE, {
    enctype: apReq.ticket.encPart.etype,
    kvno: apReq.ticket.encPart.kvno,
  });
  if (!entry) throw new Error('the exported keytab holds the ticket key');
  const etp = decodeEncTicketPart(encryptionType(entry.key.keytype).decrypt(entry.key.keyvalue, KeyUsage.KDC_REP_TICKET, apReq.ticket.encPart.cipher));
  const pac = findPac(etp.authorizationData);
  if (!pac) throw new Error('the Samba ticket has a PAC');
  return { etp, pac, key: entry.key };
}

export const DOMAIN_SID = { revision: 1, identifierAuthority: 5, subAuthorities: [21, 1111, 2222, 3333] } as const;

/** A logon info for `bob` of EXAMPLE, with overrides. */
export function validationInfo(over: Partial<KerbValidationInfo> = {}): KerbValidationInfo {
  const never = 0x7fffffffffffffffn;
  return {
    logonTime: secondsToFiletime(1_700_000_000), logoffTime: never, kickOffTime: never, passwordLastSet: secondsToFiletime(1_690_000_000),
    passwordCanChange: secondsToFiletime(1_690_086_400), passwordMustChange: never,
    effectiveName: 'bob', fullName: 'Bob Example', logonScript: '', profilePath: '', homeDirectory: '', homeDirectoryDrive: '',
    logonCount: 3, badPasswordCount: 0, userId: 1107, primaryGroupId: 513,
    groupIds: [{ relativeId: 513, attributes: 7 }, { relativeId: 512, attributes: 7 }, { relativeId: 4242, attributes: 7 }],
    userFlags: 0x20 | 0x200, userSessionKey: new Uint8Array(16), logonServer: 'DC1', logonDomainName: 'EXAMPLE',
    logonDomainId: DOMAIN_SID, userAccountControl: 0x10, subAuthStatus: 0, lastSuccessfulILogon: 0n, lastFailedILogon: 0n,
    failedILogonCount: 0,
    extraSids: [{ sid: { revision: 1, identifierAuthority: 18, subAuthorities: [1] }, attributes: 7 }],
    resourceGroupDomainSid: { revision: 1, identifierAuthority: 5, subAuthorities: [21, 7, 8, 9] },
    resourceGroupIds: [{ relativeId: 600, attributes: 0x20000007 }],
    ...over,
  };
}

export interface BuildPac {
  readonly serverKey: EncryptionKey;
  readonly kdcKey?: EncryptionKey;
  readonly clientName?: string;
  readonly authtime?: Date;
  readonly info?: KerbValidationInfo;
  readonly upn?: readonly [string, string];
  /** Buffers left out (by type), or extra ones. */
  readonly omit?: readonly number[];
  readonly extra?: readonly { readonly type: number; readonly data: Uint8Array }[];
  /** Signature type written in the server signature (the key's checksum unless given). */
  readonly serverSignatureType?: number;
}

export const AUTHTIME = new Date('2026-12-08T01:00:00Z');

/** A PAC signed as a KDC signs it: server signature over the PAC with both signatures zeroed, then the KDC's over the server's. */
export function buildPac(o: BuildPac): Buffer {
  const server = encryptionType(o.serverKey.keytype);
  const kdcKey = o.kdcKey ?? o.serverKey;
  const kdc = encryptionType(kdcKey.keytype);
  const buffers = [
    { type: PacBufferType.LOGON_INFO, data: encodeKerbValidationInfo(o.info ?? validationInfo()) },
    { type: PacBufferType.CLIENT_INFO, data: encodePacClientInfo({ clientId: secondsToFiletime((o.authtime ?? AUTHTIME).getTime() / 1000), name: o.clientName ?? 'bob' }) },
    ...(o.upn ? [{ type: PacBufferType.UPN_DNS_INFO, data: encodeUpnDnsInfo(o.upn[0], o.upn[1]) }] : []),
    ...(o.extra ?? []),
    { type: PacBufferType.SERVER_CHECKSUM, data: encodePacSignatureData(o.serverSignatureType ?? server.checksumType, Buffer.alloc(server.checksumLength)) },
    { type: PacBufferType.PRIVSVR_CHECKSUM, data: encodePacSignatureData(kdc.checksumType, Buffer.alloc(kdc.checksumLength)) },
  ].filter((b) => !(o.omit ?? []).includes(b.type));
  const pac = encodePacType(buffers);
  const at = (type: number): number | undefined => decodePacType(pac).buffers.find((b) => b.type === type)?.offset;
  const serverAt = at(PacBufferType.SERVER_CHECKSUM);
  if (serverAt !== undefined) {
    const sig = server.checksum(o.serverKey.keyvalue, KeyUsage.KERB_NON_KERB_CKSUM_SALT, pac);
    sig.copy(pac, serverAt + 4);
    const kdcAt = at(PacBufferType.PRIVSVR_CHECKSUM);
    if (kdcAt !== undefined) kdc.checksum(kdcKey.keyvalue, KeyUsage.KERB_NON_KERB_CKSUM_SALT, sig).copy(pac, kdcAt + 4);
  }
  return pac;
}

export function key(keytype: number, fill: number): EncryptionKey {
  return { keytype, keyvalue: Buffer.alloc(encryptionType(keytype).keyLength, fill) };
}
