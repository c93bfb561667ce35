/**
 * `ntlmgate audit exceptions`: the smallest DCAllowedNTLMServers / ClientAllowedNTLMServers
 * lists that keep today's traffic working under a proposed policy. It runs what-if, turns
 * the servers blocked by RestrictNTLMInDomain / RestrictSendingNTLMTraffic into exception
 * entries (one wildcard where names share a prefix), then replays again with the amended
 * policy to prove the lists suffice; what no exception list can fix (an incoming Deny,
 * LmCompatibilityLevel, BlockNtlmv1SSO) is reported as remaining.
 */
import type { AttemptSource } from './groups.js';
import { isServerPattern, parseServerPattern, type ServerPattern } from '../../policy/match.js';
import type { NtlmPolicy, ServerList } from '../../policy/policy.js';
import { suggestExceptionList, type SuggestedEntry } from './exceptions.js';
import { whatIf, type LogonGroup, type WhatIfOptions } from './whatIf.js';

export interface ExceptionSuggestion {
  readonly DCAllowedNTLMServers: SuggestedEntry[];
  readonly ClientAllowedNTLMServers: SuggestedEntry[];
  /** Blocked attempts no exception list can let through. */
  readonly remaining: LogonGroup[];
  /** What-if with the suggested lists added: blocked groups left (equals `remaining`). */
  readonly verified: boolean;
}

const short = (name: string): string => name.split('.')[0]?.toUpperCase() ?? name.toUpperCase();

function patterns(existing: ServerList, added: readonly SuggestedEntry[]): ServerPattern[] {
  const out = [...existing];
  for (const s of added) {
    const p = parseServerPattern(s.entry);
    if (isServerPattern(p)) out.push(p);
  }
  return out;
}

/** The attempts are replayed twice (proposal, then proposal + suggestions). */
export async function suggestExceptions(source: AttemptSource, policy: NtlmPolicy, opts: WhatIfOptions & { minPrefix?: number }): Promise<ExceptionSuggestion> {
  const first = await whatIf(source, policy, opts);
  const dcNames = first.blocked.filter((g) => g.setting === 'RestrictNTLMInDomain').map((g) => short(g.server));
  const clientNames = first.blocked.filter((g) => g.setting === 'RestrictSendingNTLMTraffic').map((g) => g.server);
  const dc = suggestExceptionList(dcNames, { minPrefix: opts.minPrefix });
  const client = suggestExceptionList(clientNames, { minPrefix: opts.minPrefix });
  const amended: NtlmPolicy = {
    ...policy,
    DCAllowedNTLMServers: patterns(policy.DCAllowedNTLMServers, dc),
    ClientAllowedNTLMServers: patterns(policy.ClientAllowedNTLMServers, client),
  };
  const second = await whatIf(source, amended, opts);
  const fixable = new Set(['RestrictNTLMInDomain', 'RestrictSendingNTLMTraffic']);
  const remaining = first.blocked.filter((g) => !fixable.has(g.setting));
  const key = (g: LogonGroup): string => [g.direction, g.user, g.server, g.workstation, g.service, g.setting].join('\u0000');
  const left = new Set(second.blocked.map(key));
  return {
    DCAllowedNTLMServers: dc,
    ClientAllowedNTLMServers: client,
    remaining,
    verified: second.blocked.every((g) => !fixable.has(g.setting)) && remaining.every((g) => left.has(key(g))),
  };
}
