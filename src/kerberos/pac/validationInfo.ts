/**
 * KERB_VALIDATION_INFO (MS-PAC 2.5), the logon info buffer (type 1), in MS-RPCE 2.2.6 type
 * serialization. The user's SID is LogonDomainId + UserId; GroupIds are RIDs in that domain;
 * ExtraSids (MS-PAC 2.2.1 KERB_SID_AND_ATTRIBUTES) are whole SIDs; ResourceGroupIds are RIDs in
 * ResourceGroupDomainSid (MS-KILE 3.4.5.3).
 */
import {
  NdrDecodeError, decodeTypeSerialization1, encodeTypeSerialization1, readFiletime, readGroupMembershipArray, readRpcSid,
  readRpcUnicodeString, writeFiletime, writeGroupMembershipArray, writeRpcSid, writeRpcUnicodeString,
} from '../../dcerpc/index.js';
import type { GroupMembership, NdrReader, NdrWriter, Sid } from '../../dcerpc/index.js';
import { PacDecodeError, pacFail } from './errors.js';

/** UserFlags bits (MS-PAC 2.5, MS-NRPC 2.2.1.4.11). */
export const UserFlags = {
  /** LOGON_EXTRA_SIDS: ExtraSids is populated. */
  EXTRA_SIDS: 0x20,
  /** LOGON_RESOURCE_GROUPS: ResourceGroupDomainSid and ResourceGroupIds are populated. */
  RESOURCE_GROUPS: 0x200,
} as const;

/** SE_GROUP_* attributes (MS-PAC 2.2.1, MS-DTYP 2.4.2.4). */
export const SeGroup = {
  MANDATORY: 0x1,
  ENABLED_BY_DEFAULT: 0x2,
  ENABLED: 0x4,
  OWNER: 0x8,
  RESOURCE: 0x20000000,
} as const;

/** KERB_SID_AND_ATTRIBUTES (MS-PAC 2.2.1). */
export interface SidAndAttributes {
  readonly sid: Sid;
  readonly attributes: number;
}

export interface KerbValidationInfo {
  readonly logonTime: bigint;
  readonly logoffTime: bigint;
  readonly kickOffTime: bigint;
  readonly passwordLastSet: bigint;
  readonly passwordCanChange: bigint;
  readonly passwordMustChange: bigint;
  readonly effectiveName: string;
  readonly fullName: string;
  readonly logonScript: string;
  readonly profilePath: string;
  readonly homeDirectory: string;
  readonly homeDirectoryDrive: string;
  readonly logonCount: number;
  readonly badPasswordCount: number;
  readonly userId: number;
  readonly primaryGroupId: number;
  readonly groupIds: readonly GroupMembership[];
  readonly userFlags: number;
  readonly userSessionKey: Uint8Array;
  readonly logonServer: string;
  readonly logonDomainName: string;
  readonly logonDomainId: Sid | undefined;
  readonly userAccountControl: number;
  readonly subAuthStatus: number;
  readonly lastSuccessfulILogon: bigint;
  readonly lastFailedILogon: bigint;
  readonly failedILogonCount: number;
  readonly extraSids: readonly SidAndAttributes[];
  readonly resourceGroupDomainSid: Sid | undefined;
  readonly resourceGroupIds: readonly GroupMembership[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function readBody(r: NdrReader): KerbValidationInfo {
  const v = {
    groupIds: [], extraSids: [], resourceGroupIds: [], logonDomainId: undefined, resourceGroupDomainSid: undefined,
  } as unknown as Mutable<KerbValidationInfo>;
  v.logonTime = readFiletime(r, 'LogonTime');
  v.logoffTime = readFiletime(r, 'LogoffTime');
  v.kickOffTime = readFiletime(r, 'KickOffTime');
  v.passwordLastSet = readFiletime(r, 'PasswordLastSet');
  v.passwordCanChange = readFiletime(r, 'PasswordCanChange');
  v.passwordMustChange = readFiletime(r, 'PasswordMustChange');
  readRpcUnicodeString(r, 'EffectiveName', (s) => (v.effectiveName = s));
  readRpcUnicodeString(r, 'FullName', (s) => (v.fullName = s));
  readRpcUnicodeString(r, 'LogonScript', (s) => (v.logonScript = s));
  readRpcUnicodeString(r, 'ProfilePath', (s) => (v.profilePath = s));
  readRpcUnicodeString(r, 'HomeDirectory', (s) => (v.homeDirectory = s));
  readRpcUnicodeString(r, 'HomeDirectoryDrive', (s) => (v.homeDirectoryDrive = s));
  v.logonCount = r.u16('LogonCount');
  v.badPasswordCount = r.u16('BadPasswordCount');
  v.userId = r.u32('UserId');
  v.primaryGroupId = r.u32('PrimaryGroupId');
  const groupCount = r.u32('GroupCount');
  if (r.pointer('GroupIds') !== 0) r.defer(() => (v.groupIds = readGroupMembershipArray(r, groupCount, 'GroupIds')));
  else if (groupCount !== 0) pacFail(`GroupCount ${groupCount} with a null GroupIds`);
  v.userFlags = r.u32('UserFlags');
  v.userSessionKey = new Uint8Array(r.bytes(16, 'UserSessionKey'));
  readRpcUnicodeString(r, 'LogonServer', (s) => (v.logonServer = s));
  readRpcUnicodeString(r, 'LogonDomainName', (s) => (v.logonDomainName = s));
  if (r.pointer('LogonDomainId') !== 0) r.defer(() => (v.logonDomainId = readRpcSid(r, 'LogonDomainId')));
  r.u32('Reserved1[0]');
  r.u32('Reserved1[1]');
  v.userAccountControl = r.u32('UserAccountControl');
  v.subAuthStatus = r.u32('SubAuthStatus');
  v.lastSuccessfulILogon = readFiletime(r, 'LastSuccessfulILogon');
  v.lastFailedILogon = readFiletime(r, 'LastFailedILogon');
  v.failedILogonCount = r.u32('FailedILogonCount');
  r.u32('Reserved3');
  const sidCount = r.u32('SidCount');
  if (r.pointer('ExtraSids') !== 0) r.defer(() => (v.extraSids = readExtraSids(r, sidCount)));
  else if (sidCount !== 0) pacFail(`SidCount ${sidCount} with a null ExtraSids`);
  if (r.pointer('ResourceGroupDomainSid') !== 0) r.defer(() => (v.resourceGroupDomainSid = readRpcSid(r, 'ResourceGroupDomainSid')));
  const resourceGroupCount = r.u32('ResourceGroupCount');
  if (r.pointer('ResourceGroupIds') !== 0) {
    r.defer(() => (v.resourceGroupIds = readGroupMembershipArray(r, resourceGroupCount, 'ResourceGroupIds')));
  } else if (resourceGroupCount !== 0) pacFail(`ResourceGroupCount ${resourceGroupCount} with a null ResourceGroupIds`);
  return v;
}

/** The conformant array of KERB_SID_AND_ATTRIBUTES; each Sid referent follows the array. */
function readExtraSids(r: NdrReader, expected: number): SidAndAttributes[] {
  const n = r.count(8, 'ExtraSids MaximumCount');
  if (n !== expected) pacFail(`ExtraSids: ${n} elements, SidCount ${expected}`);
  const out: Mutable<SidAndAttributes>[] = [];
  for (let i = 0; i < n; i++) {
    const ref = r.pointer('ExtraSids Sid');
    const e = { attributes: 0 } as Mutable<SidAndAttributes>;
    e.attributes = r.u32('ExtraSids Attributes');
    if (ref === 0) pacFail(`ExtraSids[${i}]: null Sid`);
    r.defer(() => (e.sid = readRpcSid(r, `ExtraSids[${i}]`)));
    out.push(e);
  }
  return out;
}

/** Decodes the logon info buffer. Throws PacDecodeError. */
export function decodeKerbValidationInfo(bytes: Uint8Array): KerbValidationInfo {
  try {
    return decodeTypeSerialization1(bytes, readBody);
  } catch (e) {
    if (e instanceof NdrDecodeError) throw new PacDecodeError(`KERB_VALIDATION_INFO: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Encodes a logon info buffer (Windows' field order and referent IDs); for tests and tools. */
export function encodeKerbValidationInfo(v: KerbValidationInfo): Buffer {
  return encodeTypeSerialization1((w: NdrWriter) => {
    for (const t of [v.logonTime, v.logoffTime, v.kickOffTime, v.passwordLastSet, v.passwordCanChange, v.passwordMustChange]) writeFiletime(w, t);
    for (const s of [v.effectiveName, v.fullName, v.logonScript, v.profilePath, v.homeDirectory, v.homeDirectoryDrive]) writeRpcUnicodeString(w, s);
    w.u16(v.logonCount);
    w.u16(v.badPasswordCount);
    w.u32(v.userId);
    w.u32(v.primaryGroupId);
    w.u32(v.groupIds.length);
    w.pointer(v.groupIds.length === 0 ? undefined : () => writeGroupMembershipArray(w, v.groupIds));
    w.u32(v.userFlags);
    w.bytes(v.userSessionKey);
    writeRpcUnicodeString(w, v.logonServer, true);
    writeRpcUnicodeString(w, v.logonDomainName, true);
    const domain = v.logonDomainId;
    w.pointer(domain === undefined ? undefined : () => writeRpcSid(w, domain));
    w.u32(0);
    w.u32(0);
    w.u32(v.userAccountControl);
    w.u32(v.subAuthStatus);
    writeFiletime(w, v.lastSuccessfulILogon);
    writeFiletime(w, v.lastFailedILogon);
    w.u32(v.failedILogonCount);
    w.u32(0);
    w.u32(v.extraSids.length);
    w.pointer(
      v.extraSids.length === 0
        ? undefined
        : () => {
            w.u32(v.extraSids.length);
            for (const e of v.extraSids) {
              w.pointer(() => writeRpcSid(w, e.sid));
              w.u32(e.attributes);
            }
          },
    );
    const resourceDomain = v.resourceGroupDomainSid;
    w.pointer(resourceDomain === undefined ? undefined : () => writeRpcSid(w, resourceDomain));
    w.u32(v.resourceGroupIds.length);
    w.pointer(v.resourceGroupIds.length === 0 ? undefined : () => writeGroupMembershipArray(w, v.resourceGroupIds));
  });
}
