/**
 * AccountImportError: an account import that writes nothing, and why. Problems name their
 * line (never the hash on it), so the caller can print them as `file:line: text`.
 */

/** One line of an import that is wrong, or (in ParsedImport.skipped) left out on purpose. */
export interface ImportLine {
  readonly line: number;
  /** What is wrong with it; names the account, never its hash. */
  readonly text: string;
  /** The line names no domain and no default domain was given (a password-dump line without `DOMAIN\`). */
  readonly needsDomain?: boolean;
}

export type AccountImportErrorCode =
  /** the text is not CSV at all (an unterminated quote) */
  | 'unreadable'
  /** rows that cannot be imported: `problems` names each with its line */
  | 'invalid-rows'
  /** nothing left to import (only comments, a header or trust accounts) */
  | 'empty'
  /** the default domain is not a NetBIOS domain name */
  | 'bad-domain'
  /** a default domain was given for CSV, whose rows name their own */
  | 'domain-not-applicable'
  /** accounts that exist already, and the import does not update: `problems` names them */
  | 'exists';

export class AccountImportError extends Error {
  override readonly name = 'AccountImportError';
  constructor(
    readonly code: AccountImportErrorCode,
    /** Where the text came from (a file name, `stdin`). */
    readonly source: string,
    message: string,
    readonly problems: readonly ImportLine[] = [],
  ) {
    super(message);
  }
}
