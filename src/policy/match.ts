/**
 * Exception-list entries and how they match. Windows documents one `*` wildcard "anywhere
 * in a string" (S1, S2) and nothing more; we fix the rest (docs/policy.md, "Exception lists"):
 * - matching ignores case (NetBIOS and DNS names are case-insensitive);
 * - `*` stands for any run of characters, dots included, possibly empty;
 * - two or more `*` in one entry do not load;
 * - an entry is a name (NetBIOS or FQDN) or an IP address (pattern); a name entry only
 *   matches names and an IP entry only IP addresses, so a client cannot claim an IP entry
 *   by calling its workstation "10.0.0.5". A lone `*` matches everything.
 */
import { isIP } from 'node:net';

export type PatternKind = 'name' | 'ip' | 'any';

export interface ServerPattern {
  /** The entry as configured. */
  readonly text: string;
  readonly kind: PatternKind;
  /** Normalised text before and after the `*`; `suffix` is undefined when there is no `*`. */
  readonly prefix: string;
  readonly suffix: string | undefined;
}

/** A host as seen by the matcher: its normalised text and whether it is an IP address. */
export interface HostCandidate {
  readonly text: string;
  readonly kind: 'name' | 'ip';
}

/** Lower case, no surrounding brackets (IPv6 literals), no trailing dot (absolute FQDN). */
function normalizeHost(text: string): string {
  let t = text.trim().toLowerCase();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (t.endsWith('.') && t.length > 1) t = t.slice(0, -1);
  return t;
}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.5`, what Node reports on dual-stack sockets) as plain IPv4. */
function unmapIpv4(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  return m?.[1] ?? ip;
}

/** True when `text` is an IPv4 or IPv6 address (brackets allowed). */
export function isIpAddress(text: string): boolean {
  return isIP(normalizeHost(text)) !== 0;
}

/** Loopback addresses (127.0.0.0/8, ::1) and the name localhost. */
export function isLoopback(text: string): boolean {
  const t = unmapIpv4(normalizeHost(text));
  return t === 'localhost' || t === '::1' || /^127\.\d+\.\d+\.\d+$/.test(t);
}

/**
 * How a host to match was learnt: `name` (a workstation name, a DNS name: never read as an
 * address, whatever it looks like), `ip` (a socket address: ignored unless it is one), or
 * `auto` (a target as an application named it, which may be either).
 */
export type HostSource = 'auto' | 'name' | 'ip';

/** The matcher's view of a host name or address; undefined for an empty one or a non-address given as `ip`. */
export function hostCandidate(text: string | undefined, source: HostSource = 'auto'): HostCandidate | undefined {
  if (text === undefined) return undefined;
  const t = normalizeHost(text);
  if (t === '') return undefined;
  if (source === 'name') return { text: t, kind: 'name' };
  if (isIP(t) !== 0) return { text: unmapIpv4(t), kind: 'ip' };
  return source === 'ip' ? undefined : { text: t, kind: 'name' };
}

/** Why an entry does not load (undefined when it loads). The caller adds the key. */
export type EntryProblem =
  | { readonly kind: 'empty' }
  | { readonly kind: 'wildcards' }
  | { readonly kind: 'characters' }
  | { readonly kind: 'bad-ip' };

/** Characters no NetBIOS name, DNS name or IP address contains; their presence means a mistake (`CORP\WEB1`, `WEB1, WEB2`). */
const FORBIDDEN = /[\s\\/,;"<>|?]/;

/** Reads one entry; returns the pattern or what is wrong with it. */
export function parseServerPattern(entry: string): ServerPattern | EntryProblem {
  const text = entry.trim();
  if (text === '') return { kind: 'empty' };
  const stars = text.split('*').length - 1;
  if (stars > 1) return { kind: 'wildcards' };
  if (FORBIDDEN.test(text)) return { kind: 'characters' };
  const norm = normalizeHost(text);
  if (norm === '*') return { text, kind: 'any', prefix: '', suffix: '' };
  const bare = norm.replace('*', '');
  // An address pattern has a colon (IPv6) or only digits and dots with at least one dot (`10.0.0.*`); `*1` is a name.
  const kind: PatternKind = bare.includes(':') || (/^[0-9.]+$/.test(bare) && bare.includes('.')) ? 'ip' : 'name';
  if (kind === 'ip' && stars === 0 && isIP(norm) === 0) return { kind: 'bad-ip' };
  const at = norm.indexOf('*');
  if (at < 0) return { text, kind, prefix: kind === 'ip' ? unmapIpv4(norm) : norm, suffix: undefined };
  return { text, kind, prefix: norm.slice(0, at), suffix: norm.slice(at + 1) };
}

export function isServerPattern(p: ServerPattern | EntryProblem): p is ServerPattern {
  return 'text' in p;
}

/** Does one entry match one host? */
export function patternMatches(p: ServerPattern, host: HostCandidate): boolean {
  if (p.kind !== 'any' && p.kind !== host.kind) return false;
  if (p.suffix === undefined) return host.text === p.prefix;
  return host.text.length >= p.prefix.length + p.suffix.length && host.text.startsWith(p.prefix) && host.text.endsWith(p.suffix);
}

export interface ListMatch {
  /** The entry that matched, as configured. */
  readonly entry: string;
  /** The host it matched, as given. */
  readonly host: string;
}

/** A host to match: its text as given and how it was learnt. */
export interface HostInput {
  readonly host: string | undefined;
  readonly source: HostSource;
}

/**
 * The first (entry, host) pair that matches, trying entries in list order and, for each,
 * the hosts in the order given; undefined when none does.
 */
export function matchServerList(list: readonly ServerPattern[], hosts: readonly HostInput[]): ListMatch | undefined {
  const candidates = hosts.flatMap(({ host, source }) => {
    const c = hostCandidate(host, source);
    return c && host !== undefined ? [{ given: host, c }] : [];
  });
  for (const p of list) {
    for (const { given, c } of candidates) if (patternMatches(p, c)) return { entry: p.text, host: given };
  }
  return undefined;
}
