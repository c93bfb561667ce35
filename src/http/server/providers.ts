/**
 * The `Negotiate` and `NTLM` providers on the wire: parsing `Authorization` (RFC 7235
 * credentials with a token68), telling a handshake's first leg from a later one, and
 * formatting `WWW-Authenticate`. Pure: no sockets, no state.
 */
import { NtlmDecodeError } from '../../ntlm/errors.js';
import { decodeMessage, isNtlmMessage } from '../../ntlm/messages/index.js';
import { SpnegoDecodeError } from '../../spnego/errors.js';
import { decodeNegotiationToken } from '../../spnego/tokens.js';
import { AUTH_SCHEMES, type AuthScheme } from '../../policy/requests.js';

/** The providers the handler serves: the HTTP schemes that carry NTLM, in IIS order (the default). */
export const AUTH_PROVIDERS = AUTH_SCHEMES;
export type AuthProvider = AuthScheme;

export type ParsedAuthorization =
  | { readonly kind: 'none' }
  /** A scheme we do not serve (Basic, Bearer, or a provider not configured): answered with our challenges. */
  | { readonly kind: 'other-scheme'; readonly scheme: string }
  /** Not `scheme SP token68`, or the token is not base64: IIS answers 400. */
  | { readonly kind: 'malformed'; readonly why: string }
  | { readonly kind: 'token'; readonly scheme: AuthProvider; readonly token: Buffer };

// RFC 7235 §2.1 token68 restricted to base64 (RFC 4648 §4), the only form NTLM/Negotiate use.
// Padding may be omitted, as some clients do; a length of 4n+1 cannot be base64 at all.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses one `Authorization` value against the configured providers (scheme names are case-insensitive). */
export function parseAuthorization(value: string | undefined, providers: readonly AuthProvider[]): ParsedAuthorization {
  if (value === undefined || value.trim() === '') return { kind: 'none' };
  const v = value.trim();
  const sp = v.indexOf(' ');
  const schemeText = sp < 0 ? v : v.slice(0, sp);
  if (!SCHEME.test(schemeText)) return { kind: 'malformed', why: 'the scheme is not an RFC 7235 token' };
  const scheme = providers.find((p) => p.toLowerCase() === schemeText.toLowerCase());
  if (scheme === undefined) return { kind: 'other-scheme', scheme: schemeText.slice(0, 32) };
  const token = sp < 0 ? '' : v.slice(sp + 1).trim();
  if (token === '') return { kind: 'malformed', why: `${scheme} credentials without a token` };
  if (!BASE64.test(token)) return { kind: 'malformed', why: 'the token is not base64' };
  const padded = token.endsWith('=');
  if ((padded && token.length % 4 !== 0) || (!padded && token.length % 4 === 1)) {
    return { kind: 'malformed', why: 'the token has a base64 length no encoder produces' };
  }
  const bytes = Buffer.from(token, 'base64');
  if (bytes.length === 0) return { kind: 'malformed', why: 'the token is empty' };
  return { kind: 'token', scheme, token: bytes };
}

/**
 * Whether a token starts a handshake: an NTLM NEGOTIATE (raw, under either scheme) or a
 * SPNEGO InitialContextToken / NegTokenInit. Anything else continues one (or is garbage,
 * which the context or `decodes` then reports).
 */
export function isInitialToken(token: Buffer): boolean {
  if (isNtlmMessage(token)) return token.length >= 12 && token.readUInt32LE(8) === 1;
  const tag = token[0];
  return tag === 0x60 || tag === 0xa0;
}

// 1.3.6.1.5.5.2 (SPNEGO) as DER content octets.
const SPNEGO_OID = Buffer.from([0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]);

/**
 * A GSS-API InitialContextToken (RFC 2743 §3.1) for a mechanism other than SPNEGO — a bare
 * Kerberos AP-REQ under `Negotiate`, say. It is well-formed, just not ours: IIS-style, that is
 * a 401 (offer the providers again), not a 400. Only the framing header is read.
 */
export function isForeignGssToken(token: Buffer): boolean {
  if (token[0] !== 0x60 || token.length < 4) return false;
  // [APPLICATION 0] length: short form, or long form with 1–4 length octets.
  let at = 1;
  const first = token[at++] ?? 0;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) return false;
    at += n;
  }
  if (token[at] !== 0x06) return false;
  const oidLength = token[at + 1] ?? 0;
  if (oidLength === 0 || oidLength > 0x7f || at + 2 + oidLength > token.length) return false;
  return !token.subarray(at + 2, at + 2 + oidLength).equals(SPNEGO_OID);
}

/**
 * Whether a token decodes as what the scheme carries, without any state: IIS answers 400 to
 * a token that does not decode and 401 to one that decodes but cannot be accepted (here: a
 * later leg with no handshake in progress, e.g. a replayed AUTHENTICATE).
 */
export function decodes(scheme: AuthProvider, token: Buffer): boolean {
  try {
    if (isNtlmMessage(token)) {
      decodeMessage(token);
      return true;
    }
    if (scheme === 'NTLM') return false;
    const d = decodeNegotiationToken(token);
    const inner = d.kind === 'init' ? d.token.mechToken : d.token.responseToken;
    if (inner !== undefined && isNtlmMessage(inner)) decodeMessage(inner);
    return true;
  } catch (e) {
    if (e instanceof NtlmDecodeError || e instanceof SpnegoDecodeError) return false;
    throw e;
  }
}

/** The first 401: one bare challenge per provider, in configured order (as IIS sends them). */
export function challengeHeaders(providers: readonly AuthProvider[]): string[] {
  return [...providers];
}

/** A handshake token back to the client, under the scheme it came with. */
export function tokenHeader(scheme: AuthProvider, token: Uint8Array): string {
  return `${scheme} ${Buffer.from(token).toString('base64')}`;
}

/** `Negotiate(NTLM)` or `NTLM`: the auth package as the identity and logs name it. */
export function authPackage(scheme: AuthProvider): 'NTLM' | 'Negotiate(NTLM)' {
  return scheme === 'NTLM' ? 'NTLM' : 'Negotiate(NTLM)';
}
