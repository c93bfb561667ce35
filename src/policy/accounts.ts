/**
 * Domain or local account (facts §4.1, §4.2). MSV1_0 decides by the domain name in the
 * AUTHENTICATE message: this machine's own name means its SAM (local); anything else is passed
 * through to a DC (a "domain account" for the Restrict NTLM settings). A standalone server has
 * no DC to pass to, so every account is local there; the anonymous logon is a null session,
 * never passed through.
 */
import { isIpAddress } from './match.js';
import { netbiosFromHost, sameName, targetHost } from './names.js';
import type { ClaimedAccount, DomainRequest, IncomingRequest, MachineIdentity, OutgoingRequest } from './requests.js';

export type AccountKind = 'domain' | 'local';

/** A server whose NetBIOS domain is its own name (or empty) is in a workgroup: no pass-through. */
export function isStandalone(server: MachineIdentity): boolean {
  return server.netbiosDomainName === '' || sameName(server.netbiosDomainName, server.netbiosComputerName);
}

/**
 * Before any authority answers: the AUTHENTICATE names a domain other than this machine's own,
 * so MSV1_0 passes the logon through to a DC. An empty or "." domain is tried locally first,
 * so it is not passed through yet (incomingAccountKind decides it once the account is known).
 */
export function namesPassThroughDomain(req: ClaimedAccount): boolean {
  if (isStandalone(req.server)) return false;
  const domain = req.domain.trim();
  return domain !== '' && domain !== '.' && !sameName(domain, req.server.netbiosComputerName);
}

/** Whether this server validates the account itself or passes it through to a DC. */
export function incomingAccountKind(req: IncomingRequest): AccountKind {
  if (req.version === 'Anonymous') return 'local';
  if (namesPassThroughDomain(req)) return 'domain';
  if (isStandalone(req.server) || sameName(req.domain.trim(), req.server.netbiosComputerName)) return 'local';
  // An empty or "." domain was tried locally first; only the local-only account flag says it ended there.
  return req.localAccount === true ? 'local' : 'domain';
}

/**
 * Client side: the supplied account is local to the target when the caller says so, when the
 * domain is "." or when it names the target machine itself (`WEB1\admin` to web1.corp…).
 */
export function outgoingIsLocalAccount(req: OutgoingRequest): boolean {
  if (req.localAccount !== undefined) return req.localAccount;
  const domain = req.domain.trim();
  if (domain === '.') return true;
  const host = req.targetHost ?? targetHost(req.targetSpn);
  return host !== undefined && domain !== '' && !isIpAddress(host) && sameName(domain, netbiosFromHost(host));
}

/** At the DC: is the account in this domain? An empty or "." domain is read as the DC's own. */
export function accountInDcDomain(req: DomainRequest): boolean {
  const domain = req.domain.trim();
  return domain === '' || domain === '.' || sameName(domain, req.dc.netbiosDomainName) || sameName(domain, req.dc.dnsDomainName);
}

/** At the DC: is the requesting server (or the DC itself) in this domain? */
export function serverInDcDomain(req: DomainRequest): boolean {
  return isDcItself(req) || sameName(req.server.netbiosDomainName, req.dc.netbiosDomainName) || sameName(req.server.netbiosDomainName, req.dc.dnsDomainName);
}

/** The DC is the target itself (no member server passed the logon through). */
export function isDcItself(req: DomainRequest): boolean {
  return sameName(req.server.netbiosComputerName, req.dc.netbiosComputerName);
}
