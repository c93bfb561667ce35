/**
 * Where ntlmgate keeps its state when nothing says otherwise: one folder, relative to the
 * working directory, holding the embedded stores' files and the audit archive. serve's
 * `stateDir`, the CLI's store options and openAuditStore / openAccountStore all default to it.
 */
export const DEFAULT_STATE_DIR = './.ntlmgate';

/** The SQLite file of the audit store in a state folder. */
export const AUDIT_DB_FILE = 'audit.db';

/** The SQLite file of the account store in a state folder. */
export const ACCOUNTS_DB_FILE = 'accounts.db';

/** The folder, in a state folder, that retention archives removed audit events to. */
export const AUDIT_ARCHIVE_DIR = 'audit-archive';

/** The `sqlite:` URL of a store file in the default state folder. */
export function defaultSqliteUrl(file: string): string {
  return `sqlite:${DEFAULT_STATE_DIR}/${file}`;
}
