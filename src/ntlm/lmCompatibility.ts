/**
 * What LmCompatibilityLevel means on each side ("Network security: LAN Manager authentication
 * level"; MS-NLMP §3.1.1.1 and §3.2.1.1 name it as the contexts' configuration): which response
 * classes a client sends and an acceptor (server or DC) accepts at each level. The NTLM contexts
 * apply it; policy (policy/lmCompatibility.ts) only chooses the level in force and reads these
 * tables, so the meaning of a level is written here alone.
 */
import type { NtlmVersion } from './responses.js';

/** LmCompatibilityLevel 0–5. */
export type LmCompatibilityLevel = 0 | 1 | 2 | 3 | 4 | 5;

/** When no level is configured: an acceptor of ours refuses LM and NTLMv1; a client sends NTLMv2 (Windows' default, 3). */
export const ACCEPTOR_DEFAULT_LM_LEVEL: LmCompatibilityLevel = 5;
export const CLIENT_DEFAULT_LM_LEVEL: LmCompatibilityLevel = 3;

export function isLmCompatibilityLevel(value: unknown): value is LmCompatibilityLevel {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 5;
}

/** What an acceptor at a level accepts: 0–3 everything, 4 refuses LM, 5 refuses LM and NTLMv1. */
export function acceptorAcceptsAt(level: LmCompatibilityLevel, version: NtlmVersion): boolean {
  if (version === 'LM') return level <= 3;
  if (version === 'NTLMv1' || version === 'NTLMv1-ESS') return level <= 4;
  return true;
}

/** What a client at each level sends: 0 never asks for NTLMv2 session security, 2 drops LM, 3–5 NTLMv2 only. */
const CLIENT_SENDS: Readonly<Record<LmCompatibilityLevel, readonly NtlmVersion[]>> = {
  0: ['LM', 'NTLMv1', 'Anonymous'],
  1: ['LM', 'NTLMv1', 'NTLMv1-ESS', 'Anonymous'],
  2: ['NTLMv1', 'NTLMv1-ESS', 'Anonymous'],
  3: ['NTLMv2', 'Anonymous'],
  4: ['NTLMv2', 'Anonymous'],
  5: ['NTLMv2', 'Anonymous'],
};

export function clientSendsAt(level: LmCompatibilityLevel, version: NtlmVersion): boolean {
  return CLIENT_SENDS[level].includes(version);
}
