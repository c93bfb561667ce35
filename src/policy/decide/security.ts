/**
 * Response class and session security, in the order a handshake meets them:
 * 1. NTLMMinClientSec / NTLMMinServerSec on the negotiated flags (MS-NLMP §3.1.5.1.1,
 *    §3.2.5.1.1; 4010 / 4011). "Require 128-bit encryption" counts only when sealing is
 *    negotiated: without encryption there is nothing to be 128-bit, and Windows' default
 *    (0x20000000) does not turn away HTTP clients such as curl that never ask for NEGOTIATE_128.
 * 2. BlockNtlmv1SSO (KB5066470) on an NTLMv1 or NTLMv1-ESS response, client or server: 0 logs
 *    4024 and goes on, 1 logs 4025 and refuses. LM responses are LmCompatibilityLevel's alone.
 * 3. LmCompatibilityLevel (S1 table, lmCompatibility.ts): what a client at that level sends;
 *    what an acceptor (server or DC) accepts.
 * The DC never sees the negotiated flags and generates no SSO credentials: only step 3 applies there.
 */
import type { EventSpec } from '../../events/index.js';
import { NegotiateFlags } from '../../ntlm/flags.js';
import { decision, type PolicyDecision } from '../decision.js';
import { minSecurityEvent, v1SsoEvent, type V1SsoFields } from '../events.js';
import { bitLabels, hex32, labelOf } from '../labels.js';
import { targetHost } from '../names.js';
import { acceptorAcceptsAt, acceptorLmLevel, clientLmLevel, clientSendsAt } from '../lmCompatibility.js';
import type { NtlmPolicy } from '../policy.js';
import type { SecurityRequest } from '../requests.js';
import { LM_COMPATIBILITY_LEVEL, MIN_SECURITY_BITS, REQUIRE_128BIT } from '../settings.js';

/** Bits of `required` the negotiated flags lack (128-bit only matters with sealing). */
export function missingSecurity(required: number, negotiated: number): number {
  let need = required >>> 0;
  if ((negotiated & NegotiateFlags.NEGOTIATE_SEAL) === 0) need = (need & ~REQUIRE_128BIT) >>> 0;
  return (need & ~negotiated) >>> 0;
}

function v1Fields(req: SecurityRequest): V1SsoFields {
  if (req.side === 'client') {
    return { user: req.user, domain: req.domain, version: req.version, process: req.process, targetMachine: req.targetHost ?? targetHost(req.targetSpn) };
  }
  if (req.side === 'server') {
    return {
      user: req.user,
      domain: req.domain,
      version: req.version,
      process: req.process,
      remoteClientMachine: req.workstation,
      clientIp: req.clientIp,
      targetMachine: req.server.dnsComputerName ?? req.server.netbiosComputerName,
    };
  }
  return { user: req.user, domain: req.domain, version: req.version, remoteClientMachine: req.workstation, clientIp: req.clientIp };
}

export function decideSecurity(policy: NtlmPolicy, req: SecurityRequest): PolicyDecision {
  // 1. Minimum session security.
  if (req.side !== 'dc' && req.flags !== undefined) {
    const setting = req.side === 'client' ? 'NTLMMinClientSec' : 'NTLMMinServerSec';
    const required = policy[setting];
    const missing = missingSecurity(required, req.flags);
    if (missing !== 0) {
      const what = bitLabels(MIN_SECURITY_BITS, missing).join(', ');
      return decision('block', setting, `${what}: not negotiated (flags ${hex32(req.flags)})`, [
        minSecurityEvent(req.side === 'client' ? 4010 : 4011, req.process, req.flags, required),
      ]);
    }
  }

  // 2. NTLMv1-derived credentials.
  const events: EventSpec[] = [];
  const v1 = req.version === 'NTLMv1' || req.version === 'NTLMv1-ESS';
  if (v1 && req.side !== 'dc') {
    if (policy.BlockNtlmv1SSO === 1) {
      return decision('block', 'BlockNtlmv1SSO', `Enforce: ${req.version} uses NTLMv1-derived credentials`, [v1SsoEvent(4025, v1Fields(req))]);
    }
    events.push(v1SsoEvent(4024, v1Fields(req)));
  }

  // 3. LAN Manager authentication level.
  const client = req.side === 'client';
  const level = client ? clientLmLevel(policy) : acceptorLmLevel(policy);
  const label = labelOf(LM_COMPATIBILITY_LEVEL, level);
  const ok = client ? clientSendsAt(level, req.version) : acceptorAcceptsAt(level, req.version);
  if (!ok) {
    return decision('block', 'LmCompatibilityLevel', client ? `${label}: this client does not send ${req.version}` : `${label}: ${req.version} is refused`, events);
  }
  if (events.length > 0) {
    return decision('audit', 'BlockNtlmv1SSO', `Audit: ${req.version} uses NTLMv1-derived credentials; LmCompatibilityLevel ${level} allows it`, events);
  }
  return decision('allow', 'LmCompatibilityLevel', client ? `${label}: this client sends ${req.version}` : `${label}: ${req.version} is accepted`);
}
