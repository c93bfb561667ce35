/**
 * `ntlmgate.yaml`, the configuration of `ntlmgate serve` (docs/configuration.md).
 *
 * Every key is optional: an absent file, or an empty one, is the embedded default (loopback
 * on 8080, SQLite stores under ./.ntlmgate/, the Restrict-NTLM policies in audit mode). The
 * text is validated completely before anything starts (an inline `policy:` included, through
 * the policy loader), and every problem is reported at once with its key path
 * (`listen[1].tls.key: …`, `policy.RestrictNTLMInDomain: …`), the allowed values, and a "did you
 * mean" for misspelt keys: a gateway that starts with a typo in its policy is worse than one
 * that does not start. The files the configuration names (a policy file, TLS, the identity
 * secret) are read by preflight.ts, also before anything is written.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isPair, isScalar, parseDocument, type Document } from 'yaml';
import type { AllowList } from '../http/server/authorization.js';
import type { ExtendedProtectionMode } from '../http/server/epa.js';
import { DEFAULT_STRIPPED_HEADERS } from '../http/server/identityHeaders.js';
import { IWA_DEFAULTS } from '../http/server/options.js';
import { AUTH_PROVIDERS, type AuthProvider } from '../http/server/providers.js';
import { netbiosProblem } from '../authority/names.js';
import type { MachineIdentity } from '../ntlm/machineIdentity.js';
import { PolicyConfigError } from '../policy/errors.js';
import { loadPolicy } from '../policy/load.js';
import { DEFAULT_POLICY, type NtlmPolicy } from '../policy/policy.js';
import { didYouMean } from '../policy/suggest.js';
import { formatDuration, MAX_TIMER_MS, parseDuration } from '../config/duration.js';
import { loadPolicyFile } from '../config/policyFile.js';
import { ACCOUNTS_DB_FILE, AUDIT_DB_FILE, DEFAULT_STATE_DIR } from '../config/stateDir.js';
import { readRetention } from './retentionConfig.js';
import type { RetentionPolicy } from '../audit/retention.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export interface ListenConfig {
  readonly host: string;
  readonly port: number;
  /** PEM files; present = HTTPS (and Extended Protection can bind to this certificate). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** This listener's own Extended Protection mode, when the file gives one (else `http.extendedProtection`). */
  readonly extendedProtection?: ExtendedProtectionMode;
}

export interface UpstreamConfig {
  /** http(s)://host[:port][/base]: authenticated requests are passed on to it. */
  readonly url: URL;
  /** The HMAC key of the signed identity headers (from an environment variable or a file, never inline). */
  readonly identitySecret?: { readonly env: string } | { readonly file: string };
  readonly timeoutMs: number;
  /**
   * Identity headers an upstream may trust besides ntlmgate's own, removed from every client
   * request (with every spelling a CGI/WSGI/PHP upstream reads as the same variable).
   */
  readonly stripHeaders: readonly string[];
}

export interface ServeConfig {
  /** The file this came from (undefined: embedded defaults). */
  readonly file: string | undefined;
  readonly listen: readonly ListenConfig[];
  /** Where the embedded stores live. */
  readonly stateDir: string;
  readonly names: MachineIdentity;
  readonly providers: readonly AuthProvider[];
  readonly extendedProtection: ExtendedProtectionMode;
  /** Accepted MsvAvTargetName SPNs; `require` refuses a logon that names none. */
  readonly targetNames: { readonly names: readonly string[]; readonly require: boolean } | undefined;
  readonly persistence: 'connection' | 'request';
  readonly requireMic: boolean;
  readonly handshakeTimeoutMs: number;
  readonly maxPendingPerIp: number;
  readonly authority: {
    readonly store: string;
    readonly lockout: { readonly threshold: number; readonly windowMs: number; readonly durationMs: number };
  };
  /** `retention`: undefined when off (or for stores ntlmgate does not prune: jsonl:, stdout:). */
  readonly audit: { readonly store: string; readonly retention: RetentionPolicy | undefined };
  /**
   * The policy: the audit-mode default or an inline mapping, both validated with the rest of the
   * file; or a policy file (resolved against the config's folder), read by resolveServePolicy.
   */
  readonly policy: { readonly kind: 'default' | 'inline'; readonly policy: NtlmPolicy } | { readonly kind: 'file'; readonly path: string };
  readonly allow: AllowList | undefined;
  readonly upstream: UpstreamConfig | undefined;
  readonly log: { readonly level: LogLevel };
  /** Create a demo account (and print how to log on with it) when the account store is empty. */
  readonly demoAccount: boolean;
  readonly shutdownTimeoutMs: number;
  /**
   * Server processes (node:cluster): 1 = this process serves; N > 1 = a primary forks N
   * workers that each run the whole server, connections distributed per TCP connection.
   * `auto` in the file is the number of CPUs (os.availableParallelism()).
   */
  readonly workers: number;
}

/** Every problem in a configuration, each prefixed with its key path. */
export class ServeConfigError extends Error {
  override readonly name = 'ServeConfigError';
  readonly code = 'invalid-config';
  constructor(
    readonly problems: readonly string[],
    readonly file?: string,
  ) {
    super(`${file ?? 'configuration'}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * The policy `serve` runs with when none is configured: nothing is blocked, and every NTLM
 * logon is audited (Microsoft's first step: audit, assess, then restrict).
 */
export const AUDIT_MODE_POLICY = {
  AuditReceivingNTLMTraffic: 2,
  AuditNTLMInDomain: 7,
  RestrictSendingNTLMTraffic: 1,
  LogEnhancedAuditEvents: 1,
} as const;

/** A NetBIOS computer name from the host name: first label, upper case, at most 15 characters. */
export function defaultComputerName(host: string = hostname()): string {
  const label = (host.split('.')[0] ?? '').toUpperCase().replace(/[^A-Z0-9-]/g, '').slice(0, 15);
  return label === '' ? 'NTLMGATE' : label;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_DOMAIN = 'NTLMGATE';

// ---------------------------------------------------------------------------

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v)));

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly baseDir: string) {}

  problem(path: string, text: string): undefined {
    this.problems.push(`${path}: ${text}`);
    return undefined;
  }

  /** Reports keys not in `known` (with a suggestion) and returns the mapping. */
  mapping(path: string, v: unknown, known: readonly string[]): Raw | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isRecord(v)) return this.problem(path, `expected a mapping, got ${shown(v)}`);
    for (const k of Object.keys(v)) {
      if (known.includes(k)) continue;
      const hint = didYouMean(k, known);
      this.problem(path === '' ? k : `${path}.${k}`, `unknown key${hint ? ` (did you mean ${hint}?)` : ''}; allowed: ${known.join(', ')}`);
    }
    return v;
  }

  string(path: string, v: unknown): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.trim() === '') return this.problem(path, `expected a non-empty string, got ${shown(v)}`);
    return v.trim();
  }

  oneOf<T extends string>(path: string, v: unknown, allowed: readonly T[]): T | undefined {
    if (v === undefined || v === null) return undefined;
    // YAML 1.2 reads `off` as a string, but `false` is the same intent.
    const s = v === false ? 'off' : v;
    const hit = allowed.find((a) => typeof s === 'string' && a.toLowerCase() === s.toLowerCase());
    return hit ?? this.problem(path, `expected one of ${allowed.join(', ')}, got ${shown(v)}`);
  }

  boolean(path: string, v: unknown): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') return this.problem(path, `expected true or false, got ${shown(v)}`);
    return v;
  }

  integer(path: string, v: unknown, min: number, max: number): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return this.problem(path, `expected a whole number from ${min} to ${max}, got ${shown(v)}`);
    return v;
  }

  /**
   * A duration in whole milliseconds within `limits` (default: 0 up to what a double holds
   * exactly). Durations that end up in a timer pass `{ max: MAX_TIMER_MS }`: a longer timer
   * fires at once, which would make every handshake expire on arrival.
   */
  duration(path: string, v: unknown, limits: { readonly min?: number; readonly max?: number; readonly why?: string } = {}): number | undefined {
    if (v === undefined || v === null) return undefined;
    const ms = typeof v === 'number' || typeof v === 'string' ? parseDuration(v, 's') : undefined;
    if (ms === undefined) return this.problem(path, `expected a duration such as 30s, 5m, 2h (a bare number is seconds), got ${shown(v)}`);
    const min = limits.min ?? 0;
    const max = limits.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(ms)) return this.problem(path, `${shown(v)} is not a whole number of milliseconds`);
    if (ms < min || ms > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${formatDuration(min)}` : `from ${formatDuration(min)} to ${formatDuration(max)}${limits.why ? ` (${limits.why})` : max === MAX_TIMER_MS ? ' (the longest a timer holds)' : ''}`;
      return this.problem(path, `expected ${range}, got ${shown(v)}`);
    }
    return ms;
  }

  strings(path: string, v: unknown): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    const list = Array.isArray(v) ? v : [v];
    const out: string[] = [];
    list.forEach((x, i) => {
      const s = this.string(`${path}[${i}]`, x);
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  path(p: string): string {
    return isAbsolute(p) ? p : resolve(this.baseDir, p);
  }
}

/** `127.0.0.1:8080`, `[::1]:8443`, `:8080` (all addresses), or `8080` (loopback). */
export function parseAddress(text: string): { host: string; port: number } | undefined {
  const t = text.trim();
  let host: string;
  let portText: string;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(t);
  if (v6) [host, portText] = [v6[1] ?? '', v6[2] ?? ''];
  else if (/^\d+$/.test(t)) [host, portText] = ['127.0.0.1', t];
  else {
    const i = t.lastIndexOf(':');
    if (i < 0 || t.indexOf(':') !== i) return undefined;
    [host, portText] = [t.slice(0, i) || '0.0.0.0', t.slice(i + 1)];
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) return undefined;
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) return undefined;
  return { host, port };
}

const TOP_KEYS = ['listen', 'stateDir', 'names', 'http', 'authority', 'audit', 'policy', 'allow', 'upstream', 'log', 'demoAccount', 'shutdownTimeout', 'workers'] as const;
export const MAX_WORKERS = 256;

/** What `workers: auto` means on this machine. */
export function autoWorkers(): number {
  return Math.max(1, Math.min(MAX_WORKERS, typeof availableParallelism === 'function' ? availableParallelism() : cpus().length));
}

function readWorkers(r: Reader, v: unknown): number {
  if (v === undefined || v === null) return 1;
  if (typeof v === 'string' && v.trim().toLowerCase() === 'auto') return autoWorkers();
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) v = Number(v.trim());
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_WORKERS) {
    r.problem('workers', `expected auto or a whole number from 1 to ${MAX_WORKERS}, got ${shown(v)}`);
    return 1;
  }
  return v;
}
const EPA_MODES = ['off', 'accept', 'require'] as const;
/** AD's longest lockout duration and reset window: 99,999 minutes. */
const MAX_LOCKOUT_MS = 99_999 * 60_000;

function readListen(r: Reader, v: unknown): ListenConfig[] {
  if (v === undefined || v === null) return [{ host: '127.0.0.1', port: DEFAULT_PORT }];
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) {
    r.problem('listen', 'expected at least one address');
    return [];
  }
  const out: ListenConfig[] = [];
  list.forEach((item, i) => {
    const path = `listen[${i}]`;
    const entry: Raw | undefined = typeof item === 'string' || typeof item === 'number' ? { address: String(item) } : r.mapping(path, item, ['address', 'tls', 'extendedProtection']);
    if (!entry) return;
    const text = r.string(`${path}.address`, typeof entry['address'] === 'number' ? String(entry['address']) : entry['address']);
    if (text === undefined) {
      if (entry['address'] === undefined) r.problem(`${path}.address`, 'required (host:port)');
      return;
    }
    const addr = parseAddress(text);
    if (!addr) return r.problem(`${path}.address`, `expected host:port, [v6]:port or a port, got ${shown(text)}`) ?? undefined;
    const tlsRaw = r.mapping(`${path}.tls`, entry['tls'], ['cert', 'key']);
    let tls: ListenConfig['tls'];
    if (tlsRaw) {
      const cert = r.string(`${path}.tls.cert`, tlsRaw['cert']);
      const key = r.string(`${path}.tls.key`, tlsRaw['key']);
      if (cert === undefined) r.problem(`${path}.tls.cert`, 'required (a PEM certificate file)');
      if (key === undefined) r.problem(`${path}.tls.key`, 'required (a PEM private key file)');
      if (cert !== undefined && key !== undefined) tls = { cert: r.path(cert), key: r.path(key) };
    }
    const extendedProtection = r.oneOf(`${path}.extendedProtection`, entry['extendedProtection'], EPA_MODES);
    out.push({ ...addr, ...(tls ? { tls } : {}), ...(extendedProtection ? { extendedProtection } : {}) });
  });
  return out;
}

// RFC 9110 §5.1: a field name is a token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function readUpstream(r: Reader, v: unknown): UpstreamConfig | undefined {
  if (typeof v === 'string') v = { url: v };
  const u = r.mapping('upstream', v, ['url', 'identitySecretEnv', 'identitySecretFile', 'identitySecret', 'timeout', 'stripHeaders']);
  if (!u) return undefined;
  const text = r.string('upstream.url', u['url']);
  if (text === undefined) return r.problem('upstream.url', 'required (http://host:port)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return r.problem('upstream.url', `not a URL: ${shown(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return r.problem('upstream.url', `expected http: or https:, got ${url.protocol}`);
  if (url.username || url.password) return r.problem('upstream.url', 'must not carry credentials');
  if (u['identitySecret'] !== undefined) r.problem('upstream.identitySecret', 'secrets are not written in the configuration: use identitySecretEnv (an environment variable name) or identitySecretFile');
  const env = r.string('upstream.identitySecretEnv', u['identitySecretEnv']);
  const file = r.string('upstream.identitySecretFile', u['identitySecretFile']);
  if (env !== undefined && file !== undefined) r.problem('upstream', 'identitySecretEnv and identitySecretFile are exclusive');
  const identitySecret = env !== undefined ? { env } : file !== undefined ? { file: r.path(file) } : undefined;
  const stripHeaders = r.strings('upstream.stripHeaders', u['stripHeaders']) ?? DEFAULT_STRIPPED_HEADERS;
  stripHeaders.forEach((h, i) => {
    if (!HEADER_NAME.test(h)) r.problem(`upstream.stripHeaders[${i}]`, `${shown(h)} is not a header name`);
  });
  return { url, identitySecret, timeoutMs: r.duration('upstream.timeout', u['timeout'], { min: 1, max: MAX_TIMER_MS }) ?? 30_000, stripHeaders };
}

/**
 * Extended Protection binds a logon to OUR certificate, so a relay that got the victim's
 * AUTHENTICATE over TLS to itself cannot replay it here over TLS; but a plain-HTTP listener of
 * the same server has no channel, and would take the relayed logon unless told otherwise. So a
 * plain listener in a configuration with Extended Protection must say what it does:
 * `accept` (a logon with channel bindings is refused there, since bindings prove the client
 * spoke TLS to someone else; one without any is accepted) or `off` (bindings ignored: behind
 * a TLS-terminating proxy). `require` on it could never be met (no channel, no bindings).
 */
function checkListenerProtection(r: Reader, listen: readonly ListenConfig[], global: ExtendedProtectionMode): void {
  if (global !== 'off' && listen.length > 0 && listen.every((l) => !l.tls)) {
    r.problem('http.extendedProtection', `${global} needs a listener with tls: Extended Protection binds a logon to the TLS certificate, and plain HTTP has none (set it to off, or add tls to a listener)`);
    return;
  }
  listen.forEach((l, i) => {
    if (l.tls) return;
    if (l.extendedProtection === 'require') {
      r.problem(`listen[${i}].extendedProtection`, 'require needs tls on this listener: plain HTTP has no channel to bind to, so no client could log on (use accept or off)');
    } else if (l.extendedProtection === undefined && global !== 'off') {
      r.problem(
        `listen[${i}].extendedProtection`,
        `required on a plain-HTTP listener when http.extendedProtection is ${global}: without a TLS channel a relayed logon is not caught by channel binding here. Set accept (refuses a logon whose channel bindings name any certificate; accepts one without) or off (ignores bindings; behind a TLS-terminating proxy), or give this listener tls`,
      );
    }
  });
}

/** `http.targetNames`: a list of SPNs, or `{ names: [...], require: true }`. */
function readTargetNames(r: Reader, v: unknown): ServeConfig['targetNames'] {
  if (v === undefined || v === null) return undefined;
  const m = isRecord(v) ? r.mapping('http.targetNames', v, ['names', 'require']) : { names: v };
  if (!m) return undefined;
  const base = isRecord(v) ? 'http.targetNames.names' : 'http.targetNames';
  const names = r.strings(base, m['names']) ?? [];
  const require = r.boolean('http.targetNames.require', m['require']) ?? false;
  names.forEach((n, i) => {
    // MS-NLMP §2.2.2.1 MsvAvTargetName: the SPN of the server the client meant, service class/host.
    if (!/^[^/\s]+\/[^/\s]+(?:\/[^/\s]+)?$/.test(n)) r.problem(`${base}[${i}]`, `expected an SPN such as HTTP/web1.corp.example.test, got ${shown(n)}`);
  });
  if (names.length === 0) return r.problem(base, 'name at least one SPN (HTTP/host as clients write it)');
  return { names, require };
}

/**
 * `policy:` — a file path, or a mapping checked here by the policy loader, so a bad value fails
 * the load (in a cluster's primary before it forks) with its key path: `policy.RestrictNTLMInDomain: …`.
 */
function readPolicy(r: Reader, v: unknown, file: string | undefined): ServeConfig['policy'] {
  if (typeof v === 'string') return { kind: 'file', path: r.path(v) };
  if (isRecord(v)) {
    try {
      return { kind: 'inline', policy: loadPolicy(v, file) };
    } catch (e) {
      if (!(e instanceof PolicyConfigError)) throw e;
      for (const i of e.issues) r.problems.push(`policy.${i.message}`);
      // Only a stand-in: parseServeConfig throws the problems just recorded.
      return { kind: 'inline', policy: DEFAULT_POLICY };
    }
  }
  if (v !== undefined && v !== null) r.problem('policy', `expected a mapping of Restrict-NTLM settings or the path of a policy file, got ${shown(v)}`);
  return { kind: 'default', policy: loadPolicy(AUDIT_MODE_POLICY) };
}

function auditConfig(r: Reader, audit: Raw, store: string, stateDir: string): ServeConfig['audit'] {
  return { store, retention: readRetention(r, audit['retention'], { store, stateDir }) };
}

/**
 * Validates a parsed `ntlmgate.yaml` (pure: no I/O). `baseDir` resolves relative paths
 * (the config file's folder; the working directory for the defaults).
 */
export function parseServeConfig(raw: unknown, o: { readonly file?: string; readonly baseDir?: string; readonly hostname?: string } = {}): ServeConfig {
  const r = new Reader(o.baseDir ?? process.cwd());
  const top = r.mapping('', raw ?? {}, TOP_KEYS) ?? {};

  const listen = readListen(r, top['listen']);
  const stateDir = r.path(r.string('stateDir', top['stateDir']) ?? DEFAULT_STATE_DIR);

  const names = r.mapping('names', top['names'], ['netbiosComputerName', 'netbiosDomainName', 'dnsComputerName', 'dnsDomainName']) ?? {};
  const netbiosComputerName = r.string('names.netbiosComputerName', names['netbiosComputerName']) ?? defaultComputerName(o.hostname);
  const netbiosDomainName = r.string('names.netbiosDomainName', names['netbiosDomainName']) ?? DEFAULT_DOMAIN;
  for (const [k, v] of [['netbiosComputerName', netbiosComputerName], ['netbiosDomainName', netbiosDomainName]] as const) {
    const problem = netbiosProblem(v);
    if (problem) r.problem(`names.${k}`, `${shown(v)} ${problem}`);
  }
  const dnsComputerName = r.string('names.dnsComputerName', names['dnsComputerName']);
  const dnsDomainName = r.string('names.dnsDomainName', names['dnsDomainName']);

  const http = r.mapping('http', top['http'], ['providers', 'extendedProtection', 'targetNames', 'persistence', 'requireMic', 'handshakeTimeout', 'maxPendingPerIp']) ?? {};
  const providerNames = r.strings('http.providers', http['providers']);
  const providers: AuthProvider[] = [];
  for (const [i, p] of (providerNames ?? IWA_DEFAULTS.providers).entries()) {
    const hit = r.oneOf(`http.providers[${i}]`, p, AUTH_PROVIDERS);
    if (hit && !providers.includes(hit)) providers.push(hit);
  }
  if (providerNames?.length === 0) r.problem('http.providers', `name at least one of ${AUTH_PROVIDERS.join(', ')}`);

  const auth = r.mapping('authority', top['authority'], ['store', 'lockout']) ?? {};
  const lockout = r.mapping('authority.lockout', auth['lockout'], ['threshold', 'window', 'duration']) ?? {};
  const lockoutCfg = {
    threshold: r.integer('authority.lockout.threshold', lockout['threshold'], 0, 999) ?? 0,
    windowMs: r.duration('authority.lockout.window', lockout['window'], { min: 1, max: MAX_LOCKOUT_MS, why: "AD's longest" }) ?? 30 * 60_000,
    // 0 = locked until an administrator unlocks the account, as in AD.
    durationMs: r.duration('authority.lockout.duration', lockout['duration'], { min: 0, max: MAX_LOCKOUT_MS, why: "AD's longest" }) ?? 30 * 60_000,
  };
  if (lockoutCfg.durationMs > 0 && lockoutCfg.windowMs > lockoutCfg.durationMs) r.problem('authority.lockout', 'window must not exceed duration (as in Active Directory)');
  const audit = r.mapping('audit', top['audit'], ['store', 'retention']) ?? {};

  const storeUrl = (path: string, v: unknown, file: string): string => {
    const s = r.string(path, v);
    if (s === undefined) return `sqlite:${resolve(stateDir, file)}`;
    if (!/^(sqlite:|postgres:|postgresql:|jsonl:|stdout:)/.test(s)) r.problem(path, `expected sqlite:PATH, postgres://… ${path === 'audit.store' ? 'jsonl:PATH or stdout:' : ''}, got ${shown(s)}`.replace(' ,', ','));
    const m = /^(sqlite:|jsonl:)(?!\/\/)(.+)$/.exec(s);
    return m ? `${m[1]}${r.path(m[2] ?? '')}` : s;
  };

  const policy = readPolicy(r, top['policy'], o.file);

  const allowRaw = r.mapping('allow', top['allow'], ['users', 'groups']);
  const allow: AllowList | undefined = allowRaw ? { users: r.strings('allow.users', allowRaw['users']), groups: r.strings('allow.groups', allowRaw['groups']) } : undefined;

  const log = r.mapping('log', top['log'], ['level']) ?? {};
  const extendedProtection = r.oneOf('http.extendedProtection', http['extendedProtection'], EPA_MODES) ?? IWA_DEFAULTS.extendedProtection;
  checkListenerProtection(r, listen, extendedProtection);

  const config: ServeConfig = {
    file: o.file,
    listen,
    stateDir,
    names: { netbiosComputerName, netbiosDomainName, ...(dnsComputerName ? { dnsComputerName } : {}), ...(dnsDomainName ? { dnsDomainName } : {}) },
    providers,
    extendedProtection,
    targetNames: readTargetNames(r, http['targetNames']),
    persistence: r.oneOf('http.persistence', http['persistence'], ['connection', 'request'] as const) ?? IWA_DEFAULTS.persistence,
    requireMic: r.boolean('http.requireMic', http['requireMic']) ?? IWA_DEFAULTS.requireMic,
    handshakeTimeoutMs: r.duration('http.handshakeTimeout', http['handshakeTimeout'], { min: 1, max: MAX_TIMER_MS }) ?? IWA_DEFAULTS.handshakeTimeoutMs,
    maxPendingPerIp: r.integer('http.maxPendingPerIp', http['maxPendingPerIp'], 1, 1_000_000) ?? IWA_DEFAULTS.maxPendingPerIp,
    authority: { store: storeUrl('authority.store', auth['store'], ACCOUNTS_DB_FILE), lockout: lockoutCfg },
    audit: auditConfig(r, audit, storeUrl('audit.store', audit['store'], AUDIT_DB_FILE), stateDir),
    policy,
    allow,
    upstream: readUpstream(r, top['upstream']),
    log: { level: r.oneOf('log.level', log['level'], LOG_LEVELS) ?? 'info' },
    demoAccount: r.boolean('demoAccount', top['demoAccount']) ?? o.file === undefined,
    shutdownTimeoutMs: r.duration('shutdownTimeout', top['shutdownTimeout'], { min: 0, max: MAX_TIMER_MS }) ?? 10_000,
    workers: readWorkers(r, top['workers']),
  };
  if (r.problems.length > 0) throw new ServeConfigError(r.problems, o.file);
  return config;
}

/**
 * How many nodes an alias may stand for (the yaml package's maxAliasCount, its default): a
 * configuration has no use for more, and "billion laughs" anchors would expand without end.
 */
const MAX_ALIAS_COUNT = 100;

/** The top-level keys whose values expand too far, for a message with key paths. */
function aliasBombKeys(doc: Document): string[] {
  const keys: string[] = [];
  if (!isMap(doc.contents)) return keys;
  for (const pair of doc.contents.items) {
    if (!isPair(pair)) continue;
    const value = pair.value as { toJS?: (doc: Document, o: { maxAliasCount: number }) => unknown } | null;
    try {
      value?.toJS?.(doc, { maxAliasCount: MAX_ALIAS_COUNT });
    } catch {
      keys.push(isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
    }
  }
  return keys;
}

/** Parses YAML text (or JSON, which is YAML) and validates it. */
export function parseServeConfigText(text: string, o: { readonly file?: string; readonly baseDir?: string; readonly hostname?: string } = {}): ServeConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ServeConfigError(doc.errors.map((e) => `YAML: ${e.message.split('\n')[0] ?? e.message}`), o.file);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    const keys = aliasBombKeys(doc);
    const why = `YAML aliases expand to more than ${MAX_ALIAS_COUNT} times their anchor's size; write the value out`;
    throw new ServeConfigError(keys.length > 0 ? keys.map((k) => `${k}: ${why}`) : [`YAML: ${why}`], o.file);
  }
  return parseServeConfig(raw, o);
}

/** Reads `ntlmgate.yaml`; undefined path = the embedded defaults. */
export async function loadServeConfig(path: string | undefined): Promise<ServeConfig> {
  if (path === undefined) return parseServeConfig(undefined);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ServeConfigError([`cannot read the file: ${code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e)}`], path);
  }
  return parseServeConfigText(text, { file: path, baseDir: dirname(resolve(path)) });
}

/** The effective policy of a configuration: the one validated at load, or the policy file read now. */
export async function resolveServePolicy(config: ServeConfig): Promise<NtlmPolicy> {
  try {
    switch (config.policy.kind) {
      case 'default':
      case 'inline':
        return config.policy.policy;
      case 'file':
        return await loadPolicyFile(config.policy.path);
    }
  } catch (e) {
    if (e instanceof PolicyConfigError) throw new ServeConfigError(e.issues.map((i) => `policy.${i.message}`), config.file);
    if (e instanceof ServeConfigError) throw e;
    throw new ServeConfigError([`policy: cannot read ${config.policy.kind === 'file' ? config.policy.path : 'the policy'}: ${e instanceof Error ? e.message : String(e)}`], config.file);
  }
}
