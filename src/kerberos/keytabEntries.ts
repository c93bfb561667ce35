/**
 * Keytab entries made from a password, what `ktpass` (Windows) and `ktutil addent -password`
 * (MIT) do: string-to-key of the account's password with the account's salt, one entry per
 * enctype. No I/O: the caller reads and writes the file (src/kerberos/keytab.ts encodes it).
 *
 * The salt is the one the KDC used when the password was set. An Active Directory KDC salts
 * with the account that holds the SPN (MS-KILE 3.1.1.2: REALMuser, or REALMhost<name>.<domain>
 * for a computer), not with the service principal, so a keytab for `HTTP/web1@REALM` held by
 * the account `svc-web` needs `account: 'svc-web'`. Without an account the RFC 4120 §4
 * default salt of the principal itself is used (what MIT and Heimdal KDCs do).
 */
import { CodedError } from '../der/errors.js';
import { encryptionType, EncType } from './crypto/enctypes.js';
import { accountSalt, principalSalt } from './crypto/salt.js';
import { KerberosDecodeError } from './errors.js';
import type { KeytabEntry } from './keytab.js';
import { formatPrincipal, parsePrincipal, samePrincipal } from './messages/principalName.js';
import type { Principal } from './messages/principalName.js';

export type KeytabEntriesErrorCode = 'BAD_PRINCIPAL' | 'BAD_ENCTYPE' | 'BAD_KVNO' | 'BAD_ACCOUNT' | 'EMPTY_PASSWORD';

/** Bad input to the functions here (a usage error for a CLI). */
export class KeytabEntriesError extends CodedError<KeytabEntriesErrorCode> {
  override readonly name = 'KeytabEntriesError';
}

/** What AD issues by default (msDS-SupportedEncryptionTypes unset on a service account: AES since Windows Server 2008). */
export const DEFAULT_KEYTAB_ENCTYPES: readonly number[] = [EncType.AES256_CTS_HMAC_SHA1_96, EncType.AES128_CTS_HMAC_SHA1_96];

/** Names accepted for enctypes: the RFC names, MIT's aliases, and short ones. */
const ENCTYPE_NAMES: Readonly<Record<string, number>> = {
  aes256: EncType.AES256_CTS_HMAC_SHA1_96,
  'aes256-cts': EncType.AES256_CTS_HMAC_SHA1_96,
  'aes256-cts-hmac-sha1-96': EncType.AES256_CTS_HMAC_SHA1_96,
  aes128: EncType.AES128_CTS_HMAC_SHA1_96,
  'aes128-cts': EncType.AES128_CTS_HMAC_SHA1_96,
  'aes128-cts-hmac-sha1-96': EncType.AES128_CTS_HMAC_SHA1_96,
  'aes128-sha2': EncType.AES128_CTS_HMAC_SHA256_128,
  'aes128-cts-hmac-sha256-128': EncType.AES128_CTS_HMAC_SHA256_128,
  'aes256-sha2': EncType.AES256_CTS_HMAC_SHA384_192,
  'aes256-cts-hmac-sha384-192': EncType.AES256_CTS_HMAC_SHA384_192,
  rc4: EncType.RC4_HMAC,
  'rc4-hmac': EncType.RC4_HMAC,
  'arcfour-hmac': EncType.RC4_HMAC,
};

const KNOWN_ENCTYPES = new Set<number>(Object.values(EncType));

/** The name `keytab list` shows: the RFC name (MIT klist says arcfour-hmac for 23). */
export function enctypeName(etype: number): string {
  try {
    return encryptionType(etype).name;
  } catch {
    return `enctype ${etype}`;
  }
}

/** `aes256,aes128,rc4` (names or numbers, comma-separated) → enctype numbers, without repeats. */
export function parseEnctypes(text: string): number[] {
  const out: number[] = [];
  for (const raw of text.split(',')) {
    const word = raw.trim().toLowerCase();
    const etype = /^\d+$/.test(word) ? Number(word) : ENCTYPE_NAMES[word];
    if (etype === undefined || !KNOWN_ENCTYPES.has(etype)) {
      throw new KeytabEntriesError('BAD_ENCTYPE', `unknown enctype ${JSON.stringify(raw.trim())} (known: aes256, aes128, rc4, aes128-sha2, aes256-sha2, or their RFC names)`);
    }
    if (!out.includes(etype)) out.push(etype);
  }
  return out;
}

/** A principal in `comp/comp@REALM` form; the realm is required (a keytab entry names one). */
export function parseKeytabPrincipal(text: string): Principal {
  try {
    return parsePrincipal(text);
  } catch (e) {
    if (e instanceof KerberosDecodeError) throw new KeytabEntriesError('BAD_PRINCIPAL', `${e.message} (expected e.g. HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST)`);
    throw e;
  }
}

/** A kvno as keytabs store it (u32; 0 means "unspecified" to MIT readers, so it is refused). */
export function parseKvno(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) throw new KeytabEntriesError('BAD_KVNO', `kvno ${JSON.stringify(text)} is not a whole number from 1 to 4294967295`);
  return n;
}

export interface SaltChoice {
  readonly salt: string;
  /** How it was chosen, for the command's output (the salt is not secret). */
  readonly source: 'explicit' | 'account' | 'principal';
}

/**
 * The salt for `principal`'s keys: `salt` when given, else the AD salt of `account` (a name
 * ending in `$` is a computer; its DNS domain is the realm, as AD makes it), else the RFC 4120
 * default salt of the principal.
 */
export function chooseSalt(principal: Principal, opts: { readonly account?: string; readonly salt?: string } = {}): SaltChoice {
  if (opts.salt !== undefined) return { salt: opts.salt, source: 'explicit' };
  if (opts.account !== undefined) {
    const account = opts.account;
    // A sAMAccountName has no realm, domain or SPN syntax; `CORP\alice` or `alice@CORP` would make a wrong salt silently.
    if (account === '' || account === '$' || /[\\/@]/.test(account)) {
      throw new KeytabEntriesError('BAD_ACCOUNT', `--account takes the sAMAccountName of the account holding the SPN (alice, svc-web, WEB1$), not ${JSON.stringify(account)}`);
    }
    return { salt: accountSalt(principal.realm, account), source: 'account' };
  }
  return { salt: principalSalt(principal.realm, principal.name.nameString), source: 'principal' };
}

export interface PasswordKeysInput {
  readonly principal: Principal;
  readonly password: string;
  readonly salt: string;
  readonly kvno: number;
  readonly enctypes: readonly number[];
  readonly timestamp: Date;
}

/** One entry per enctype: string-to-key of `password` with `salt` (RC4 ignores the salt, RFC 4757 §2). */
export function keytabEntriesFromPassword(input: PasswordKeysInput): KeytabEntry[] {
  if (input.password === '') throw new KeytabEntriesError('EMPTY_PASSWORD', 'the password is empty');
  return input.enctypes.map((etype) => ({
    principal: input.principal,
    timestamp: input.timestamp,
    kvno: input.kvno,
    key: { keytype: etype, keyvalue: encryptionType(etype).stringToKey(input.password, input.salt) },
  }));
}

const sameSlot = (a: KeytabEntry, b: KeytabEntry): boolean =>
  a.kvno === b.kvno && a.key.keytype === b.key.keytype && samePrincipal(a.principal, b.principal);

/** `existing` with `added` appended; entries of `existing` with the same principal, kvno and enctype as one added are dropped. */
export function mergeKeytabEntries(existing: readonly KeytabEntry[], added: readonly KeytabEntry[]): { entries: KeytabEntry[]; replaced: number } {
  const kept = existing.filter((e) => !added.some((a) => sameSlot(a, e)));
  return { entries: [...kept, ...added], replaced: existing.length - kept.length };
}

/** `existing` without `principal`'s entries (only those of `kvno` when given). */
export function removeKeytabEntries(existing: readonly KeytabEntry[], principal: Principal, kvno?: number): { entries: KeytabEntry[]; removed: KeytabEntry[] } {
  const hit = (e: KeytabEntry): boolean => samePrincipal(e.principal, principal) && (kvno === undefined || e.kvno === kvno);
  return { entries: existing.filter((e) => !hit(e)), removed: existing.filter(hit) };
}

/** `principal kvno enctype`, e.g. for the command's report of what it wrote (no key bytes). */
export function entryLabel(e: KeytabEntry): string {
  return `${formatPrincipal(e.principal)} kvno ${e.kvno} ${enctypeName(e.key.keytype)}`;
}
