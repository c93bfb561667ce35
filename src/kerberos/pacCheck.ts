/**
 * The acceptor's default PAC check (KerberosServerOptions.pac): the ticket's PAC found in
 * AD-IF-RELEVANT (MS-KILE §3.4.5.3) and verified by pac/verifyPac.ts — server signature with
 * the service key, PAC_CLIENT_INFO against the ticket's client and authtime — then reduced to
 * what the logon needs. A ticket without a PAC is accepted without groups, as MIT does (a
 * non-Windows KDC issues none); a PAC that is there must hold.
 */
import { KerberosDecodeError } from './errors.js';
import { findPac, type AuthorizationData, type EncryptionKey, type Principal } from './messages/index.js';
import { verifyPac } from './pac/index.js';

/** What a PAC check (MS-PAC; src/kerberos/pac) found: the logon's domain and groups. */
export interface KerberosPacInfo {
  /** KERB_VALIDATION_INFO LogonDomainName (NetBIOS). */
  readonly logonDomain?: string;
  readonly userSid?: string;
  /** Every SID of the user's token but its own (groups, extra SIDs, resource groups). */
  readonly groupSids?: readonly string[];
  /** Names of the groups whose names are known (well-known SIDs). */
  readonly groupNames?: readonly string[];
  readonly upn?: string;
  readonly dnsDomain?: string;
}

export interface KerberosPacCheckInput {
  /** The ticket's authorization data (the PAC sits in AD-IF-RELEVANT → AD-WIN2K-PAC). */
  readonly authorizationData: AuthorizationData | undefined;
  /** The service key that decrypted the ticket: the PAC's server signature is keyed with it (MS-PAC §2.8). */
  readonly serviceKey: EncryptionKey;
  /** The ticket's client, which PAC_CLIENT_INFO must name (MS-PAC §2.7). */
  readonly client: Principal;
  readonly authtime: Date;
}

/**
 * Verifies and reads a ticket's PAC: `ok` with what it found (nothing for a ticket without a
 * PAC), or a refusal (`pac-invalid`). A throw counts as a refusal.
 */
export type KerberosPacCheck = (input: KerberosPacCheckInput) =>
  | { readonly ok: true; readonly pac?: KerberosPacInfo }
  | { readonly ok: false; readonly message: string };


export const verifyTicketPac: KerberosPacCheck = (input) => {
  let pac: Uint8Array | undefined;
  try {
    pac = findPac(input.authorizationData);
  } catch (e) {
    if (e instanceof KerberosDecodeError) return { ok: false, message: `the ticket's authorization data: ${e.message}` };
    throw e;
  }
  if (pac === undefined) return { ok: true };
  const r = verifyPac(pac, { serviceKey: input.serviceKey, ticketClientName: input.client.name.nameString.join('/'), authtime: input.authtime });
  if (!r.ok) return { ok: false, message: `${r.detail}: ${r.message}` };
  const id = r.identity;
  const named = [...id.groupSids, ...id.extraSids, ...id.resourceGroupSids].filter((s) => s.name !== undefined);
  const info: KerberosPacInfo = {
    logonDomain: id.logonDomain,
    userSid: id.userSid,
    // Every SID of the token but the user's own: what group allow-lists match.
    groupSids: id.sids.filter((s) => s !== id.userSid),
    ...(named.length === 0 ? {} : { groupNames: named.map((s) => s.name as string) }),
    ...(id.upn === undefined ? {} : { upn: id.upn }),
    ...(id.dnsDomain === undefined ? {} : { dnsDomain: id.dnsDomain }),
  };
  return { ok: true, pac: info };
};
