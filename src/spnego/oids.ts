// Mechanism OIDs seen in SPNEGO negotiation, in dotted form.
import { OID_NTLMSSP } from '../ntlm/oid.js';

/** SPNEGO itself (RFC 4178; the thisMech of the InitialContextToken, RFC 2743 §3.1). */
export const OID_SPNEGO = '1.3.6.1.5.5.2';
/** NTLM SSP (MS-NLMP): the NTLM mechanism's own constant, named here with the others. */
export { OID_NTLMSSP };
/** Kerberos V5 (RFC 4121 §1 / RFC 1964). */
export const OID_KERBEROS5 = '1.2.840.113554.1.2.2';
/**
 * Microsoft's legacy Kerberos 5 OID (840.48018 is 840.113554 truncated to 16 bits),
 * which Windows lists next to OID_KERBEROS5 (MS-KILE / MS-SPNG); named so decoded mechType
 * lists show it.
 */
export const OID_MS_KERBEROS5 = '1.2.840.48018.1.2.2';
/** Kerberos V5 user-to-user (draft-swift-win2k-krb-user2user). */
export const OID_KERBEROS5_USER2USER = '1.2.840.113554.1.2.2.3';
/** NEGOEX (MS-NEGOEX). */
export const OID_NEGOEX = '1.3.6.1.4.1.311.2.2.30';

const NAMES: ReadonlyMap<string, string> = new Map([
  [OID_SPNEGO, 'SPNEGO'],
  [OID_NTLMSSP, 'NTLMSSP'],
  [OID_KERBEROS5, 'Kerberos 5'],
  [OID_MS_KERBEROS5, 'MS Kerberos 5'],
  [OID_KERBEROS5_USER2USER, 'Kerberos 5 user-to-user'],
  [OID_NEGOEX, 'NEGOEX'],
]);

/** Display name for a mechanism OID (RFC 4178 §4.1 MechType); unknown OIDs are returned as-is. */
export function mechName(oid: string): string {
  return NAMES.get(oid) ?? oid;
}
