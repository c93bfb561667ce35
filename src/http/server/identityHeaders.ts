/**
 * Identity headers for the reverse-proxy case: ntlmgate authenticates at the edge and tells
 * the upstream who the user is in a signed header set. The upstream verifies the HMAC-SHA256
 * (constant-time) and the age, so neither a client nor anything between can forge or replay
 * an identity for long; and the edge strips any such header a client sent, so an unsigned
 * one never reaches the upstream either. It strips as well the headers upstreams commonly take
 * an identity from without a signature (X-Forwarded-User, Remote-User, …), and every spelling a
 * CGI, WSGI or PHP upstream reads as the same variable: RFC 3875 §4.1.18 names a header's
 * variable HTTP_ + its name upper-cased with `-` as `_`, so `X_NTLMGate_User` and
 * `x-ntlmgate-user` both arrive as HTTP_X_NTLMGATE_USER.
 *
 * Canonical string (signed), one field a line, each exactly as it appears in its header:
 *   v2 (what signIdentityHeaders sends; `Signature: v2=…`):
 *     ntlmgate-identity-v2 \n User \n Groups \n Package \n Timestamp
 *   v1 (the NTLM version in place of the package; `Signature: v1=…`), still verified:
 *     ntlmgate-identity-v1 \n User \n Groups \n Version \n Timestamp
 * The signature's prefix says which set to read, so a verifier takes both while edges move
 * to v2. Values are percent-encoded UTF-8 for every byte outside 0x21–0x7E and for `%` and
 * `,`, so `CORP\alice` stays readable, and commas separate groups unambiguously.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const IDENTITY_HEADERS = {
  user: 'X-NTLMGate-User',
  groups: 'X-NTLMGate-Groups',
  /** v2: the auth package, `Negotiate(<mechanism>)` or `NTLM` (IwaIdentity.authPackage). */
  package: 'X-NTLMGate-Package',
  /** v1 only: the NTLM version. */
  version: 'X-NTLMGate-Version',
  timestamp: 'X-NTLMGate-Timestamp',
  signature: 'X-NTLMGate-Signature',
} as const;

/** Every header with this prefix (any case, `_` for `-`) is ntlmgate's and is stripped from client requests. */
export const IDENTITY_HEADER_PREFIX = 'x-ntlmgate-';

/** Identity headers upstreams (and their frameworks) commonly trust; stripped from client requests by default. */
export const DEFAULT_STRIPPED_HEADERS: readonly string[] = Object.freeze(['X-Forwarded-User', 'X-Remote-User', 'Remote-User', 'X-Authenticated-User']);

/** A header name as a CGI/WSGI/PHP upstream sees it: case and `-`/`_` do not matter. */
const variableName = (n: string): string => n.toLowerCase().replace(/_/g, '-');

/**
 * Which client header names are identity headers: `X-NTLMGate-*` and the `also` list, in any
 * case and with `_` or `-` in any place. Most names are rejected by their first character alone.
 */
export class IdentityHeaderMatcher {
  private readonly names: ReadonlySet<string>;
  private readonly firsts: ReadonlySet<number>;
  private readonly shortest: number;

  constructor(also: readonly string[] = DEFAULT_STRIPPED_HEADERS) {
    const names = also.map(variableName);
    this.names = new Set(names);
    this.firsts = new Set([IDENTITY_HEADER_PREFIX, ...names].map((n) => n.charCodeAt(0) | 0x20));
    this.shortest = Math.min(IDENTITY_HEADER_PREFIX.length, ...names.map((n) => n.length));
  }

  matches(name: string | undefined): boolean {
    if (name === undefined || name.length < this.shortest || !this.firsts.has(name.charCodeAt(0) | 0x20)) return false;
    const v = variableName(name);
    return v.startsWith(IDENTITY_HEADER_PREFIX) || this.names.has(v);
  }
}

/** The default matcher: `X-NTLMGate-*` and DEFAULT_STRIPPED_HEADERS. */
export const DEFAULT_IDENTITY_HEADERS = new IdentityHeaderMatcher();

/** Per version: the canonical string's tag and the signature's prefix. */
const FORMATS = {
  1: { tag: 'ntlmgate-identity-v1', prefix: 'v1=' },
  2: { tag: 'ntlmgate-identity-v2', prefix: 'v2=' },
} as const;
type FormatVersion = keyof typeof FORMATS;
/** The shortest HMAC key signIdentityHeaders takes (RFC 2104 §3: at least the hash's output length). */
export const MIN_SECRET_BYTES = 32;

/** What is signed: `DOMAIN\user`, groups, the auth package (`Negotiate(NTLM)`). IwaIdentity has these fields. */
export interface SignableIdentity {
  readonly name: string;
  readonly groups: readonly string[];
  readonly authPackage: string;
}

export interface VerifiedIdentity {
  readonly name: string;
  readonly user: string;
  readonly domain: string;
  readonly groups: readonly string[];
  /** Which header set was signed: 2 (the package), or 1 (the NTLM version, from an edge before v2). */
  readonly format: FormatVersion;
  /** v2: the auth package, e.g. `Negotiate(NTLM)`, `NTLM`. */
  readonly authPackage?: string;
  /** v2: the mechanism named by the package (`NTLM` for `Negotiate(NTLM)` and for `NTLM`). */
  readonly mechanism?: string;
  /** v1: the NTLM version (`NTLMv2`). */
  readonly ntlmVersion?: string;
  /** Unix seconds at signing. */
  readonly timestamp: number;
}

export type IdentityHeaderFailure = 'missing' | 'duplicated' | 'malformed' | 'bad-signature' | 'expired' | 'not-yet-valid';

export type VerifyIdentityResult =
  | { readonly ok: true; readonly identity: VerifiedIdentity }
  | { readonly ok: false; readonly reason: IdentityHeaderFailure };

/** Plain header records (node:http's IncomingHttpHeaders, any key case) or a fetch Headers. */
export type HeaderSource =
  | Readonly<Record<string, string | readonly string[] | number | undefined>>
  | { get(name: string): string | null };

function key(secret: string | Uint8Array): Buffer {
  const k = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (k.length < MIN_SECRET_BYTES) throw new RangeError(`the identity-header secret must have at least ${MIN_SECRET_BYTES} bytes (use 32 random bytes)`);
  return k;
}

function encodeValue(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x25 && byte !== 0x2c ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const ENCODED = /^(?:[\x21-\x24\x26-\x2b\x2d-\x7e]|%[0-9A-F]{2})*$/;

function decodeValue(s: string): string | undefined {
  if (!ENCODED.test(s)) return undefined;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined; // not UTF-8
  }
}

function canonical(format: FormatVersion, user: string, groups: string, packageOrVersion: string, timestamp: string): string {
  return [FORMATS[format].tag, user, groups, packageOrVersion, timestamp].join('\n');
}

/** `Negotiate(Kerberos)` → `Kerberos`; a bare package (`NTLM`) is its own mechanism. */
function mechanismOf(authPackage: string): string {
  const m = /^[^()]*\(([^()]+)\)$/.exec(authPackage);
  return m?.[1] ?? authPackage;
}

function mac(k: Buffer, text: string): Buffer {
  return createHmac('sha256', k).update(text, 'utf8').digest();
}

/** The signed (v2) header set for an authenticated identity, to add to the proxied request. */
export function signIdentityHeaders(identity: SignableIdentity, secret: string | Uint8Array, o: { readonly now?: () => number } = {}): Record<string, string> {
  const k = key(secret);
  const user = encodeValue(identity.name);
  const groups = identity.groups.map(encodeValue).join(',');
  const pkg = encodeValue(identity.authPackage);
  const timestamp = String(Math.floor((o.now ?? Date.now)() / 1000));
  const signature = FORMATS[2].prefix + mac(k, canonical(2, user, groups, pkg, timestamp)).toString('base64url');
  return {
    [IDENTITY_HEADERS.user]: user,
    [IDENTITY_HEADERS.groups]: groups,
    [IDENTITY_HEADERS.package]: pkg,
    [IDENTITY_HEADERS.timestamp]: timestamp,
    [IDENTITY_HEADERS.signature]: signature,
  };
}

/** One header's single value; `duplicated` when it came more than once. */
function lookup(headers: HeaderSource, name: string): string | 'duplicated' | undefined {
  if (typeof headers.get === 'function') {
    const v = (headers as { get(name: string): string | null }).get(name);
    return v ?? undefined;
  }
  const lower = name.toLowerCase();
  const found: (string | readonly string[] | number)[] = [];
  for (const [k, v] of Object.entries(headers as Readonly<Record<string, string | readonly string[] | number | undefined>>)) {
    if (k.toLowerCase() === lower && v !== undefined) found.push(v);
  }
  const [first, ...rest] = found;
  if (first === undefined) return undefined;
  if (rest.length > 0 || (Array.isArray(first) && first.length !== 1)) return 'duplicated';
  return Array.isArray(first) ? String(first[0]) : String(first);
}

/**
 * Verifies a signed header set, v2 or v1 as its signature's prefix says: the set's five
 * headers present once, well-formed, signed with `secret`, signed at most `maxAgeSeconds` ago
 * (default 60) and not more than `clockSkewSeconds` (default 5) in the future.
 */
export function verifyIdentityHeaders(
  headers: HeaderSource,
  secret: string | Uint8Array,
  o: { readonly maxAgeSeconds?: number; readonly clockSkewSeconds?: number; readonly now?: () => number } = {},
): VerifyIdentityResult {
  const k = key(secret);
  const signature = lookup(headers, IDENTITY_HEADERS.signature);
  if (signature === undefined) return { ok: false, reason: 'missing' };
  if (signature === 'duplicated') return { ok: false, reason: 'duplicated' };
  // 43 base64url characters are exactly 32 bytes: nothing else is a signature (no lenient decoding).
  const shape = /^v([12])=[A-Za-z0-9_-]{43}$/.exec(signature);
  if (!shape) return { ok: false, reason: 'malformed' };
  const format: FormatVersion = shape[1] === '2' ? 2 : 1;
  const values: string[] = [];
  for (const name of [IDENTITY_HEADERS.user, IDENTITY_HEADERS.groups, format === 2 ? IDENTITY_HEADERS.package : IDENTITY_HEADERS.version, IDENTITY_HEADERS.timestamp]) {
    const v = lookup(headers, name);
    if (v === undefined) return { ok: false, reason: 'missing' };
    if (v === 'duplicated') return { ok: false, reason: 'duplicated' };
    values.push(v);
  }
  const [user = '', groups = '', packageOrVersion = '', timestamp = ''] = values;
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature.slice(FORMATS[format].prefix.length), 'base64url');
  const expected = mac(k, canonical(format, user, groups, packageOrVersion, timestamp));
  // Equal lengths first (timingSafeEqual requires it); the length of an HMAC is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };

  const nowS = Math.floor((o.now ?? Date.now)() / 1000);
  const ts = Number(timestamp);
  if (ts > nowS + (o.clockSkewSeconds ?? 5)) return { ok: false, reason: 'not-yet-valid' };
  if (nowS - ts > (o.maxAgeSeconds ?? 60)) return { ok: false, reason: 'expired' };

  const name = decodeValue(user);
  const third = decodeValue(packageOrVersion);
  const groupList = groups === '' ? [] : groups.split(',').map(decodeValue);
  if (name === undefined || third === undefined || groupList.some((g) => g === undefined)) return { ok: false, reason: 'malformed' };
  const slash = name.indexOf('\\');
  const who = {
    name,
    domain: slash < 0 ? '' : name.slice(0, slash),
    user: slash < 0 ? name : name.slice(slash + 1),
    groups: groupList as string[],
  };
  return {
    ok: true,
    identity: format === 2 ? { ...who, format, authPackage: third, mechanism: mechanismOf(third), timestamp: ts } : { ...who, format, ntlmVersion: third, timestamp: ts },
  };
}

/** Whether rawHeaders-style names[0], names[2], … hold an identity header. */
function anyIdentityName(names: readonly string[], m: IdentityHeaderMatcher): boolean {
  for (let i = 0; i < names.length; i += 2) if (m.matches(names[i])) return true;
  return false;
}

/** Whether a header object has an identity header key (a for-in walk: no array of keys per request). */
function anyIdentityKey(headers: Record<string, unknown>, m: IdentityHeaderMatcher): boolean {
  for (const k in headers) if (m.matches(k)) return true;
  return false;
}

interface StrippableRequest {
  readonly headers: Record<string, unknown>;
  readonly rawHeaders?: string[];
}

/**
 * Whether the request carries an identity header — the common case (none) checked without
 * materializing headersDistinct (which node builds from rawHeaders on first read, as it does
 * headers): neither the raw header list nor the headers object names one.
 */
export function hasIdentityHeaders(req: StrippableRequest, m: IdentityHeaderMatcher = DEFAULT_IDENTITY_HEADERS): boolean {
  return !Array.isArray(req.rawHeaders) || anyIdentityName(req.rawHeaders, m) || anyIdentityKey(req.headers, m);
}

/**
 * Removes every identity header the client sent (`X-NTLMGate-*` and the matcher's list, any
 * case, `_` or `-`, every copy) from `headers`, `rawHeaders` and node's `headersDistinct`, so
 * nothing downstream can mistake a client's header for ours. Returns the names removed (lower case).
 */
export function stripIdentityHeaders(req: StrippableRequest, m: IdentityHeaderMatcher = DEFAULT_IDENTITY_HEADERS): string[] {
  if (!hasIdentityHeaders(req, m)) return [];
  const removed = new Set<string>();
  // node computes `headers` and `headersDistinct` lazily from `rawHeaders` using the original
  // header count: both are materialized (read) before rawHeaders shrinks.
  const objects: Record<string, unknown>[] = [req.headers];
  const distinct = (req as { headersDistinct?: unknown }).headersDistinct;
  if (typeof distinct === 'object' && distinct !== null) objects.push(distinct as Record<string, unknown>);
  for (const obj of objects) {
    for (const k of Object.keys(obj)) {
      if (m.matches(k)) {
        removed.add(k.toLowerCase());
        delete obj[k];
      }
    }
  }
  const raw = req.rawHeaders;
  if (Array.isArray(raw)) {
    for (let i = raw.length - 2; i >= 0; i -= 2) {
      const name = raw[i];
      if (name !== undefined && m.matches(name)) {
        removed.add(name.toLowerCase());
        raw.splice(i, 2);
      }
    }
  }
  return [...removed];
}
