/**
 * Identity headers for the reverse-proxy case: ntlmgate authenticates at the edge and tells
 * the upstream who the user is in a signed header set. The upstream verifies the HMAC-SHA256
 * (constant-time) and the age, so neither a client nor anything between can forge or replay
 * an identity for long; and the edge strips any such header a client sent, so an unsigned
 * one never reaches the upstream either.
 *
 * Canonical string (signed), one field a line, each exactly as it appears in its header:
 *   ntlmgate-identity-v1 \n User \n Groups \n Version \n Timestamp
 * Values are percent-encoded UTF-8 for every byte outside 0x21–0x7E and for `%` and `,`,
 * so `CORP\alice` stays readable, and commas separate groups unambiguously.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const IDENTITY_HEADERS = {
  user: 'X-NTLMGate-User',
  groups: 'X-NTLMGate-Groups',
  version: 'X-NTLMGate-Version',
  timestamp: 'X-NTLMGate-Timestamp',
  signature: 'X-NTLMGate-Signature',
} as const;

/** Every header with this prefix (any case) is ntlmgate's and is stripped from client requests. */
export const IDENTITY_HEADER_PREFIX = 'x-ntlmgate-';

const CANONICAL_TAG = 'ntlmgate-identity-v1';
const SIGNATURE_PREFIX = 'v1=';
const MIN_SECRET_BYTES = 32;

/** What is signed: `DOMAIN\user`, groups, NTLM version. IwaIdentity has these fields. */
export interface SignableIdentity {
  readonly name: string;
  readonly groups: readonly string[];
  readonly ntlmVersion: string;
}

export interface VerifiedIdentity {
  readonly name: string;
  readonly user: string;
  readonly domain: string;
  readonly groups: readonly string[];
  readonly ntlmVersion: string;
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

function canonical(user: string, groups: string, version: string, timestamp: string): string {
  return [CANONICAL_TAG, user, groups, version, timestamp].join('\n');
}

function mac(k: Buffer, text: string): Buffer {
  return createHmac('sha256', k).update(text, 'utf8').digest();
}

/** The signed header set for an authenticated identity, to add to the proxied request. */
export function signIdentityHeaders(identity: SignableIdentity, secret: string | Uint8Array, o: { readonly now?: () => number } = {}): Record<string, string> {
  const k = key(secret);
  const user = encodeValue(identity.name);
  const groups = identity.groups.map(encodeValue).join(',');
  const version = encodeValue(identity.ntlmVersion);
  const timestamp = String(Math.floor((o.now ?? Date.now)() / 1000));
  const signature = SIGNATURE_PREFIX + mac(k, canonical(user, groups, version, timestamp)).toString('base64url');
  return {
    [IDENTITY_HEADERS.user]: user,
    [IDENTITY_HEADERS.groups]: groups,
    [IDENTITY_HEADERS.version]: version,
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
 * Verifies a signed header set: all five present once, well-formed, signed with `secret`,
 * signed at most `maxAgeSeconds` ago (default 60) and not more than `clockSkewSeconds`
 * (default 5) in the future.
 */
export function verifyIdentityHeaders(
  headers: HeaderSource,
  secret: string | Uint8Array,
  o: { readonly maxAgeSeconds?: number; readonly clockSkewSeconds?: number; readonly now?: () => number } = {},
): VerifyIdentityResult {
  const k = key(secret);
  const values: string[] = [];
  for (const name of [IDENTITY_HEADERS.user, IDENTITY_HEADERS.groups, IDENTITY_HEADERS.version, IDENTITY_HEADERS.timestamp, IDENTITY_HEADERS.signature]) {
    const v = lookup(headers, name);
    if (v === undefined) return { ok: false, reason: 'missing' };
    if (v === 'duplicated') return { ok: false, reason: 'duplicated' };
    values.push(v);
  }
  const [user = '', groups = '', version = '', timestamp = '', signature = ''] = values;
  // 43 base64url characters are exactly 32 bytes: nothing else is a signature (no lenient decoding).
  if (!/^\d{1,12}$/.test(timestamp) || !/^v1=[A-Za-z0-9_-]{43}$/.test(signature)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature.slice(SIGNATURE_PREFIX.length), 'base64url');
  const expected = mac(k, canonical(user, groups, version, timestamp));
  // Equal lengths first (timingSafeEqual requires it); the length of an HMAC is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };

  const nowS = Math.floor((o.now ?? Date.now)() / 1000);
  const ts = Number(timestamp);
  if (ts > nowS + (o.clockSkewSeconds ?? 5)) return { ok: false, reason: 'not-yet-valid' };
  if (nowS - ts > (o.maxAgeSeconds ?? 60)) return { ok: false, reason: 'expired' };

  const name = decodeValue(user);
  const ntlmVersion = decodeValue(version);
  const groupList = groups === '' ? [] : groups.split(',').map(decodeValue);
  if (name === undefined || ntlmVersion === undefined || groupList.some((g) => g === undefined)) return { ok: false, reason: 'malformed' };
  const slash = name.indexOf('\\');
  return {
    ok: true,
    identity: {
      name,
      domain: slash < 0 ? '' : name.slice(0, slash),
      user: slash < 0 ? name : name.slice(slash + 1),
      groups: groupList as string[],
      ntlmVersion,
      timestamp: ts,
    },
  };
}

/** Whether `n` is an `X-NTLMGate-*` name (any case); 'x' or 'X' first, so most names are rejected without lower-casing them. */
const isIdentityName = (n: string | undefined): boolean =>
  n !== undefined && n.length >= IDENTITY_HEADER_PREFIX.length && (n.charCodeAt(0) | 0x20) === 0x78 && n.toLowerCase().startsWith(IDENTITY_HEADER_PREFIX);

/** Whether rawHeaders-style names[0], names[2], … hold one of ours. */
function anyIdentityName(names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i += 2) if (isIdentityName(names[i])) return true;
  return false;
}

/** Whether a header object has a key of ours (a for-in walk: no array of keys per request). */
function anyIdentityKey(headers: Record<string, unknown>): boolean {
  for (const k in headers) if (isIdentityName(k)) return true;
  return false;
}

interface StrippableRequest {
  readonly headers: Record<string, unknown>;
  readonly rawHeaders?: string[];
}

/**
 * Whether the request carries an `X-NTLMGate-*` header — the common case (none) checked
 * without materializing headersDistinct (which node builds from rawHeaders on first read, as it
 * does headers): neither the raw header list nor the headers object names one of ours.
 */
export function hasIdentityHeaders(req: StrippableRequest): boolean {
  return !Array.isArray(req.rawHeaders) || anyIdentityName(req.rawHeaders) || anyIdentityKey(req.headers);
}

/**
 * Removes every `X-NTLMGate-*` header the client sent (any case, every copy) from `headers`,
 * `rawHeaders` and node's `headersDistinct`, so nothing downstream can mistake a client's
 * header for ours. Returns the names removed (lower case).
 */
export function stripIdentityHeaders(req: StrippableRequest): string[] {
  if (!hasIdentityHeaders(req)) return [];
  const removed = new Set<string>();
  // node computes `headers` and `headersDistinct` lazily from `rawHeaders` using the original
  // header count: both are materialized (read) before rawHeaders shrinks.
  const objects: Record<string, unknown>[] = [req.headers];
  const distinct = (req as { headersDistinct?: unknown }).headersDistinct;
  if (typeof distinct === 'object' && distinct !== null) objects.push(distinct as Record<string, unknown>);
  for (const obj of objects) {
    for (const k of Object.keys(obj)) {
      if (k.toLowerCase().startsWith(IDENTITY_HEADER_PREFIX)) {
        removed.add(k.toLowerCase());
        delete obj[k];
      }
    }
  }
  const raw = req.rawHeaders;
  if (Array.isArray(raw)) {
    for (let i = raw.length - 2; i >= 0; i -= 2) {
      const name = raw[i];
      if (name !== undefined && name.toLowerCase().startsWith(IDENTITY_HEADER_PREFIX)) {
        removed.add(name.toLowerCase());
        raw.splice(i, 2);
      }
    }
  }
  return [...removed];
}
