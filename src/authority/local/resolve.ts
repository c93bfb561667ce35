/**
 * Which account a logon names, decided from the names alone (never from what the store
 * holds, so the answer cannot tell an attacker which accounts exist):
 * - the requesting server's own NetBIOS name, or `.`, names one of that server's local
 *   accounts (MSV1_0 checks its own SAM and never asks the DC). A server's local accounts
 *   are only seen by that server: WEB1\admin sent through WEB2 is not WEB1's;
 * - the configured domain (NetBIOS or DNS name) names a domain account;
 * - an empty or unknown domain is read as the configured domain, as a DC does with a
 *   domain it does not trust; `user@dns.domain` with an empty domain is a UPN.
 * The DC itself has no local accounts: its own name means the domain. A server named like
 * the configured domain is a workgroup server, whose accounts are all local.
 */
import type { NtlmValidationRequest } from '../../ntlm/authority.js';
import type { AccountKind } from '../../policy/accounts.js';
import { sameKey, type AccountKey } from '../names.js';

export interface DomainNames {
  /** NetBIOS name of the domain (CORP). */
  readonly netbios: string;
  /** DNS name of the domain (corp.example.test). */
  readonly dns?: string;
}

export interface ResolvedAccount {
  readonly kind: AccountKind;
  /** The account to look up: its domain is the configured NetBIOS domain or the server's name. */
  readonly key: AccountKey;
}

function isOurDomain(name: string, domain: DomainNames): boolean {
  return sameKey(name, domain.netbios) || (domain.dns !== undefined && sameKey(name, domain.dns));
}

export function resolveAccount(req: Pick<NtlmValidationRequest, 'userName' | 'domainName' | 'server'>, domain: DomainNames, dcName: string): ResolvedAccount {
  const sent = req.domainName.trim();
  const server = req.server.netbiosName;
  let name = req.userName;
  if (sent === '') {
    const at = name.lastIndexOf('@');
    if (at > 0 && isOurDomain(name.slice(at + 1), domain)) name = name.slice(0, at);
  }
  // A server named like the domain is a workgroup server: it has only local accounts (policy's isStandalone).
  const standalone = sameKey(server, domain.netbios);
  if (!sameKey(server, dcName) && (standalone || sent === '.' || sameKey(sent, server))) {
    return { kind: 'local', key: { domain: server, name } };
  }
  return { kind: 'domain', key: { domain: domain.netbios, name } };
}
