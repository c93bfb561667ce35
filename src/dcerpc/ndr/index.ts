/** NDR 2.0 (C706 ch. 14) and MS-RPCE 2.2.6 type serialization, with the MS-DTYP types in NDR form. */
export { NdrDecodeError, ndrFail } from './errors.js';
export type { NdrDecodeErrorCode } from './errors.js';
export { NDR_MAX_COUNT, NdrReader } from './reader.js';
export type { NdrReaderOptions } from './reader.js';
export { NdrWriter } from './writer.js';
export { decodeTypeSerialization1, encodeTypeSerialization1 } from './typeSerialization.js';
export {
  dateToFiletime, filetimeToDate, readFiletime, readGroupMembershipArray, readRpcSid, readRpcUnicodeString,
  writeFiletime, writeGroupMembershipArray, writeRpcSid, writeRpcUnicodeString,
} from './dtyp.js';
export type { GroupMembership } from './dtyp.js';
