/**
 * Names for the SIDs whose names are fixed (MS-DTYP 2.4.2.4): the domain-relative groups by RID,
 * named `DOMAIN\Domain Users` when the SID is in the logon domain, and the absolute SIDs a PAC
 * carries (S-1-18-1 and friends). Other groups keep only their SID; their names live in the
 * directory.
 */
import { formatSid } from '../../dcerpc/index.js';
import type { Sid } from '../../dcerpc/index.js';

/** Domain-relative RIDs (MS-DTYP 2.4.2.4). */
export const WELL_KNOWN_DOMAIN_RIDS: ReadonlyMap<number, string> = new Map([
  [498, 'Enterprise Read-only Domain Controllers'],
  [500, 'Administrator'],
  [501, 'Guest'],
  [502, 'krbtgt'],
  [512, 'Domain Admins'],
  [513, 'Domain Users'],
  [514, 'Domain Guests'],
  [515, 'Domain Computers'],
  [516, 'Domain Controllers'],
  [517, 'Cert Publishers'],
  [518, 'Schema Admins'],
  [519, 'Enterprise Admins'],
  [520, 'Group Policy Creator Owners'],
  [521, 'Read-only Domain Controllers'],
  [522, 'Cloneable Domain Controllers'],
  [525, 'Protected Users'],
  [526, 'Key Admins'],
  [527, 'Enterprise Key Admins'],
  [553, 'RAS and IAS Servers'],
  [571, 'Allowed RODC Password Replication Group'],
  [572, 'Denied RODC Password Replication Group'],
]);

/** Absolute well-known SIDs (MS-DTYP 2.4.2.4). */
export const WELL_KNOWN_SIDS: ReadonlyMap<string, string> = new Map([
  ['S-1-1-0', 'Everyone'],
  ['S-1-5-2', 'NT AUTHORITY\\NETWORK'],
  ['S-1-5-11', 'NT AUTHORITY\\Authenticated Users'],
  ['S-1-5-15', 'NT AUTHORITY\\This Organization'],
  ['S-1-5-32-544', 'BUILTIN\\Administrators'],
  ['S-1-5-32-545', 'BUILTIN\\Users'],
  ['S-1-5-32-546', 'BUILTIN\\Guests'],
  ['S-1-5-32-554', 'BUILTIN\\Pre-Windows 2000 Compatible Access'],
  ['S-1-18-1', 'Authentication authority asserted identity'],
  ['S-1-18-2', 'Service asserted identity'],
  ['S-1-18-3', 'Fresh public key identity'],
]);

function sameSid(a: Sid, b: Sid): boolean {
  return a.identifierAuthority === b.identifierAuthority && a.subAuthorities.length === b.subAuthorities.length
    && a.subAuthorities.every((s, i) => s === b.subAuthorities[i]);
}

/**
 * The fixed name of `sid`, or undefined: a well-known RID of the logon domain becomes
 * `logonDomainName\name`; a well-known RID of another domain stays unnamed (its domain's name is
 * not in the PAC).
 */
export function wellKnownSidName(sid: Sid, logonDomainId: Sid, logonDomainName: string): string | undefined {
  const absolute = WELL_KNOWN_SIDS.get(formatSid(sid));
  if (absolute !== undefined) return absolute;
  const rid = sid.subAuthorities.at(-1);
  if (rid === undefined) return undefined;
  const domain = { ...sid, subAuthorities: sid.subAuthorities.slice(0, -1) };
  if (!sameSid(domain, logonDomainId)) return undefined;
  const name = WELL_KNOWN_DOMAIN_RIDS.get(rid);
  return name === undefined ? undefined : `${logonDomainName}\\${name}`;
}
