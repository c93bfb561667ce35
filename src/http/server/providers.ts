/**
 * The `Negotiate` and `NTLM` providers on the wire: parsing `Authorization` (RFC 7235
 * credentials with a token68) and formatting `WWW-Authenticate`. What the token holds is read
 * once, by the acceptor's decodeLeg (acceptor.ts). Pure: no sockets, no state.
 */
import { AUTH_SCHEMES, type AuthScheme } from '../../policy/requests.js';

/** The providers the handler serves: the HTTP schemes it answers, in IIS order (the default). */
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

/** The first 401: one bare challenge per provider, in configured order (as IIS sends them). */
export function challengeHeaders(providers: readonly AuthProvider[]): string[] {
  return [...providers];
}

/** A handshake token back to the client, under the scheme it came with. */
export function tokenHeader(scheme: AuthProvider, token: Uint8Array): string {
  return `${scheme} ${Buffer.from(token).toString('base64')}`;
}

/** `NTLM`, or `Negotiate(<mechanism>)` (`Negotiate(NTLM)`): the auth package as the identity and logs name it. */
export function authPackage(scheme: AuthProvider, mechanism: string): string {
  return scheme === 'NTLM' ? 'NTLM' : `Negotiate(${mechanism})`;
}
