/** The PAC (MS-PAC) of a Kerberos ticket: its buffers, and verifyPac for the acceptor. */
export { PacDecodeError } from './errors.js';
export type { PacInvalidReason } from './errors.js';
export { MAX_PAC_BUFFERS, MAX_PAC_LENGTH, PacBufferType, decodePacType, encodePacType } from './pacType.js';
export type { PacInfoBuffer, PacType } from './pacType.js';
export { SeGroup, UserFlags, decodeKerbValidationInfo, encodeKerbValidationInfo } from './validationInfo.js';
export type { KerbValidationInfo, SidAndAttributes } from './validationInfo.js';
export { decodePacClientInfo, encodePacClientInfo } from './clientInfo.js';
export type { PacClientInfo } from './clientInfo.js';
export { UpnDnsFlags, decodeUpnDnsInfo, encodeUpnDnsInfo } from './upnDnsInfo.js';
export type { UpnDnsInfo } from './upnDnsInfo.js';
export { decodePacSignatureData, encodePacSignatureData, pacSignatureLength } from './signatureData.js';
export type { PacSignatureData } from './signatureData.js';
export { WELL_KNOWN_DOMAIN_RIDS, WELL_KNOWN_SIDS, wellKnownSidName } from './wellKnownSids.js';
export { filetimeToSeconds, secondsToFiletime } from './time.js';
export { verifyPac } from './verifyPac.js';
export type { PacIdentity, PacSid, VerifyPacOptions, VerifyPacResult } from './verifyPac.js';
