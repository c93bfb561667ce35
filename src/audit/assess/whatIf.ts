/**
 * `ntlmgate audit what-if`: replays the logged logon attempts (not events) against a proposed
 * policy and names the attempts it would change: those that got through (or whose outcome
 * was not recorded) and would be blocked, and those blocked today that it would let through
 * to authentication. Attempts that failed anyway (wrong password, unknown user, locked out,
 * refused) are not "blocked" by a proposal: they are counted apart, by failure kind. What only
 * an exception entry lets through is listed too. Nothing is enforced; this is the impact
 * assessment Microsoft asks for before any Deny option is set.
 *
 * An attempt seen by the server and by the DC is replayed as both see it (the server's
 * incoming decision, then the DC's domain decision); the first block decides. Events do not
 * always carry every fact a decision reads; the gaps are filled with the assumptions listed in
 * ASSUMPTIONS (printed with the report), so that a Restrict setting is judged on the logon
 * itself rather than on unknown details.
 */
import { NegotiateFlags as F } from '../../ntlm/flags.js';
import type { NtlmVersion } from '../../ntlm/responses.js';
import type { PolicyDecision } from '../../policy/decision.js';
import { evaluate, type DirectedRequest } from '../../policy/evaluate.js';
import { matchServerList } from '../../policy/match.js';
import { accountName } from '../../policy/names.js';
import type { NtlmPolicy } from '../../policy/policy.js';
import { Dir, type AttemptFacts, type FailureKind, type Outcome } from './attempts.js';
import { countNtlmEvents, type AttemptSource, type GroupColumn } from './groups.js';

export const ASSUMPTIONS = [
  'an attempt whose events do not name its NTLM version is taken as NTLMv2',
  'an attempt whose events do not say whether it carried a MIC or channel bindings is taken to have had a MIC and no bindings',
  'negotiated flags are not in the events: NTLMv2 session security with 128-bit keys is assumed for the minimum-session-security check',
  'servers named in domain events (SChannelName) and the servers logging incoming events are members of the --domain',
  'attempts whose events name no user (a lone 8002 or 4002) are not replayed',
] as const;

export interface WhatIfOptions {
  /** The NetBIOS name of the domain the servers and the DC belong to ("this domain"). */
  readonly domain: string;
  readonly since?: Date;
}

export type Direction = 'incoming' | 'outgoing' | 'domain';

/** Attempts with the same facts that the proposal treats alike. */
export interface LogonGroup {
  readonly direction: Direction;
  readonly user: string;
  readonly server: string;
  readonly workstation: string;
  readonly service: string;
  /** The setting that decided, and why. */
  readonly setting: string;
  readonly reason: string;
  /** How these attempts ended when they were logged. */
  readonly today: Outcome;
  count: number;
  lastSeen: string;
}

export interface WhatIfReport {
  readonly events: number;
  readonly attempts: number;
  /** Attempts the proposal would block that got through today (or whose outcome was not recorded). */
  readonly blocked: LogonGroup[];
  /** Attempts blocked today that the proposal would let through to authentication. */
  readonly unblocked: LogonGroup[];
  /** Attempts the proposal would refuse that failed anyway: no change, counted by failure kind. */
  readonly failedAnyway: { readonly attempts: number; readonly byKind: Partial<Record<FailureKind, number>> };
  /** Attempts not replayed (no user recorded). */
  readonly notReplayed: number;
  /** Attempts the proposal would block but for an exception entry. */
  readonly allowedByException: { setting: string; entry: string; servers: string[]; count: number }[];
  readonly assumptions: readonly string[];
}

/** The facts of a group of attempts, as the ledger holds them (its version column is free text). */
type Facts = Omit<AttemptFacts, 'version'> & { readonly version: string };

const FACT_COLUMNS = ['dir', 'user', 'domain', 'workstation', 'client', 'server', 'service', 'version', 'mic', 'cb', 'dc', 'outcome', 'failure'] as const satisfies readonly GroupColumn[];

const short = (name: string): string => name.split('.')[0]?.toUpperCase() ?? name.toUpperCase();
const version = (f: Facts): NtlmVersion => (f.version === 'LM' || f.version === 'NTLMv1' || f.version === 'NTLMv1-ESS' || f.version === 'NTLMv2' ? f.version : 'NTLMv2');

/** The decision inputs an attempt stands for, in the order they were taken (server, then DC; or the client). */
export function requestsFor(f: Facts, domain: string): { direction: Direction; request: DirectedRequest }[] {
  const facts = {
    user: f.user,
    domain: f.domain,
    workstation: f.workstation,
    version: version(f),
    micPresent: f.mic === null ? true : f.mic === 1,
    channelBindings: f.cb === 1 ? ('present' as const) : ('absent' as const),
  };
  const out: { direction: Direction; request: DirectedRequest }[] = [];
  if (f.dir & Dir.incoming) {
    out.push({
      direction: 'incoming',
      request: {
        direction: 'incoming',
        request: {
          ...facts,
          flags: F.NEGOTIATE_EXTENDED_SESSIONSECURITY | F.NEGOTIATE_128 | F.NEGOTIATE_KEY_EXCH | F.NEGOTIATE_SIGN,
          server: { netbiosComputerName: short(f.server), netbiosDomainName: domain },
          clientIp: f.client || undefined,
          service: f.service || undefined,
        },
      },
    });
  }
  if (f.dir & Dir.domain) {
    out.push({
      direction: 'domain',
      request: {
        direction: 'domain',
        request: {
          ...facts,
          dc: { netbiosComputerName: short(f.dc || f.server), netbiosDomainName: domain },
          server: { netbiosComputerName: short(f.server), netbiosDomainName: domain },
          clientIp: f.client || undefined,
        },
      },
    });
  }
  if (f.dir & Dir.outgoing) {
    out.push({ direction: 'outgoing', request: { direction: 'outgoing', request: { ...facts, targetHost: f.server, service: f.service || undefined } } });
  }
  return out;
}

/** The first block among the attempt's decisions, else the last decision. */
function decide(policy: NtlmPolicy, rs: readonly { direction: Direction; request: DirectedRequest }[]): { direction: Direction; decision: PolicyDecision } | undefined {
  let last: { direction: Direction; decision: PolicyDecision } | undefined;
  for (const r of rs) {
    last = { direction: r.direction, decision: evaluate(policy, r.request).decision };
    if (last.decision.action === 'block') return last;
  }
  return last;
}

/** The proposal with every exception list emptied: what an attempt would meet without them. */
function withoutExceptions(p: NtlmPolicy): NtlmPolicy {
  const services = new Map([...p.services].map(([k, s]) => [k, { ...s, BlockNTLMServerExceptionList: [] }]));
  return { ...p, DCAllowedNTLMServers: [], ClientAllowedNTLMServers: [], services };
}

/** Which configured entry admitted the attempt (the list the deciding setting consults). */
function admittingEntry(p: NtlmPolicy, f: Facts, direction: Direction): { setting: string; entry: string } | undefined {
  if (direction === 'domain') {
    const m = matchServerList(p.DCAllowedNTLMServers, [{ host: short(f.server), source: 'name' }]);
    if (m) return { setting: 'DCAllowedNTLMServers', entry: m.entry };
  }
  if (direction === 'outgoing') {
    const m = matchServerList(p.ClientAllowedNTLMServers, [{ host: f.server, source: 'auto' }]);
    if (m) return { setting: 'ClientAllowedNTLMServers', entry: m.entry };
  }
  const svc = f.service ? p.services.get(f.service) : undefined;
  if (svc) {
    const hosts = direction === 'outgoing'
      ? [{ host: f.server, source: 'auto' as const }]
      : [{ host: f.client || undefined, source: 'ip' as const }, { host: f.workstation || undefined, source: 'name' as const }];
    const m = matchServerList(svc.BlockNTLMServerExceptionList, hosts);
    if (m) return { setting: `services.${f.service}.BlockNTLMServerExceptionList`, entry: m.entry };
  }
  return undefined;
}

function factsOf(values: readonly (string | number | null)[]): Facts {
  const s = (i: number): string => (values[i] === null || values[i] === undefined ? '' : String(values[i]));
  const n = (i: number): number | null => (values[i] === null || values[i] === undefined ? null : Number(values[i]));
  return {
    dir: Number(values[0] ?? 0), user: s(1), domain: s(2), workstation: s(3), client: s(4), server: s(5), service: s(6), version: s(7),
    mic: n(8), cb: n(9), dc: s(10), outcome: (s(11) || 'unknown') as Outcome, failure: (s(12) || null) as FailureKind | null,
  };
}

function addTo(map: Map<string, LogonGroup>, f: Facts, direction: Direction, d: PolicyDecision, count: number, lastSeen: string): void {
  const server = f.server;
  const key = [direction, f.domain, f.user, server, f.workstation, f.service, d.setting, f.outcome].join('\u0000').toUpperCase();
  const g = map.get(key);
  if (g) {
    g.count += count;
    if (lastSeen > g.lastSeen) g.lastSeen = lastSeen;
    return;
  }
  map.set(key, {
    direction,
    user: accountName(f.user, f.domain, ''),
    server,
    workstation: f.workstation,
    service: f.service,
    setting: d.setting,
    reason: d.reason,
    today: f.outcome,
    count,
    lastSeen,
  });
}

const sortGroups = (m: Map<string, LogonGroup>): LogonGroup[] =>
  [...m.values()].sort((a, b) => b.count - a.count || a.user.localeCompare(b.user) || a.server.localeCompare(b.server));

export async function whatIf(source: AttemptSource, policy: NtlmPolicy, opts: WhatIfOptions): Promise<WhatIfReport> {
  const bare = withoutExceptions(policy);
  const [groups, events] = await Promise.all([source.attemptGroups({ since: opts.since, by: FACT_COLUMNS }), countNtlmEvents(source, opts.since)]);
  const blocked = new Map<string, LogonGroup>();
  const unblocked = new Map<string, LogonGroup>();
  const excepted = new Map<string, { setting: string; entry: string; servers: Set<string>; count: number }>();
  const failedAnyway: { attempts: number; byKind: Partial<Record<FailureKind, number>> } = { attempts: 0, byKind: {} };
  let attempts = 0;
  let notReplayed = 0;
  for (const g of groups) {
    attempts += g.attempts;
    const f = factsOf(g.values);
    const rs = f.user ? requestsFor(f, opts.domain) : [];
    const d = decide(policy, rs);
    if (!d) {
      notReplayed += g.attempts;
      continue;
    }
    if (d.decision.action === 'block') {
      if (f.outcome === 'failed') {
        failedAnyway.attempts += g.attempts;
        const k = f.failure ?? 'other';
        failedAnyway.byKind[k] = (failedAnyway.byKind[k] ?? 0) + g.attempts;
      } else if (f.outcome !== 'blocked') {
        addTo(blocked, f, d.direction, d.decision, g.attempts, g.lastSeen);
      }
      continue;
    }
    if (f.outcome === 'blocked') addTo(unblocked, f, d.direction, d.decision, g.attempts, g.lastSeen);
    const without = decide(bare, rs);
    if (without?.decision.action !== 'block') continue;
    const hit = admittingEntry(policy, f, without.direction);
    if (!hit) continue;
    const k = `${hit.setting}\u0000${hit.entry}`;
    const u = excepted.get(k) ?? { ...hit, servers: new Set<string>(), count: 0 };
    u.count += g.attempts;
    u.servers.add(f.server.toUpperCase());
    excepted.set(k, u);
  }
  return {
    events,
    attempts,
    blocked: sortGroups(blocked),
    unblocked: sortGroups(unblocked),
    failedAnyway,
    notReplayed,
    allowedByException: [...excepted.values()]
      .map((u) => ({ setting: u.setting, entry: u.entry, servers: [...u.servers].sort(), count: u.count }))
      .sort((a, b) => b.count - a.count),
    assumptions: ASSUMPTIONS,
  };
}

/** "This domain" when not given: the domain most incoming and DC-side attempts' accounts belong to. */
export async function inferDomain(source: AttemptSource, since?: Date): Promise<string | undefined> {
  const counts = new Map<string, number>();
  for (const g of await source.attemptGroups({ since, by: ['dir', 'domain'] })) {
    const dir = Number(g.values[0] ?? 0);
    const domain = String(g.values[1] ?? '').toUpperCase();
    if (!domain || (dir & (Dir.incoming | Dir.domain)) === 0) continue;
    counts.set(domain, (counts.get(domain) ?? 0) + g.attempts);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}
