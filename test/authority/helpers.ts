/** Shared plumbing for the authority tests: stores, a LocalAuthority, a handshake, counters. */
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import type { AuditSink } from '../../src/audit/sink.js';
import { AccountStoreError } from '../../src/authority/errors.js';
import type { AccountStore, NewAccount } from '../../src/authority/local/accountStore.js';
import { LocalAuthority, type LocalAuthorityOptions } from '../../src/authority/local/localAuthority.js';
import { openAccountStore } from '../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../src/authority/local/ntHash.js';
import { openSqliteAccountStore } from '../../src/authority/local/stores/sqlite.js';
import type { SqlDriver, SqlSession } from '../../src/authority/local/stores/sql.js';
import type { AuditEvent } from '../../src/events/event.js';
import type { NtlmAuthority, NtlmValidationRequest } from '../../src/ntlm/authority.js';
import { NtlmClientContext, type LmCompatibilityLevel, type NtlmCredentials } from '../../src/ntlm/clientContext.js';
import { NtlmServerContext, type NtlmServerStep } from '../../src/ntlm/serverContext.js';
import { loadPolicy } from '../../src/policy/load.js';

/** True for the AccountStoreError (`invalid`) of a name, SID or NT hash the account model refuses. */
export const invalid = (e: unknown): boolean => e instanceof AccountStoreError && e.code === 'invalid';

export const ALICE_PASSWORD = 'Al1ce!Pass2026';
export const BOB_PASSWORD = 'B0b-local-2026';
export const MINUTE = 60_000;
export const LOCKOUT = { threshold: 3, windowMs: 10 * MINUTE, durationMs: 30 * MINUTE } as const;

/** A settable clock. */
export class Clock {
  constructor(public ms = Date.UTC(2026, 10, 21, 12, 0, 0)) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** An AuditSink that keeps events in memory; `delayMs` makes writes slow, `fail` makes them reject. */
export class MemorySink implements AuditSink {
  readonly events: AuditEvent[] = [];
  /** Set when a write() has resolved: everything written so far is "durable". */
  durableCount = 0;
  constructor(private readonly opts: { delayMs?: number; fail?: boolean } = {}) {}
  async write(events: readonly AuditEvent[]): Promise<void> {
    if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
    if (this.opts.fail) throw new Error('disk full');
    this.events.push(...events);
    this.durableCount = this.events.length;
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  ids(): number[] {
    return this.events.map((e) => e.eventId);
  }
}

/** The standard accounts: CORP\alice (domain, in CORP\Web Users) and WEB1\bob (local to WEB1). */
export const STANDARD_ACCOUNTS: readonly NewAccount[] = [
  { domain: 'CORP', name: 'alice', ntHash: ntHashOfPassword(ALICE_PASSWORD), groups: [{ domain: 'CORP', name: 'Web Users' }] },
  { domain: 'WEB1', name: 'bob', ntHash: ntHashOfPassword(BOB_PASSWORD) },
];

export async function memoryStore(accounts: readonly NewAccount[] = STANDARD_ACCOUNTS): Promise<AccountStore> {
  const store = await openSqliteAccountStore(':memory:');
  await store.addAccounts(accounts, { createGroups: true });
  return store;
}

export interface Setup {
  readonly store: AccountStore;
  readonly sink: MemorySink;
  readonly clock: Clock;
  readonly authority: LocalAuthority;
}

/** A LocalAuthority for CORP (DC1) over a fresh store, with a policy given as registry values. */
export async function setup(policy: Record<string, unknown> = {}, extra: Partial<LocalAuthorityOptions> & { store?: AccountStore } = {}): Promise<Setup> {
  const store = extra.store ?? (await memoryStore());
  const sink = new MemorySink();
  const clock = new Clock();
  const authority = new LocalAuthority({
    store,
    domain: { netbios: 'CORP', dns: 'corp.example.test' },
    policy: loadPolicy(policy),
    audit: sink,
    dcName: 'DC1',
    lockout: LOCKOUT,
    now: clock.now,
    ...extra,
  });
  return { store, sink, clock, authority };
}

export interface LogonOptions {
  /** The server passing the logon on (default WEB1 in CORP). */
  readonly server?: string;
  readonly serverDomain?: string;
  readonly clientLevel?: LmCompatibilityLevel;
  /** The member server's own LmCompatibilityLevel (default 5). */
  readonly serverLevel?: LmCompatibilityLevel;
  readonly workstation?: string;
}

/** NtlmClientContext ↔ NtlmServerContext(authority) in process: NEGOTIATE, CHALLENGE, AUTHENTICATE. */
export async function logon(authority: LocalAuthority, credentials: NtlmCredentials, o: LogonOptions = {}): Promise<NtlmServerStep> {
  const server = new NtlmServerContext({
    authority,
    netbiosComputerName: o.server ?? 'WEB1',
    netbiosDomainName: o.serverDomain ?? 'CORP',
    dnsComputerName: `${(o.server ?? 'WEB1').toLowerCase()}.corp.example.test`,
    dnsDomainName: 'corp.example.test',
    lmCompatibilityLevel: o.serverLevel,
  });
  const client = new NtlmClientContext({ credentials, workstation: o.workstation ?? 'WS01', lmCompatibilityLevel: o.clientLevel, targetSpn: 'HTTP/web1.corp.example.test' });
  const challenge = await server.step(client.negotiate());
  if (challenge.status !== 'continue') throw new Error(`NEGOTIATE refused: ${JSON.stringify(challenge)}`);
  return server.step(client.authenticate(challenge.token));
}

/** The failure's authority status, or 'complete'. */
export function outcome(step: NtlmServerStep): string {
  if (step.status === 'complete') return 'complete';
  if (step.status === 'failed') return step.failure.status ?? step.failure.reason;
  return 'continue';
}

/**
 * One NTLMv2 logon as CORP\`user` through a LocalAuthority (the DC for CORP) over the account
 * store at `store` (a store location, as `--store` takes it): 'ok', or the failure's reason and status.
 */
export async function logOnToStore(store: string, user: string, password: string): Promise<string> {
  const s = await openAccountStore(store);
  try {
    const authority = new LocalAuthority({ store: s, domain: { netbios: 'CORP' }, dcName: 'WEB1', policy: loadPolicy({}), lockout: { threshold: 0, windowMs: MINUTE, durationMs: MINUTE } });
    const done = await logon(authority, { user, domain: 'CORP', password });
    return done.status === 'complete' ? 'ok' : done.status === 'failed' ? `${done.failure.reason} ${done.failure.status ?? ''}` : done.status;
  } finally {
    await s.close();
  }
}

/**
 * Counts HMAC computations (node:crypto createHmac calls) while `fn` runs. The builtin's
 * ESM bindings are re-synchronised so `import { createHmac }` in src/crypto/hash.ts sees the spy.
 */
export async function countHmacs<T>(fn: () => Promise<T>): Promise<{ result: T; hmacs: number }> {
  const original = crypto.createHmac;
  let hmacs = 0;
  crypto.createHmac = ((...args: Parameters<typeof original>) => {
    hmacs++;
    return original(...args);
  }) as typeof original;
  syncBuiltinESMExports();
  try {
    return { result: await fn(), hmacs };
  } finally {
    crypto.createHmac = original;
    syncBuiltinESMExports();
  }
}

/** Runs a handshake and hands back what the server passed to its authority. */
export async function captured(credentials: NtlmCredentials, o: { clientLevel?: 0 | 1 | 2 | 3; serverLevel?: 0 | 1 | 2 | 3 | 4 | 5 } = {}): Promise<NtlmValidationRequest> {
  let seen: NtlmValidationRequest | undefined;
  const recorder: NtlmAuthority = {
    async validate(req) {
      seen = req;
      return { status: 'STATUS_LOGON_FAILURE' };
    },
  };
  const server = new NtlmServerContext({ authority: recorder, netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP', lmCompatibilityLevel: o.serverLevel });
  const client = new NtlmClientContext({ credentials, workstation: 'WS01', lmCompatibilityLevel: o.clientLevel });
  const c = await server.step(client.negotiate());
  if (c.status !== 'continue') throw new Error('no challenge');
  await server.step(client.authenticate(c.token));
  if (!seen) throw new Error('the server did not call its authority');
  return seen;
}

/** A driver that logs each statement's verb and each transaction, around a real SQLite one. */
export function countingDriver(inner: SqlDriver, log: string[]): SqlDriver {
  const verb = (sql: string): string => (/^\s*(\w+)/.exec(sql)?.[1] ?? '?').toUpperCase();
  const wrap = (s: SqlSession, prefix: string): SqlSession => ({
    all: (sql, params) => (log.push(`${prefix}${verb(sql)}`), s.all(sql, params)),
    run: (sql, params) => (log.push(`${prefix}${verb(sql)}`), s.run(sql, params)),
  });
  const outer = wrap(inner, '');
  return {
    dialect: inner.dialect,
    location: inner.location,
    forUpdate: inner.forUpdate,
    all: outer.all,
    run: outer.run,
    transaction: (fn) => (log.push('BEGIN'), inner.transaction((s) => fn(wrap(s, 'tx:')))),
    close: () => inner.close(),
  };
}
