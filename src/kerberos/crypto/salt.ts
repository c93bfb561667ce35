/**
 * Salts for string-to-key. Active Directory does not use the RFC 4120 default (realm followed by
 * the name components) but derives the salt from the account (MS-KILE 3.1.1.2):
 *
 *   user (and service) accounts   REALM ‖ sAMAccountName                          CORP.EXAMPLE.TESTalice
 *   computer accounts             REALM ‖ "host" ‖ lower(name without $) ‖ "." ‖ lower(DNS domain)
 *                                                                                  CORP.EXAMPLE.TESThostweb1.corp.example.test
 *
 * The realm is upper case and the user name keeps its case; a salt with `NAME$` for a computer
 * does not work (checked against a Samba DC with `kinit -k`).
 */

/** The salt of an AD user or service account (MS-KILE 3.1.1.2). */
export function userSalt(realm: string, sAMAccountName: string): string {
  return realm.toUpperCase() + sAMAccountName;
}

/** The salt of an AD computer account (MS-KILE 3.1.1.2); `computerName` may carry its trailing `$`. */
export function computerSalt(realm: string, computerName: string, dnsDomain: string): string {
  const name = computerName.endsWith('$') ? computerName.slice(0, -1) : computerName;
  return `${realm.toUpperCase()}host${name.toLowerCase()}.${dnsDomain.toLowerCase()}`;
}

/**
 * The AD salt of an account by its sAMAccountName: computer accounts end in `$` (MS-ADTS
 * 3.1.1.3.1.5.1); their DNS domain defaults to the realm, which AD makes the same name.
 */
export function accountSalt(realm: string, sAMAccountName: string, dnsDomain: string = realm): string {
  return sAMAccountName.endsWith('$') ? computerSalt(realm, sAMAccountName, dnsDomain) : userSalt(realm, sAMAccountName);
}

/** The RFC 4120 §4 default salt (MIT and Heimdal KDCs): the realm, then each name component, unseparated. */
export function principalSalt(realm: string, components: readonly string[]): string {
  return realm + components.join('');
}
