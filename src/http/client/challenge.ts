/**
 * `WWW-Authenticate` / `Proxy-Authenticate` (RFC 9110 §11.6.1, §11.7.1): a comma-separated list
 * of challenges, `scheme [ token68 / #auth-param ]`, possibly spread over several header lines.
 * Pure: no I/O. Parsing never throws — a server's garbage in another scheme's challenge is
 * skipped — but a `Negotiate` / `NTLM` token that is not base64 is a typed error: that is the
 * server talking our protocol wrongly, not noise.
 */
import { AUTH_SCHEMES, type AuthScheme } from '../../policy/requests.js';
import { HttpAuthError } from './errors.js';

export interface AuthChallenge {
  /** As sent (compare case-insensitively). */
  readonly scheme: string;
  /** The token68, when the challenge carries one. */
  readonly token68?: string;
  /** auth-params, names lower-cased (`realm`, …). */
  readonly params: Readonly<Record<string, string>>;
  /** Text after the scheme that is neither a token68 nor auth-params (skipped up to the next comma). */
  readonly junk: boolean;
}

/** A header value as undici and node:http hand it over: one line, several, or none. */
export type HeaderValue = string | readonly string[] | undefined;

// RFC 9110 §5.6.2 tchar; §11.2 token68.
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
/** A header longer than this is not parsed further (undici's own header cap is 16 KiB by default). */
const MAX_VALUE = 64 * 1024;
const MAX_CHALLENGES = 64;

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  skipWs(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  skipWsAndCommas(): void {
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === ',') this.pos++;
  }
  token(): string {
    const start = this.pos;
    while (!this.done && TCHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
  /** Up to the next comma outside a quoted string (error recovery). */
  skipItem(): void {
    let quoted = false;
    while (!this.done) {
      const char = this.peek();
      if (quoted && char === '\\') this.pos++;
      else if (char === '"') quoted = !quoted;
      else if (char === ',' && !quoted) return;
      this.pos++;
    }
  }
  quoted(): string | undefined {
    if (this.peek() !== '"') return undefined;
    this.pos++;
    let out = '';
    while (!this.done) {
      const char = this.peek();
      this.pos++;
      if (char === '"') return out;
      if (char === '\\') {
        out += this.peek();
        this.pos++;
      } else out += char;
    }
    return undefined; // unterminated
  }
}

/** Whether the text at the scanner starts an auth-param (`name = `), i.e. is not a new challenge. */
function atParam(scanner: Scanner): boolean {
  const save = scanner.pos;
  const name = scanner.token();
  scanner.skipWs();
  const is = name !== '' && scanner.peek() === '=';
  scanner.pos = save;
  return is;
}

function parseOne(value: string, out: AuthChallenge[]): void {
  const scanner = new Scanner(value.length > MAX_VALUE ? value.slice(0, MAX_VALUE) : value);
  while (out.length < MAX_CHALLENGES) {
    scanner.skipWsAndCommas();
    if (scanner.done) return;
    const scheme = scanner.token();
    if (scheme === '') {
      scanner.skipItem();
      continue;
    }
    const params: Record<string, string> = {};
    let token68: string | undefined;
    let junk = false;
    scanner.skipWs();
    // token68: a run of token68 characters that ends the item (a comma or the end follows).
    const save = scanner.pos;
    const token68Run = /^[A-Za-z0-9\-._~+/]+=*/.exec(scanner.text.slice(scanner.pos, scanner.pos + MAX_VALUE));
    if (token68Run) {
      scanner.pos += token68Run[0].length;
      scanner.skipWs();
      if (scanner.done || scanner.peek() === ',') token68 = token68Run[0];
      else scanner.pos = save;
    }
    if (token68 === undefined) {
      // #auth-param; after a comma, something that is not `name=` starts the next challenge.
      while (!scanner.done && atParam(scanner)) {
        const name = scanner.token().toLowerCase();
        scanner.skipWs();
        scanner.pos++; // '='
        scanner.skipWs();
        const paramValue = scanner.peek() === '"' ? scanner.quoted() : scanner.token();
        if (paramValue === undefined) {
          // An unterminated quoted string swallows the rest: nothing after it can be trusted.
          out.push({ scheme, params, junk: true });
          return;
        }
        if (!(name in params)) params[name] = paramValue;
        scanner.skipWs();
        if (scanner.peek() !== ',') break;
        const at = scanner.pos;
        scanner.skipWsAndCommas();
        if (scanner.done || !atParam(scanner)) {
          scanner.pos = at;
          break;
        }
      }
    }
    scanner.skipWs();
    if (!scanner.done && scanner.peek() !== ',') {
      junk = true;
      scanner.skipItem();
    }
    out.push(token68 === undefined ? { scheme, params, junk } : { scheme, token68, params, junk });
  }
}

/** Every challenge in the header lines, in order. Never throws. */
export function parseChallenges(value: HeaderValue): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  if (value === undefined) return out;
  const lines = typeof value === 'string' ? [value] : value;
  for (const line of lines) if (typeof line === 'string') parseOne(line, out);
  return out;
}

/** What a server offers of ours: the scheme and, on a later leg, its token. */
export interface SchemeOffer {
  readonly scheme: AuthScheme;
  readonly token?: Buffer;
}

// RFC 4648 §4 base64 as NTLM/Negotiate use it; padding may be missing (as some servers send it).
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a Negotiate/NTLM token68 strictly: anything but base64 is a BAD_CHALLENGE. */
export function decodeToken(scheme: AuthScheme, token68: string): Buffer {
  const padded = token68.endsWith('=');
  if (!BASE64.test(token68) || (padded && token68.length % 4 !== 0) || (!padded && token68.length % 4 === 1)) {
    throw new HttpAuthError('BAD_CHALLENGE', `the ${scheme} challenge token is not base64`);
  }
  return Buffer.from(token68, 'base64');
}

function schemeOf(name: string): AuthScheme | undefined {
  const l = name.toLowerCase();
  return AUTH_SCHEMES.find((s) => s.toLowerCase() === l);
}

/**
 * The offers of the allowed schemes, in the caller's preference order (one per scheme: the
 * first challenge of that scheme). A `Negotiate`/`NTLM` challenge whose token is not base64, or
 * with garbage after the scheme, throws BAD_CHALLENGE; one with auth-params instead of a token
 * counts as bare (it starts a handshake, it cannot continue one).
 */
export function offersIn(value: HeaderValue, allowed: readonly AuthScheme[]): SchemeOffer[] {
  const seen = new Map<AuthScheme, SchemeOffer>();
  for (const c of parseChallenges(value)) {
    const scheme = schemeOf(c.scheme);
    if (scheme === undefined || seen.has(scheme) || !allowed.includes(scheme)) continue;
    if (c.junk) throw new HttpAuthError('BAD_CHALLENGE', `the ${scheme} challenge is not a token68 (garbage after the scheme)`);
    seen.set(scheme, c.token68 === undefined ? { scheme } : { scheme, token: decodeToken(scheme, c.token68) });
  }
  return allowed.flatMap((s) => {
    const o = seen.get(s);
    return o ? [o] : [];
  });
}
