/**
 * The options of the IWA handler, validated once when the handler is made (a typo in a
 * provider name or an allow-list entry must fail at start-up, not at the first logon) and
 * resolved to their defaults.
 */
import type { AuditSink } from '../../audit/sink.js';
import type { AcceptorMechanism } from '../../gss/mechanism.js';
import { OID_NTLMSSP } from '../../ntlm/oid.js';
import type { NtlmAuthority } from '../../ntlm/authority.js';
import { MAX_TIMER_MS } from '../../config/duration.js';
import { DEFAULT_POLICY, type NtlmPolicy } from '../../policy/policy.js';
import { machineIdentityOf, type MachineIdentity } from '../../ntlm/machineIdentity.js';
import type { ProcessIdentity } from '../../policy/requests.js';
import type { AllowList } from './authorization.js';
import { parseAllowList, type ParsedAllowList } from './authorization.js';
import type { ExtendedProtectionSetting } from './epa.js';
import { DEFAULT_STRIPPED_HEADERS, IdentityHeaderMatcher } from './identityHeaders.js';
import type { IwaLogEntry } from './log.js';
import { AUTH_PROVIDERS, type AuthProvider } from './providers.js';
import type { IwaRequest } from './request.js';

/** The handler's options: this server's names (MachineIdentity: what the CHALLENGE announces, what policy compares), then the rest. */
export interface IwaOptions extends MachineIdentity {
  /** Who can log on (MemoryAuthority in tests; LocalAuthority / a DC pass-through in production). */
  readonly authority: NtlmAuthority;
  /** Providers in IIS order; one `WWW-Authenticate` header each on the first 401. Default `['Negotiate', 'NTLM']`. */
  readonly providers?: readonly AuthProvider[];
  /**
   * Mechanisms served under `Negotiate` beside NTLM (which the handler makes from these options):
   * each an AcceptorMechanism with its own GSS-API OID, chosen when the client lists it (RFC 4178).
   */
  readonly mechanisms?: readonly AcceptorMechanism[];
  /** The Restrict-NTLM policy (loadPolicy / loadPolicyFile). Default: DEFAULT_POLICY. */
  readonly policy?: NtlmPolicy;
  /** Where the NTLM/Operational events go; each logon's events are written (and awaited) before the response. */
  readonly audit?: AuditSink;
  /** The ntlmgate service name: `services.<name>` in the policy, and the events' context. */
  readonly serviceName?: string;
  /** The accepting process as events name it (CallerPID / ProcessName). Default: this process, `ntlmgate`. */
  readonly process?: ProcessIdentity;
  /**
   * `connection` (IIS's default): a connection authenticated once stays authenticated for its
   * life. `request` (IIS authPersistSingleRequest): every request must carry a full handshake.
   */
  readonly persistence?: 'connection' | 'request';
  /**
   * The longest a connection's handshake may stay half-open, counted from its first NEGOTIATE:
   * a NEGOTIATE re-sent on the same connection does not restart the clock. Also the challenge
   * lifetime. Default 60 s; at most 2^31-1 ms (what a timer holds).
   */
  readonly handshakeTimeoutMs?: number;
  /**
   * Half-open handshakes per client IP. A new handshake from an IP at the cap evicts that IP's
   * oldest half-open one (whose AUTHENTICATE then gets 401, logged `handshake-evicted`); it is
   * never refused. Default 64.
   */
  readonly maxPendingPerIp?: number;
  /** Half-open handshakes in total; a new one over the cap evicts the oldest of all. Default 10,000. */
  readonly maxPendingTotal?: number;
  /** Longest `Authorization` header accepted (bytes); longer is 400. Default 16 KiB. */
  readonly maxAuthorizationBytes?: number;
  /**
   * Extended Protection (channel binding to our TLS certificate), or a function giving each
   * connection's mode (per listener). Default `off`. On plain HTTP accept and require both
   * refuse a logon whose bindings name a certificate (epa.ts).
   */
  readonly extendedProtection?: ExtendedProtectionSetting;
  /** Authorization after authentication: the user must match a user or a group entry. Absent: every authenticated user. */
  readonly allow?: AllowList;
  /** Accept the anonymous (null session) logon. Default false. */
  readonly allowAnonymous?: boolean;
  /** Refuse NTLMv2 logons without a MIC (curl sends none). Default false. */
  readonly requireMic?: boolean;
  /** Accepted MsvAvTargetName SPNs (NtlmServerOptions.targetNames). */
  readonly targetNames?: { readonly names: readonly string[]; readonly require?: boolean };
  /** Remove any `X-NTLMGate-*` header (and those of `stripHeaders`) the client sent before anything else runs. Default true. */
  readonly stripIdentityHeaders?: boolean;
  /** Identity headers upstreams trust, stripped as well (any case, `_` or `-`). Default DEFAULT_STRIPPED_HEADERS. */
  readonly stripHeaders?: readonly string[];
  /** Structured log hook: JSON-able entries, never tokens or secrets. */
  readonly log?: (entry: IwaLogEntry) => void;
  /** The request id for logs and events. Default: a random UUID (client-sent ids are not trusted). */
  readonly requestId?: (req: IwaRequest) => string;
  /** Clock and CSPRNG, injectable for tests. */
  readonly now?: () => number;
  readonly randomBytes?: (n: number) => Buffer;
}

export interface ResolvedOptions {
  readonly authority: NtlmAuthority;
  readonly machine: MachineIdentity;
  readonly providers: readonly AuthProvider[];
  readonly mechanisms: readonly AcceptorMechanism[];
  readonly policy: NtlmPolicy;
  readonly audit: AuditSink | undefined;
  readonly serviceName: string | undefined;
  readonly process: ProcessIdentity;
  readonly persistence: 'connection' | 'request';
  readonly handshakeTimeoutMs: number;
  readonly maxPendingPerIp: number;
  readonly maxPendingTotal: number;
  readonly maxAuthorizationBytes: number;
  readonly extendedProtection: ExtendedProtectionSetting;
  readonly allow: ParsedAllowList | undefined;
  readonly allowAnonymous: boolean;
  readonly requireMic: boolean;
  readonly targetNames: { readonly names: readonly string[]; readonly require?: boolean } | undefined;
  readonly stripIdentityHeaders: boolean;
  readonly identityHeaders: IdentityHeaderMatcher;
  readonly log: ((entry: IwaLogEntry) => void) | undefined;
  readonly requestId: ((req: IwaRequest) => string) | undefined;
  readonly now: () => number;
  readonly randomBytes: ((n: number) => Buffer) | undefined;
}

/** Thrown by createIwaHandler for options that cannot work; lists every problem. */
export class IwaOptionsError extends Error {
  override readonly name = 'IwaOptionsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid ntlmgate HTTP options:\n  ${problems.join('\n  ')}`);
  }
}

/** What resolveOptions takes for an option not given; `ntlmgate serve` takes the same for its `http` keys (serve/config.ts). */
export const IWA_DEFAULTS = {
  providers: AUTH_PROVIDERS,
  persistence: 'connection',
  handshakeTimeoutMs: 60_000,
  maxPendingPerIp: 64,
  maxPendingTotal: 10_000,
  maxAuthorizationBytes: 16 * 1024,
  extendedProtection: 'off',
  requireMic: false,
} as const;

const positiveInt = (problems: string[], name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number => {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) problems.push(`${name} must be a positive integer, got ${String(value)}`);
  else if (value > max) problems.push(`${name} must be at most ${max}, got ${value}`);
  return value;
};

export function resolveOptions(given: IwaOptions): ResolvedOptions {
  const problems: string[] = [];
  if (typeof given.authority?.validate !== 'function') problems.push('authority must implement validate(request)');
  if (!given.netbiosComputerName) problems.push('netbiosComputerName is required');
  if (typeof given.netbiosDomainName !== 'string') problems.push('netbiosDomainName is required (its own name on a standalone server)');

  const providers = given.providers ?? IWA_DEFAULTS.providers;
  if (providers.length === 0) problems.push('providers must name at least one of Negotiate, NTLM');
  for (const provider of providers) if (!AUTH_PROVIDERS.includes(provider)) problems.push(`providers: unknown provider ${JSON.stringify(provider)}; allowed: ${AUTH_PROVIDERS.join(', ')}`);
  if (new Set(providers).size !== providers.length) problems.push('providers: each provider may be listed once');

  const mechanisms = given.mechanisms ?? [];
  const oids = new Set<string>([OID_NTLMSSP]);
  for (const mechanism of mechanisms) {
    if (typeof mechanism?.oid !== 'string' || typeof mechanism.name !== 'string' || typeof mechanism.newContext !== 'function') problems.push('mechanisms: each needs an oid, a name and newContext(handshake)');
    else if (oids.has(mechanism.oid)) problems.push(`mechanisms: ${mechanism.oid} (${mechanism.name}) is served twice${mechanism.oid === OID_NTLMSSP ? ' (NTLM is built in)' : ''}`);
    else oids.add(mechanism.oid);
  }

  const persistence = given.persistence ?? IWA_DEFAULTS.persistence;
  if (persistence !== 'connection' && persistence !== 'request') problems.push(`persistence must be connection or request, got ${String(persistence)}`);
  const epa = given.extendedProtection ?? IWA_DEFAULTS.extendedProtection;
  if (typeof epa !== 'function' && !['off', 'accept', 'require'].includes(epa)) problems.push(`extendedProtection must be off, accept or require, got ${String(epa)}`);
  // A full cap evicts and refuses nobody: a status for refusing would be silently ignored.
  if ('overLimitStatus' in given) problems.push('overLimitStatus is not an option: a full handshake cap evicts the oldest half-open handshake and refuses nobody');

  for (const header of given.stripHeaders ?? []) if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) problems.push(`stripHeaders: ${JSON.stringify(header)} is not a header name`);

  let allow: ParsedAllowList | undefined;
  if (given.allow) {
    const parsed = parseAllowList(given.allow);
    problems.push(...parsed.problems);
    allow = parsed.list;
  }

  const resolved: ResolvedOptions = {
    authority: given.authority,
    machine: machineIdentityOf(given),
    providers,
    mechanisms,
    policy: given.policy ?? DEFAULT_POLICY,
    audit: given.audit,
    serviceName: given.serviceName,
    process: given.process ?? { pid: process.pid, name: 'ntlmgate' },
    persistence,
    handshakeTimeoutMs: positiveInt(problems, 'handshakeTimeoutMs', given.handshakeTimeoutMs, IWA_DEFAULTS.handshakeTimeoutMs, MAX_TIMER_MS),
    maxPendingPerIp: positiveInt(problems, 'maxPendingPerIp', given.maxPendingPerIp, IWA_DEFAULTS.maxPendingPerIp),
    maxPendingTotal: positiveInt(problems, 'maxPendingTotal', given.maxPendingTotal, IWA_DEFAULTS.maxPendingTotal),
    maxAuthorizationBytes: positiveInt(problems, 'maxAuthorizationBytes', given.maxAuthorizationBytes, IWA_DEFAULTS.maxAuthorizationBytes),
    extendedProtection: epa,
    allow,
    allowAnonymous: given.allowAnonymous ?? false,
    requireMic: given.requireMic ?? IWA_DEFAULTS.requireMic,
    targetNames: given.targetNames,
    stripIdentityHeaders: given.stripIdentityHeaders ?? true,
    identityHeaders: new IdentityHeaderMatcher(given.stripHeaders ?? DEFAULT_STRIPPED_HEADERS),
    log: given.log,
    requestId: given.requestId,
    now: given.now ?? Date.now,
    randomBytes: given.randomBytes,
  };
  if (problems.length > 0) throw new IwaOptionsError(problems);
  return resolved;
}
