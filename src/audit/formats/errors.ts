/**
 * The one error type of audit import. Every failure caused by input bytes is an
 * AuditImportError with a stable code and, where known, the format, the 1-based line
 * and the UTF-8 byte offset (in the decoded text, BOM excluded) of the bad record.
 */

export type AuditImportErrorCode =
  /** Neither XML, JSON Lines, our CSV nor Event Viewer CSV (or the wrong one was forced). */
  | 'UNKNOWN_FORMAT'
  /** Not well-formed XML (tags, attributes, stray text). */
  | 'XML_MALFORMED'
  /** A DOCTYPE or entity declaration: refused, never expanded. Always fatal. */
  | 'XML_DOCTYPE'
  /** An entity reference other than the five predefined ones and character references. */
  | 'XML_ENTITY'
  /** Well-formed, but a part we cannot carry (UserData, BinaryEventData, nested EventData). */
  | 'XML_UNSUPPORTED'
  /** The input ends inside a record. */
  | 'TRUNCATED'
  /** A record larger than `maxRecordBytes`. */
  | 'RECORD_TOO_LARGE'
  /** A record whose fields are missing or invalid (event id, time, level, JSON shape…). */
  | 'INVALID_EVENT'
  /** CSV syntax: quotes, column counts, record size. */
  | 'CSV_MALFORMED'
  /** A line that is not JSON. */
  | 'JSON_MALFORMED';

export type AuditFormatName = 'xml' | 'jsonl' | 'csv' | 'event-viewer-csv';

export interface AuditImportErrorWhere {
  readonly format?: AuditFormatName;
  /** 1-based line where the record starts. */
  readonly line?: number;
  /** UTF-8 byte offset of the record in the decoded text. */
  readonly offset?: number;
  readonly cause?: unknown;
}

export class AuditImportError extends Error {
  override readonly name = 'AuditImportError';
  readonly format: AuditFormatName | undefined;
  readonly line: number | undefined;
  readonly offset: number | undefined;

  constructor(
    readonly code: AuditImportErrorCode,
    message: string,
    where: AuditImportErrorWhere = {},
  ) {
    const at = where.line !== undefined ? ` (line ${where.line}${where.offset !== undefined ? `, offset ${where.offset}` : ''})` : '';
    super(`${message}${at}`, where.cause === undefined ? undefined : { cause: where.cause });
    this.format = where.format;
    this.line = where.line;
    this.offset = where.offset;
  }
}

/** Wraps anything thrown while reading one record, keeping typed errors as they are. */
export function asImportError(err: unknown, fallback: AuditImportErrorCode, where: AuditImportErrorWhere): AuditImportError {
  if (err instanceof AuditImportError) {
    if (err.line !== undefined || where.line === undefined) return err;
    return new AuditImportError(err.code, stripWhere(err.message), { ...where, format: err.format ?? where.format, cause: err.cause });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AuditImportError(fallback, message, { ...where, cause: err });
}

function stripWhere(message: string): string {
  return message.replace(/ \(line \d+(?:, offset \d+)?\)$/, '');
}
