/**
 * Advisory lock keys (pg_advisory_xact_lock takes a bigint). The audit and account stores may
 * share one database and both keep their schema version in a table named `meta`, so they take
 * the same key while they create or upgrade their schema: two first opens never create `meta`
 * at the same moment.
 */
export const MIGRATION_LOCK = 7_342_181_530;

/** The audit store's attempts ledger: serialises the ledger updates of concurrent batches (and retention's). */
export const LEDGER_LOCK = 7_342_181_531;
