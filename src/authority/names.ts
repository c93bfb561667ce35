/**
 * The names the account model stores: NetBIOS domain names (a domain, or a server's own name
 * for its local accounts), account names and group names. Windows compares all of them
 * without regard to case, so every table is keyed by an upper-cased form and keeps the
 * spelling it was created with for display.
 */
import { accountName } from '../policy/names.js';
import { AccountStoreError } from './errors.js';

/** The case-insensitive key of a name (what NTOWFv2 and the SAM compare: Unicode upper case). */
export function nameKey(name: string): string {
  return name.toUpperCase();
}

export function sameKey(a: string, b: string): boolean {
  return nameKey(a) === nameKey(b);
}

/** Characters Windows forbids in NetBIOS names (and whitespace, which no DNS-derived name has). */
const NETBIOS_FORBIDDEN = /[\\/:*?"<>|,;=+[\]\s\p{Cc}]/u;
/** Characters Windows forbids in user and group names (sAMAccountName); `@` would make UPN parsing ambiguous. */
const ACCOUNT_FORBIDDEN = /["/\\[\]:;|=,+*?<>@\p{Cc}]/u;

export const MAX_NETBIOS_LENGTH = 15;
/** Longer than AD's 20-character pre-Windows 2000 name, so stores without that limit can be imported. */
export const MAX_ACCOUNT_LENGTH = 64;

/** Why a NetBIOS domain or computer name is not acceptable, or undefined. */
export function netbiosProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_NETBIOS_LENGTH) return `is longer than ${MAX_NETBIOS_LENGTH} characters (a NetBIOS name)`;
  if (NETBIOS_FORBIDDEN.test(name)) return 'contains a character NetBIOS names do not allow (\\ / : * ? " < > | , ; = + [ ] or whitespace)';
  if (name.startsWith('.')) return 'starts with a dot';
  return undefined;
}

/** Why a user or group name is not acceptable, or undefined. */
export function accountNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_ACCOUNT_LENGTH) return `is longer than ${MAX_ACCOUNT_LENGTH} characters`;
  if (ACCOUNT_FORBIDDEN.test(name)) return 'contains a character Windows account names do not allow (" / \\ [ ] : ; | = , + * ? < > @)';
  if (/^[. ]+$/.test(name)) return 'consists only of dots and spaces';
  if (name !== name.trim()) return 'starts or ends with a space';
  return undefined;
}

export function checkNetbios(name: string, what = 'domain'): string {
  const p = netbiosProblem(name);
  if (p) throw new AccountStoreError('invalid', `${what} ${JSON.stringify(name)} ${p}`);
  return name;
}

export function checkAccountName(name: string, what = 'account name'): string {
  const p = accountNameProblem(name);
  if (p) throw new AccountStoreError('invalid', `${what} ${JSON.stringify(name)} ${p}`);
  return name;
}

/** A user or group named by domain and name. */
export interface AccountKey {
  readonly domain: string;
  readonly name: string;
}

/** `DOMAIN\name`, as Windows writes an account. */
export function qualified(k: AccountKey): string {
  return accountName(k.name, k.domain);
}

/**
 * `DOMAIN\name` → key; a bare `name` takes `defaultDomain` when one is given. Both parts are
 * validated. Used for CLI arguments and the groups column of imports.
 */
export function parseQualified(text: string, defaultDomain?: string, what = 'account'): AccountKey {
  const slash = text.indexOf('\\');
  const domain = slash >= 0 ? text.slice(0, slash) : defaultDomain;
  const name = slash >= 0 ? text.slice(slash + 1) : text;
  if (domain === undefined) {
    throw new AccountStoreError('invalid', `${what} ${JSON.stringify(text)} names no domain: write DOMAIN\\name (SERVER\\name for a local account)`);
  }
  const dp = netbiosProblem(domain);
  if (dp) throw new AccountStoreError('invalid', `${what} ${JSON.stringify(text)}: domain ${JSON.stringify(domain)} ${dp}`);
  const np = accountNameProblem(name);
  if (np) throw new AccountStoreError('invalid', `${what} ${JSON.stringify(text)}: name ${JSON.stringify(name)} ${np}`);
  return { domain, name };
}
