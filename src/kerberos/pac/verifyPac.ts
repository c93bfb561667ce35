/**
 * verifyPac: what an acceptor does with the PAC of a ticket it has decrypted (MS-PAC 2.8, 2.7;
 * MS-KILE 3.4.5.3).
 *
 *   const r = verifyPac(findPac(encTicketPart.authorizationData), {
 *     serviceKey,                                  // the keytab key that decrypted the ticket
 *     ticketClientName: encTicketPart.cname.nameString.join('/'),
 *     authtime: encTicketPart.authtime,
 *   });
 *   if (!r.ok) → refuse with r.reason ('pac-invalid') and r.detail (PacInvalidReason)
 *   else r.identity: userSid, userName, logonDomain, groupSids, extraSids, resourceGroupSids, sids, upn, dnsDomain
 *
 * Checks, cheapest and least exposed first: the PACTYPE layout; one each of the logon info (1),
 * client info (10), server (6) and KDC (7) signatures; the server signature — its type must be
 * the checksum of the service key's enctype (16 for aes256, 15 for aes128, −138 for rc4), and it
 * must verify (constant time, key usage 17) over the whole PAC with the Signature bytes of both
 * signature buffers zeroed (MS-PAC 2.8.4); the client info's Name and ClientId against the
 * ticket's cname and authtime (whole seconds); only then the NDR of KERB_VALIDATION_INFO.
 * The KDC signature is not verified: it is keyed with the krbtgt key, which a service does not
 * hold (a Windows service can ask its DC to check it, MS-APDS 3.2.5.4 KERB_VERIFY_PAC); it
 * must be present and well formed. Never throws on the PAC's bytes.
 */
import { formatSid, sidWithRid } from '../../dcerpc/index.js';
import type { Sid } from '../../dcerpc/index.js';
import { KerberosCryptoError, KeyUsage, findEncryptionType } from '../crypto/index.js';
import type { EncryptionKey } from '../messages/index.js';
import { decodePacClientInfo } from './clientInfo.js';
import { PacDecodeError } from './errors.js';
import type { PacInvalidReason } from './errors.js';
import { PacBufferType, decodePacType } from './pacType.js';
import type { PacInfoBuffer } from './pacType.js';
import { decodePacSignatureData } from './signatureData.js';
import { decodeUpnDnsInfo } from './upnDnsInfo.js';
import { decodeKerbValidationInfo } from './validationInfo.js';
import type { KerbValidationInfo } from './validationInfo.js';
import { wellKnownSidName } from './wellKnownSids.js';
import { filetimeToSeconds } from './time.js';

export interface VerifyPacOptions {
  /** The service key that decrypted the ticket; its keytype picks the server signature's checksum type. */
  readonly serviceKey: EncryptionKey;
  /** The ticket's client without the realm: EncTicketPart cname's name-string joined with '/' (`alice`). */
  readonly ticketClientName: string;
  /** EncTicketPart authtime. */
  readonly authtime: Date;
}

/** A SID of the user's token with its SE_GROUP_* attributes and, for a well-known SID, its name. */
export interface PacSid {
  readonly sid: string;
  readonly attributes: number;
  readonly name?: string;
}

export interface PacIdentity {
  /** LogonDomainId + UserId. */
  readonly userSid: string;
  /** EffectiveName (the sAMAccountName). */
  readonly userName: string;
  /** LogonDomainName (NetBIOS). */
  readonly logonDomain: string;
  readonly fullName: string;
  readonly logonServer: string;
  /** LogonDomainId + PrimaryGroupId. */
  readonly primaryGroupSid: string;
  /** GroupIds, each LogonDomainId + RID. */
  readonly groupSids: readonly PacSid[];
  /** ExtraSids (other domains, SID history, S-1-18-*). */
  readonly extraSids: readonly PacSid[];
  /** ResourceGroupDomainSid + each ResourceGroupIds RID. */
  readonly resourceGroupSids: readonly PacSid[];
  /** Every SID of the token once, the user's first: for group allow-lists. */
  readonly sids: readonly string[];
  /** UPN_DNS_INFO, when the PAC has one. */
  readonly upn?: string;
  readonly dnsDomain?: string;
  readonly userFlags: number;
  /** The decoded logon info, for whatever else a caller needs. */
  readonly logonInfo: KerbValidationInfo;
}

export type VerifyPacResult =
  | { readonly ok: true; readonly identity: PacIdentity }
  | { readonly ok: false; readonly reason: 'pac-invalid'; readonly detail: PacInvalidReason; readonly message: string };

function invalid(detail: PacInvalidReason, message: string): VerifyPacResult {
  return { ok: false, reason: 'pac-invalid', detail, message };
}

/** The one buffer of `type`; undefined when absent, 'twice' when repeated. */
function single(buffers: readonly PacInfoBuffer[], type: number): PacInfoBuffer | undefined | 'twice' {
  const found = buffers.filter((b) => b.type === type);
  return found.length > 1 ? 'twice' : found[0];
}

export function verifyPac(pac: Uint8Array, options: VerifyPacOptions): VerifyPacResult {
  try {
    return verify(pac, options);
  } catch (e) {
    if (e instanceof PacDecodeError) return invalid('malformed', e.message);
    if (e instanceof KerberosCryptoError) return invalid('server-signature-mismatch', e.message);
    throw e;
  }
}

function verify(pac: Uint8Array, options: VerifyPacOptions): VerifyPacResult {
  const { buffers } = decodePacType(pac);
  const required = {
    logonInfo: single(buffers, PacBufferType.LOGON_INFO),
    clientInfo: single(buffers, PacBufferType.CLIENT_INFO),
    serverChecksum: single(buffers, PacBufferType.SERVER_CHECKSUM),
    kdcChecksum: single(buffers, PacBufferType.PRIVSVR_CHECKSUM),
  };
  for (const [name, b] of Object.entries(required)) {
    if (b === undefined) return invalid('missing-buffer', `the PAC has no ${name} buffer`);
    if (b === 'twice') return invalid('missing-buffer', `the PAC has more than one ${name} buffer`);
  }
  const { logonInfo, clientInfo, serverChecksum, kdcChecksum } = required as Record<keyof typeof required, PacInfoBuffer>;
  const upnDns = single(buffers, PacBufferType.UPN_DNS_INFO);
  if (upnDns === 'twice') return invalid('missing-buffer', 'the PAC has more than one UPN_DNS_INFO buffer');

  // MS-PAC 2.8: the server signature, keyed with the service key.
  const server = decodePacSignatureData(serverChecksum.data);
  const kdc = decodePacSignatureData(kdcChecksum.data);
  const etype = findEncryptionType(options.serviceKey.keytype);
  if (etype === undefined || (etype.checksumType | 0) !== server.signatureType) {
    return invalid('checksum-type-mismatch', `server signature type ${server.signatureType} for a key of enctype ${options.serviceKey.keytype}`);
  }
  const zeroed = Buffer.from(pac);
  zeroed.fill(0, serverChecksum.offset + server.signatureOffset, serverChecksum.offset + server.signatureOffset + server.signature.length);
  zeroed.fill(0, kdcChecksum.offset + kdc.signatureOffset, kdcChecksum.offset + kdc.signatureOffset + kdc.signature.length);
  if (!etype.verifyChecksum(options.serviceKey.keyvalue, KeyUsage.KERB_NON_KERB_CKSUM_SALT, zeroed, server.signature)) {
    return invalid('server-signature-mismatch', 'the PAC server signature does not verify with the service key');
  }

  // MS-PAC 2.7: the PAC belongs to this ticket.
  const client = decodePacClientInfo(clientInfo.data);
  if (client.name !== options.ticketClientName) {
    return invalid('client-name-mismatch', `PAC_CLIENT_INFO names ${JSON.stringify(client.name)}, the ticket ${JSON.stringify(options.ticketClientName)}`);
  }
  const authtime = Math.floor(options.authtime.getTime() / 1000);
  if (filetimeToSeconds(client.clientId) !== authtime) {
    return invalid('authtime-mismatch', `PAC_CLIENT_INFO ClientId ${client.clientId} is not the ticket's authtime ${options.authtime.toISOString()}`);
  }

  const info = decodeKerbValidationInfo(logonInfo.data);
  const upn = upnDns === undefined ? undefined : decodeUpnDnsInfo(upnDns.data);
  return { ok: true, identity: identity(info, upn?.upn, upn?.dnsDomainName) };
}

function identity(info: KerbValidationInfo, upn: string | undefined, dnsDomain: string | undefined): PacIdentity {
  const domain = info.logonDomainId;
  if (domain === undefined) throw new PacDecodeError('KERB_VALIDATION_INFO has no LogonDomainId');
  const named = (sid: Sid, attributes: number): PacSid => {
    const name = wellKnownSidName(sid, domain, info.logonDomainName);
    return name === undefined ? { sid: formatSid(sid), attributes } : { sid: formatSid(sid), attributes, name };
  };
  const resourceDomain = info.resourceGroupDomainSid;
  const userSid = formatSid(sidWithRid(domain, info.userId));
  const primaryGroupSid = formatSid(sidWithRid(domain, info.primaryGroupId));
  const groupSids = info.groupIds.map((g) => named(sidWithRid(domain, g.relativeId), g.attributes));
  const extraSids = info.extraSids.map((e) => named(e.sid, e.attributes));
  const resourceGroupSids = resourceDomain === undefined
    ? []
    : info.resourceGroupIds.map((g) => named(sidWithRid(resourceDomain, g.relativeId), g.attributes));
  const sids = [...new Set([userSid, primaryGroupSid, ...[...groupSids, ...extraSids, ...resourceGroupSids].map((s) => s.sid)])];
  return {
    userSid, userName: info.effectiveName, logonDomain: info.logonDomainName, fullName: info.fullName, logonServer: info.logonServer,
    primaryGroupSid, groupSids, extraSids, resourceGroupSids, sids, userFlags: info.userFlags, logonInfo: info,
    ...(upn === undefined ? {} : { upn }), ...(dnsDomain === undefined ? {} : { dnsDomain }),
  };
}
