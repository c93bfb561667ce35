/**
 * LmCompatibilityLevel, applied once per side (S1, "Network security: LAN Manager authentication
 * level"). The acceptor side (this server, and the authority in its DC role) and the client side
 * each read the level in force and its meaning from here: the NTLM contexts get the level, the
 * authority asks whether LM responses are worth verifying, the HTTP client predicts what it
 * will send, and decideSecurity judges the response class a logon used.
 */
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

/** What an acceptor at a level accepts (S1 "DC behaviour"): 0–3 everything, 4 refuses LM, 5 refuses LM and NTLMv1. */
export function acceptorAcceptsAt(level: LmCompatibilityLevelValue, version: NtlmVersion): boolean {
  if (version === 'LM') return level <= 3;
  if (version === 'NTLMv1' || version === 'NTLMv1-ESS') return level <= 4;
  return true;
}

/** Whether this policy's acceptor accepts a response class (the authority skips LM verification when it does not). */
export function acceptorAccepts(policy: NtlmPolicy, version: NtlmVersion): boolean {
  return acceptorAcceptsAt(acceptorLmLevel(policy), version);
}

/** What a client at each level sends (S1): 0 never uses NTLMv2 session security, 2 drops LM, 3–5 NTLMv2 only. */
const CLIENT_SENDS: Readonly<Record<LmCompatibilityLevelValue, readonly NtlmVersion[]>> = {
  0: ['LM', 'NTLMv1', 'Anonymous'],
  1: ['LM', 'NTLMv1', 'NTLMv1-ESS', 'Anonymous'],
  2: ['NTLMv1', 'NTLMv1-ESS', 'Anonymous'],
  3: ['NTLMv2', 'Anonymous'],
  4: ['NTLMv2', 'Anonymous'],
  5: ['NTLMv2', 'Anonymous'],
};

export function clientSendsAt(level: LmCompatibilityLevelValue, version: NtlmVersion): boolean {
  return CLIENT_SENDS[level].includes(version);
}

/**
 * The response class this client will send, before the CHALLENGE says more: NTLMv2 at 3–5,
 * else NTLMv1 (whether it becomes NTLMv1-ESS depends on what the server negotiates).
 */
export function clientResponseClass(policy: NtlmPolicy): 'NTLMv2' | 'NTLMv1' {
  return clientSendsAt(clientLmLevel(policy), 'NTLMv2') ? 'NTLMv2' : 'NTLMv1';
}
