/**
 * The audit log's public surface: the write side every policy decision goes through
 * (`AuditSink`), the stores behind it and `openAuditStore(url)`, which picks one from a URL.
 * The PostgreSQL store is exported as a type only: its module loads `pg`, and a program that
 * logs to SQLite should not (open it with `openAuditStore('postgres://…')`).
 */
export { AuditStoreError, type AuditSink, type AuditStoreErrorCode, type BatchOptions } from './sink.js';
export { type AuditFilter, type AuditStore } from './query.js';
export { openAuditStore, DEFAULT_AUDIT_URL, type OpenAuditStoreOptions } from './openAuditStore.js';
export { SqliteAuditStore, type SqliteAuditStoreOptions } from './stores/sqlite.js';
export { JsonlAuditStore } from './stores/jsonl.js';
export { StdoutAuditStore } from './stores/stdout.js';
export type { PostgresAuditStore, PostgresAuditStoreOptions } from './stores/postgres.js';
