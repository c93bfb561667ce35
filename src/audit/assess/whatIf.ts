/**
 * `ntlmgate audit what-if`: replays stored logons against a proposed policy and lists what
 * it would block (grouped by user, server, workstation, service, with counts and last seen)
 * and what only an exception entry lets through. Nothing is enforced; this is the impact
 * assessment Microsoft asks for before any Deny option is set.
 *
 * Events do not always carry every fact a decision reads; the gaps are filled with the
 * assumptions listed in ASSUMPTIONS (and printed with the report), chosen so that a
 * Restrict setting is judged on the logon itself rather than on unknown details.
 */
import type { AuditEvent } from '../../events/event.js';
import { NegotiateFlags as F } from '../../ntlm/flags.js';
import type { NtlmVersion } from '../../ntlm/responses.js';
import { evaluate, type DirectedRequest } from '../../policy/evaluate.js';
import { matchServerList } from '../../policy/match.js';
import type { NtlmPolicy } from '../../policy/policy.js';
import { logonsOf, type ObservedLogon } from './logon.js';

export const ASSUMPTIONS = [
  'a logon whose event does not name its NTLM version is taken as NTLMv2',
  'a logon whose event does not say whether it carried a MIC or channel bindings is taken to have had a MIC and no bindings',
  'negotiated flags are not in the events: NTLMv2 session security with 128-bit keys is assumed for the minimum-session-security check',
  'servers named in domain events (SChannelName) and the servers logging incoming events are members of the --domain',
] as const;

export interface WhatIfOptions {
  /** The NetBIOS name of the domain the servers and the DC belong to ("this domain"). */
  readonly domain: string;
  readonly since?: Date;
  readonly onProgress?: (events: number) => void;
}

export interface LogonGroup {
  readonly direction: ObservedLogon['direction'];
  readonly user: string;
  readonly server: string;
  readonly workstation: string;
  readonly service: string;
  /** The setting that decided, and why. */
  readonly setting: string;
  readonly reason: string;
  count: number;
  lastSeen: string;
}

export interface ExceptionUse {
  readonly setting: string;
  readonly entry: string;
  readonly servers: Set<string>;
  count: number;
}

export interface WhatIfReport {
  readonly events: number;
  readonly logons: number;
  readonly blocked: LogonGroup[];
  /** Logons the proposal would block but for an exception entry. */
  readonly allowedByException: { setting: string; entry: string; servers: string[]; count: number }[];
  readonly assumptions: readonly string[];
}

const short = (name: string): string => name.split('.')[0]?.toUpperCase() ?? name.toUpperCase();

function version(l: ObservedLogon): NtlmVersion {
  return l.version === 'unknown' ? 'NTLMv2' : l.version;
}

/** The decision input a logon event stands for. */
export function requestFor(l: ObservedLogon, domain: string, dcName: string): DirectedRequest {
  const facts = {
    user: l.user,
    domain: l.domain,
    workstation: l.workstation,
    version: version(l),
    micPresent: l.mic ?? true,
    channelBindings: l.channelBinding ? ('present' as const) : ('absent' as const),
  };
  if (l.direction === 'domain') {
    return {
      direction: 'domain',
      request: {
        ...facts,
        dc: { netbiosComputerName: short(dcName), netbiosDomainName: domain },
        server: { netbiosComputerName: short(l.server), netbiosDomainName: domain },
        clientIp: l.client || undefined,
      },
    };
  }
  if (l.direction === 'incoming') {
    return {
      direction: 'incoming',
      request: {
        ...facts,
        flags: F.NEGOTIATE_EXTENDED_SESSIONSECURITY | F.NEGOTIATE_128 | F.NEGOTIATE_KEY_EXCH | F.NEGOTIATE_SIGN,
        server: { netbiosComputerName: short(l.server), netbiosDomainName: domain },
        clientIp: l.client || undefined,
        service: l.service || undefined,
      },
    };
  }
  return {
    direction: 'outgoing',
    request: { ...facts, targetHost: l.server, service: l.service || undefined },
  };
}

/** The proposal with every exception list emptied: what a logon would meet without them. */
function withoutExceptions(p: NtlmPolicy): NtlmPolicy {
  const services = new Map([...p.services].map(([k, s]) => [k, { ...s, BlockNTLMServerExceptionList: [] }]));
  return { ...p, DCAllowedNTLMServers: [], ClientAllowedNTLMServers: [], services };
}

/** Which configured entry admitted the logon (the list the deciding setting consults). */
function admittingEntry(p: NtlmPolicy, l: ObservedLogon): { setting: string; entry: string } | undefined {
  if (l.direction === 'domain') {
    const m = matchServerList(p.DCAllowedNTLMServers, [{ host: short(l.server), source: 'name' }]);
    if (m) return { setting: 'DCAllowedNTLMServers', entry: m.entry };
  }
  if (l.direction === 'outgoing') {
    const m = matchServerList(p.ClientAllowedNTLMServers, [{ host: l.server, source: 'auto' }]);
    if (m) return { setting: 'ClientAllowedNTLMServers', entry: m.entry };
  }
  const svc = l.service ? p.services.get(l.service) : undefined;
  if (svc) {
    const hosts = l.direction === 'outgoing'
      ? [{ host: l.server, source: 'auto' as const }]
      : [{ host: l.client || undefined, source: 'ip' as const }, { host: l.workstation || undefined, source: 'name' as const }];
    const m = matchServerList(svc.BlockNTLMServerExceptionList, hosts);
    if (m) return { setting: `services.${l.service}.BlockNTLMServerExceptionList`, entry: m.entry };
  }
  return undefined;
}

export async function whatIf(
  events: AsyncIterable<AuditEvent> | Iterable<AuditEvent>,
  policy: NtlmPolicy,
  opts: WhatIfOptions,
): Promise<WhatIfReport> {
  const bare = withoutExceptions(policy);
  const blocked = new Map<string, LogonGroup>();
  const excepted = new Map<string, ExceptionUse>();
  const since = opts.since?.toISOString();
  let n = 0;
  let logons = 0;
  const tick = (): void => {
    n++;
    if (opts.onProgress && n % 10_000 === 0) opts.onProgress(n);
  };
  for await (const l of logonsOf(events, tick)) {
    if ((since && l.time < since) || !l.user) continue;
    logons++;
    const req = requestFor(l, opts.domain, l.computer);
    const d = evaluate(policy, req).decision;
    if (d.action === 'block') {
      const key = [l.direction, l.domain, l.user, l.server, l.workstation, l.service, d.setting].join('\u0000').toUpperCase();
      const g = blocked.get(key);
      if (g) {
        g.count++;
        if (l.time > g.lastSeen) g.lastSeen = l.time;
      } else {
        blocked.set(key, {
          direction: l.direction,
          user: l.domain ? `${l.domain}\\${l.user}` : l.user,
          server: l.server,
          workstation: l.workstation,
          service: l.service,
          setting: d.setting,
          reason: d.reason,
          count: 1,
          lastSeen: l.time,
        });
      }
      continue;
    }
    if (evaluate(bare, req).decision.action !== 'block') continue;
    const hit = admittingEntry(policy, l);
    if (!hit) continue;
    const k = `${hit.setting}\u0000${hit.entry}`;
    const u = excepted.get(k) ?? { ...hit, servers: new Set<string>(), count: 0 };
    u.count++;
    u.servers.add(l.server.toUpperCase());
    excepted.set(k, u);
  }
  const rows = [...blocked.values()].sort((a, b) => b.count - a.count || a.user.localeCompare(b.user) || a.server.localeCompare(b.server));
  return {
    events: n,
    logons,
    blocked: rows,
    allowedByException: [...excepted.values()]
      .map((u) => ({ setting: u.setting, entry: u.entry, servers: [...u.servers].sort(), count: u.count }))
      .sort((a, b) => b.count - a.count),
    assumptions: ASSUMPTIONS,
  };
}
