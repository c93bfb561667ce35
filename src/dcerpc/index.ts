/** DCE/RPC (C706, MS-RPCE): the NDR transfer syntax and the MS-DTYP types it carries, shared by the PAC and Netlogon. */
export * from './ndr/index.js';
export { SID_MAX_SUB_AUTHORITIES, formatSid, parseSid, sidWithRid } from './sid.js';
export type { Sid } from './sid.js';
