/**
 * Typed errors of the authority layer. Callers (the CLI, the HTTP layer) react to `code`,
 * never to message text.
 */

export type AccountStoreErrorCode =
  /** openAccountStore() got a URL it cannot use */
  | 'bad-url'
  /** opening or preparing the store failed */
  | 'open-failed'
  /** the database server cannot be reached */
  | 'unreachable'
  /** the store was written by a newer (or unknown) schema version */
  | 'schema-version'
  /** a name, hash or SID that the account model does not allow */
  | 'invalid'
  /** an account or group of that name already exists in the domain */
  | 'exists'
  /** no account or group of that name */
  | 'not-found'
  /** a statement failed (nothing of it was committed) */
  | 'write-failed'
  /** reading failed */
  | 'read-failed'
  /** the store has been closed */
  | 'closed';

export class AccountStoreError extends Error {
  override readonly name = 'AccountStoreError';
  constructor(
    readonly code: AccountStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type AuthorityErrorCode =
  /** LocalAuthority options that do not make sense (names, lockout numbers) */
  | 'bad-option'
  /** the audit events a decision depends on could not be made durable: the logon is not answered */
  | 'audit-failed'
  /** the account store failed during a logon */
  | 'store-failed';

export class AuthorityError extends Error {
  override readonly name = 'AuthorityError';
  constructor(
    readonly code: AuthorityErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message of anything thrown, for wrapping. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
