/**
 * The first-run demo account: when the embedded account store is empty, `serve` creates one
 * account with a random password and prints, once, the `curl --ntlm` command that logs on
 * with it. Only the NT hash is stored; the password exists only in that one message.
 */
import type { AccountStore } from '../authority/local/accountStore.js';
import { ntHashOfPassword } from '../authority/local/ntHash.js';
import { randomBytes } from '../crypto/hash.js';
import type { ServeLogger } from './logger.js';

export interface DemoAccount {
  readonly domain: string;
  readonly user: string;
  readonly password: string;
}

export const DEMO_USER = 'demo';

// No characters a shell or curl's user:password split would interpret (no quotes, colon, backslash, $ or !).
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A password from the CSPRNG: 20 characters (≈ 116 bits), at least one of each class AD's complexity rule counts. */
export function randomPassword(length = 20, rand: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const bytes = rand(length * 2);
    let out = '';
    // Rejection sampling keeps every character equally likely.
    for (const b of bytes) {
      if (b >= 256 - (256 % ALPHABET.length)) continue;
      out += ALPHABET[b % ALPHABET.length];
      if (out.length === length) break;
    }
    if (out.length === length && /[A-Z]/.test(out) && /[a-z]/.test(out) && /[0-9]/.test(out)) return `${out.slice(0, 10)}-${out.slice(10)}`;
  }
}

/** Creates the demo account when the store holds no account at all; undefined otherwise. */
export async function ensureDemoAccount(store: AccountStore, domain: string, now: number = Date.now()): Promise<DemoAccount | undefined> {
  const existing = await store.listAccounts();
  if (existing.length > 0) return undefined;
  const password = randomPassword();
  await store.addAccounts([{ domain, name: DEMO_USER, ntHash: ntHashOfPassword(password) }], { now });
  return { domain, user: DEMO_USER, password };
}

/**
 * Undoes ensureDemoAccount when the start fails before its password was shown: otherwise the
 * store holds an account nobody can log on with, and the next start, finding the store no
 * longer empty, would create no demo account either.
 */
export async function removeDemoAccount(store: AccountStore, demo: DemoAccount): Promise<void> {
  await store.removeAccount({ domain: demo.domain, name: demo.user });
}

/** An empty account store starts (accounts can be added while serving) but nobody can log on: say so. */
export async function warnIfNoAccounts(store: AccountStore, logger: ServeLogger): Promise<void> {
  if ((await store.listAccounts()).length > 0) return;
  logger.warn({ accounts: store.location }, 'the account store holds no account: nobody can log on until one is added (ntlmgate users add DOMAIN\\user)');
}

/** The exact command that logs on with the demo account. */
export function demoCurlCommand(demo: DemoAccount, url: string): string {
  return `curl --ntlm -u '${demo.domain}\\${demo.user}:${demo.password}' ${url}`;
}
