/**
 * The account the client logs on as: a password or an NT hash, the domain from `DOMAIN\user`,
 * `user@domain` (a UPN: sent as the user name with an empty domain, as Windows does) or the
 * `domain` option, and the workstation name. The secret stays inside a closure: the resolved
 * object prints and serializes without it.
 */
import { MAX_WORKSTATION_LENGTH } from '../../ntlm/limits.js';
import type { NtlmCredentials } from '../../ntlm/clientContext.js';
import { accountName } from '../../policy/names.js';
import { HttpAuthError } from './errors.js';

export type HttpCredentials =
  | {
      /** `user`, `DOMAIN\user` or `user@dns.domain`. */
      readonly username: string;
      readonly password: string;
      /** The NetBIOS (or DNS) domain, when `username` does not carry one. */
      readonly domain?: string;
      /** NetBIOS name sent as Workstation (at most 15 characters); default empty. */
      readonly workstation?: string;
    }
  | {
      readonly username: string;
      /** The NT hash (NTOWFv1, MD4 of the UTF-16LE password): 16 bytes or 32 hex digits. */
      readonly ntHash: Uint8Array | string;
      readonly domain?: string;
      readonly workstation?: string;
    };

/** Credentials checked and split into the fields NTLM sends. */
export interface ResolvedCredentials {
  readonly user: string;
  readonly domain: string;
  readonly workstation: string;
  /** `DOMAIN\user` (or the UPN) for messages and events. */
  readonly label: string;
  /** The NtlmClientContext credentials (with the secret). */
  ntlm(): NtlmCredentials;
}

function bad(message: string): HttpAuthError {
  return new HttpAuthError('BAD_OPTION', `credentials: ${message}`);
}

function parseNtHash(value: Uint8Array | string): Buffer {
  if (typeof value === 'string') {
    if (!/^[0-9a-fA-F]{32}$/.test(value)) throw bad('ntHash must be 32 hex digits');
    return Buffer.from(value, 'hex');
  }
  if (!(value instanceof Uint8Array) || value.length !== 16) throw bad('ntHash must be 16 bytes');
  return Buffer.from(value);
}

export function resolveCredentials(input: HttpCredentials): ResolvedCredentials {
  if (input === null || typeof input !== 'object') throw bad('expected { username, password } or { username, ntHash }');
  const { username } = input;
  if (typeof username !== 'string' || username.trim() === '') throw bad('username is required');
  const given = input.domain;
  if (given !== undefined && typeof given !== 'string') throw bad('domain must be a string');

  let user = username;
  let domain = given ?? '';
  const slash = username.indexOf('\\');
  if (slash >= 0) {
    if (given !== undefined) throw bad(`username "${username}" names a domain and the domain option is set too`);
    domain = username.slice(0, slash);
    user = username.slice(slash + 1);
    if (user === '' || user.includes('\\')) throw bad(`"${username}" is not DOMAIN\\user`);
  }
  // user@domain with no domain given: a UPN, sent whole with an empty domain (MS-NLMP §3.1.5.1.2 as Windows does it).

  const workstation = input.workstation ?? '';
  if (typeof workstation !== 'string' || workstation.length > MAX_WORKSTATION_LENGTH) {
    throw bad(`workstation must be at most ${MAX_WORKSTATION_LENGTH} characters`);
  }

  let secret: NtlmCredentials;
  if ('password' in input && typeof input.password === 'string') {
    secret = { user, domain, password: input.password };
  } else if ('ntHash' in input && input.ntHash !== undefined) {
    secret = { user, domain, ntHash: parseNtHash(input.ntHash) };
  } else {
    throw bad('a password or an ntHash is required');
  }
  const label = accountName(user, domain, '');
  const resolved: ResolvedCredentials = { user, domain, workstation, label, ntlm: () => secret };
  // Printing or serializing the object shows who, never the secret.
  Object.defineProperty(resolved, 'toJSON', { value: () => ({ user, domain, workstation }), enumerable: false });
  return Object.freeze(resolved);
}
