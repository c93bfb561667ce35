/**
 * The account database the LocalAuthority validates against, as one interface with two
 * implementations: SQLite (embedded, one gateway) and PostgreSQL (several gateways sharing
 * accounts), with the same tables (stores/schema.ts).
 *
 * The model is the part of a SAM / AD account that network logons need:
 * - domain and name, compared without regard to case. The domain is a NetBIOS name: the
 *   configured domain for domain accounts, a server's own name for that server's local
 *   accounts (so WEB1\admin is a local account of WEB1, CORP\alice a domain account);
 * - the NT hash, never the password;
 * - enabled, the groups (DOMAIN\group), a SID from the domain's RID sequence, when the
 *   password was set, and the lockout state.
 * Users and groups share one namespace per domain, as sAMAccountName does.
 */
import type { LockoutState } from './lockout.js';
import type { AccountKey } from '../names.js';

export type { AccountKey } from '../names.js';

export interface AccountSummary extends AccountKey {
  /** S-1-5-21-x-y-z-RID */
  readonly sid: string;
  readonly rid: number;
  readonly enabled: boolean;
  /** Groups as DOMAIN\name, sorted. */
  readonly groups: readonly string[];
  /** ms since the epoch */
  readonly passwordSetAt: number;
  readonly createdAt: number;
  /** As stored: apply currentLockout() for the state at a given time. */
  readonly lockout: LockoutState;
}

/** An account with its NT hash: only the authority reads these. Listings never carry the hash. */
export interface Account extends AccountSummary {
  readonly ntHash: Buffer;
}

export interface NewAccount extends AccountKey {
  readonly ntHash: Uint8Array;
  /** Default true. */
  readonly enabled?: boolean;
  /** Groups to join (a group without a domain is not possible here: the caller qualifies it). */
  readonly groups?: readonly AccountKey[];
}

export interface AddAccountsOptions {
  /** An account that exists already: `error` (default, nothing is written) or `update` (new hash, groups joined). */
  readonly existing?: 'error' | 'update';
  /** Create the groups named in `groups` that do not exist yet (default: a missing group is `not-found`). */
  readonly createGroups?: boolean;
  /** The time stamped as passwordSetAt / createdAt (default now). */
  readonly now?: number;
}

export interface AddAccountsResult {
  readonly created: readonly AccountKey[];
  readonly updated: readonly AccountKey[];
  readonly groupsCreated: readonly AccountKey[];
}

export interface Group extends AccountKey {
  readonly sid: string;
  readonly rid: number;
  readonly createdAt: number;
  readonly memberCount: number;
}

export interface AccountFilter {
  /** Only this domain (NetBIOS name, any case). */
  readonly domain?: string;
}

/**
 * Every method is atomic: it commits all of its writes or none. Missing accounts or groups
 * are AccountStoreError `not-found`, duplicates `exists`, bad names or hashes `invalid`.
 */
export interface AccountStore {
  /** Where the store lives, without credentials (for messages). */
  readonly location: string;

  /** The account, with its hash and groups, in one statement (the same work whether or not it exists). */
  getAccount(key: AccountKey): Promise<Account | undefined>;
  /** Every account (or one domain's), by domain then name; never the hashes. */
  listAccounts(filter?: AccountFilter): Promise<AccountSummary[]>;
  /** Creates (or with existing: 'update' updates) accounts in one transaction. */
  addAccounts(accounts: readonly NewAccount[], options?: AddAccountsOptions): Promise<AddAccountsResult>;
  removeAccount(key: AccountKey): Promise<void>;
  setPassword(key: AccountKey, ntHash: Uint8Array, at?: number): Promise<void>;
  setEnabled(key: AccountKey, enabled: boolean): Promise<void>;
  /**
   * Read-modify-write of the lockout state under a row lock, so gateways sharing the store
   * count every bad password exactly once. Returns the state written (or kept).
   */
  updateLockout(key: AccountKey, next: (current: LockoutState) => LockoutState): Promise<LockoutState>;
  /**
   * A failed logon that counts on no account's row — an account that does not exist, or a
   * locked or disabled one: the same statements as updateLockout on one shared row, so it
   * costs what a wrong password costs, and no per-name counter exists for missing users.
   */
  recordUnknownFailure(at: number): Promise<void>;

  addGroup(key: AccountKey, at?: number): Promise<Group>;
  removeGroup(key: AccountKey): Promise<void>;
  listGroups(filter?: AccountFilter): Promise<Group[]>;
  /** Members as accounts (any domain), by domain then name. */
  groupMembers(group: AccountKey): Promise<AccountKey[]>;
  /** Adds members; returns those that were not members before. */
  addMembers(group: AccountKey, members: readonly AccountKey[]): Promise<AccountKey[]>;
  /** Removes members; returns those that were members. */
  removeMembers(group: AccountKey, members: readonly AccountKey[]): Promise<AccountKey[]>;

  /** The domain's SID prefix, once it has an account or group. */
  domainSid(domain: string): Promise<string | undefined>;
  close(): Promise<void>;
}
