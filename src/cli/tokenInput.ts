/**
 * What `ntlmgate decode` accepts as a token, parsed into the header it came from (if any),
 * the HTTP authentication scheme (if any) and the token bytes:
 *
 *   TlRMTVNTUAAB...                           bare base64 (whitespace and line breaks ignored)
 *   NTLM TlRMTVNTUAAB...                      header value (RFC 7235 credentials / challenge)
 *   Negotiate YIIB...
 *   Authorization: Negotiate YIIB...          whole header line; also WWW-Authenticate,
 *   Proxy-Authorization: NTLM ...             Proxy-Authenticate and Proxy-Authorization
 *
 * Header names and schemes are case-insensitive. Pure: no I/O.
 */
import { AUTH_SCHEMES, type AuthScheme } from '../policy/requests.js';

export type TokenInputErrorCode = 'EMPTY' | 'BAD_BASE64' | 'UNKNOWN_SCHEME' | 'UNKNOWN_HEADER';

export class TokenInputError extends Error {
  override readonly name = 'TokenInputError';
  constructor(
    readonly code: TokenInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type AuthHeaderName = 'Authorization' | 'WWW-Authenticate' | 'Proxy-Authorization' | 'Proxy-Authenticate';
export type { AuthScheme };

export interface TokenInput {
  /** The header the token was pasted with, in canonical spelling; null for a bare value. */
  readonly header: AuthHeaderName | null;
  /** The authentication scheme, in canonical spelling; null for bare base64. */
  readonly scheme: AuthScheme | null;
  /** Which way the header travels: requests carry Authorization, 401/407 responses the challenges. */
  readonly direction: 'client-to-server' | 'server-to-client' | null;
  /** The token as base64 (whitespace removed). */
  readonly base64: string;
  readonly bytes: Buffer;
}

const HEADERS: ReadonlyMap<string, AuthHeaderName> = new Map([
  ['authorization', 'Authorization'],
  ['www-authenticate', 'WWW-Authenticate'],
  ['proxy-authorization', 'Proxy-Authorization'],
  ['proxy-authenticate', 'Proxy-Authenticate'],
]);

const SCHEMES: ReadonlyMap<string, AuthScheme> = new Map(AUTH_SCHEMES.map((s) => [s.toLowerCase(), s]));

/** RFC 7230 token characters, which a header field name and an auth-scheme consist of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Standard base64; the padding may be left out, as some clients do. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/**
 * A short first word followed by more text is a scheme name; a longer one is the first line
 * of wrapped base64 (base64(1) wraps at 76 columns, PEM-style tools at 64).
 */
const MAX_SCHEME_LENGTH = 24;

export function parseTokenInput(text: string): TokenInput {
  let rest = text.trim();
  if (rest === '') throw new TokenInputError('EMPTY', 'no token given');

  let header: AuthHeaderName | null = null;
  // base64 never contains ':', so a colon after a token-shaped word starts a header line.
  const colon = /^([^\s:]+):(.*)$/s.exec(rest);
  if (colon) {
    const [, name = '', value = ''] = colon;
    const known = HEADERS.get(name.toLowerCase());
    if (!known) {
      const shown = TOKEN.test(name) ? name : JSON.stringify(name);
      throw new TokenInputError(
        'UNKNOWN_HEADER',
        `${shown} is not an authentication header (expected Authorization, WWW-Authenticate, Proxy-Authorization or Proxy-Authenticate)`,
      );
    }
    header = known;
    rest = value.trim();
    if (rest === '') throw new TokenInputError('EMPTY', `the ${header} header has no value`);
  }

  let scheme: AuthScheme | null = null;
  const words = /^(\S+)(?:\s+(.*))?$/s.exec(rest);
  const first = words?.[1] ?? '';
  const after = words?.[2];
  const known = SCHEMES.get(first.toLowerCase());
  if (known) {
    scheme = known;
    rest = (after ?? '').trim();
    if (rest === '') throw new TokenInputError('EMPTY', `the ${scheme} ${header ? 'header' : 'value'} carries no token`);
  } else if (header !== null || (after !== undefined && first.length <= MAX_SCHEME_LENGTH && TOKEN.test(first))) {
    // A header value always starts with its scheme, and so does "<short word> <more>" (Basic …, Bearer …).
    const shown = first.length > MAX_SCHEME_LENGTH ? `${first.slice(0, MAX_SCHEME_LENGTH)}…` : first;
    throw new TokenInputError('UNKNOWN_SCHEME', `unsupported authentication scheme "${shown}" (expected NTLM or Negotiate)`);
  }

  const base64 = rest.replace(/\s+/g, '');
  const padded = base64.endsWith('=');
  if (!BASE64.test(base64) || base64.length % 4 === 1 || (padded && base64.length % 4 !== 0)) {
    throw new TokenInputError('BAD_BASE64', 'the token is not valid base64');
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new TokenInputError('EMPTY', 'the token is empty');
  const direction = header === null ? null : header.endsWith('Authorization') ? 'client-to-server' : 'server-to-client';
  return { header, scheme, direction, base64, bytes };
}

