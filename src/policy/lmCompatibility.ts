/**
 * LmCompatibilityLevel, applied once per side (S1, "Network security: LAN Manager authentication
 * level"). The acceptor side (this server, and the authority in its DC role) and the client side
 * each read the level in force from here (what a level means is ntlm/lmCompatibility.ts, which the
 * NTLM contexts apply): the contexts get the level, the authority asks whether LM responses are
 * worth verifying, the HTTP client predicts what it will send, and decideSecurity judges the
 * response class a logon used.
 */
import { acceptorAcceptsAt, clientSendsAt } from '../ntlm/lmCompatibility.js';
import type { NtlmVersion } from '../ntlm/responses.js';
import type { NtlmPolicy } from './policy.js';
import { ACCEPTOR_DEFAULT_LM_LEVEL, CLIENT_DEFAULT_LM_LEVEL, type LmCompatibilityLevelValue } from './settings.js';

/** The level an acceptor (server or DC) applies: the configured one, else 5 (ours: NTLMv2 only). */
export function acceptorLmLevel(policy: NtlmPolicy): LmCompatibilityLevelValue {
  return policy.LmCompatibilityLevel ?? ACCEPTOR_DEFAULT_LM_LEVEL;
}

/** The level this client applies: the configured one, else 3 (Windows': NTLMv2 only). */
export function clientLmLevel(policy: NtlmPolicy): LmCompatibilityLevelValue {
  return policy.LmCompatibilityLevel ?? CLIENT_DEFAULT_LM_LEVEL;
}

/** Whether this policy's acceptor accepts a response class (the authority skips LM verification when it does not). */
export function acceptorAccepts(policy: NtlmPolicy, version: NtlmVersion): boolean {
  return acceptorAcceptsAt(acceptorLmLevel(policy), version);
}

/**
 * The response class this client will send, before the CHALLENGE says more: NTLMv2 at 3–5,
 * else NTLMv1 (whether it becomes NTLMv1-ESS depends on what the server negotiates).
 */
export function clientResponseClass(policy: NtlmPolicy): 'NTLMv2' | 'NTLMv1' {
  return clientSendsAt(clientLmLevel(policy), 'NTLMv2') ? 'NTLMv2' : 'NTLMv1';
}

export { acceptorAcceptsAt, clientSendsAt };
