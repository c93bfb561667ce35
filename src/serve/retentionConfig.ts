/**
 * `audit.retention` in ntlmgate.yaml (docs/configuration.md): on by default with
 * DEFAULT_RETENTION's limits; `off` turns it off, `maxSize: off` / `maxAge: off` one limit.
 */
import { DEFAULT_RETENTION, type RetentionPolicy } from '../audit/retention.js';
import { MAX_TIMER_MS } from '../config/duration.js';
import { formatSize, parseSize } from '../config/size.js';
import { AUDIT_ARCHIVE_DIR } from '../config/stateDir.js';

/** What this reader needs of serve/config.ts's Reader (problems are collected with key paths there). */
export interface ConfigReader {
  problem(path: string, text: string): undefined;
  mapping(path: string, v: unknown, known: readonly string[]): Record<string, unknown> | undefined;
  oneOf<T extends string>(path: string, v: unknown, allowed: readonly T[]): T | undefined;
  duration(path: string, v: unknown): number | undefined;
  integer(path: string, v: unknown, min: number, max: number): number | undefined;
  string(path: string, v: unknown): string | undefined;
  path(p: string): string;
}

const KEYS = ['maxSize', 'maxAge', 'mode', 'archiveDir', 'checkEvery', 'checkInterval'] as const;
/** An empty SQLite store (tables, indexes, the attempt ledger) takes ~13 pages: a cap below this is a missing unit. */
export const MIN_RETENTION_BYTES = 1024 * 1024;
const MIN_CHECK_INTERVAL_MS = 1000;

const isOff = (v: unknown): boolean => v === false || (typeof v === 'string' && v.trim().toLowerCase() === 'off');

/** The policy, or undefined when retention is off; `store` decides whether it can apply. */
export function readRetention(r: ConfigReader, v: unknown, o: { readonly store: string; readonly stateDir: string }): RetentionPolicy | undefined {
  const prunable = /^(sqlite:|postgres:|postgresql:)/.test(o.store) && o.store !== 'sqlite::memory:';
  if (isOff(v)) return undefined;
  const m = r.mapping('audit.retention', v, KEYS);
  if (m === undefined) return prunable ? { ...DEFAULT_RETENTION, archiveDir: r.path(`${o.stateDir}/${AUDIT_ARCHIVE_DIR}`) } : undefined;
  if (!prunable) {
    return r.problem('audit.retention', 'only sqlite: and postgres:// audit stores are pruned by ntlmgate; rotate a jsonl: file with logrotate (docs/configuration.md), or set retention: off');
  }

  let maxBytes = DEFAULT_RETENTION.maxBytes;
  if (m['maxSize'] !== undefined && m['maxSize'] !== null) {
    if (isOff(m['maxSize'])) maxBytes = undefined;
    else {
      const bytes = typeof m['maxSize'] === 'string' || typeof m['maxSize'] === 'number' ? parseSize(m['maxSize']) : undefined;
      if (bytes === undefined) r.problem('audit.retention.maxSize', `expected a size such as 500MB, 1GB, 2GiB (a bare number is bytes) or off, got ${JSON.stringify(m['maxSize'])}`);
      else if (bytes < MIN_RETENTION_BYTES) r.problem('audit.retention.maxSize', `${formatSize(bytes)} is below the smallest cap, ${formatSize(MIN_RETENTION_BYTES)} (did you forget the unit, e.g. 500MB?)`);
      else maxBytes = bytes;
    }
  }
  let maxAgeMs = DEFAULT_RETENTION.maxAgeMs;
  if (m['maxAge'] !== undefined && m['maxAge'] !== null) {
    if (isOff(m['maxAge'])) maxAgeMs = undefined;
    else {
      const ms = r.duration('audit.retention.maxAge', m['maxAge']);
      if (ms !== undefined && ms < 60_000) r.problem('audit.retention.maxAge', `expected at least 1m (events younger than a minute are still being written), got ${JSON.stringify(m['maxAge'])}`);
      else if (ms !== undefined) maxAgeMs = ms;
    }
  }
  const mode = r.oneOf('audit.retention.mode', m['mode'], ['overwrite', 'archive'] as const) ?? DEFAULT_RETENTION.mode;
  const dir = r.string('audit.retention.archiveDir', m['archiveDir']);
  if (dir !== undefined && mode !== 'archive') r.problem('audit.retention.archiveDir', 'only used with mode: archive');
  const checkEveryEvents = r.integer('audit.retention.checkEvery', m['checkEvery'], 1, 1_000_000_000) ?? DEFAULT_RETENTION.checkEveryEvents;
  let checkIntervalMs = r.duration('audit.retention.checkInterval', m['checkInterval']) ?? DEFAULT_RETENTION.checkIntervalMs;
  if (checkIntervalMs < MIN_CHECK_INTERVAL_MS || checkIntervalMs > MAX_TIMER_MS) {
    r.problem('audit.retention.checkInterval', `expected from 1s to 24d, got ${JSON.stringify(m['checkInterval'])}`);
    checkIntervalMs = DEFAULT_RETENTION.checkIntervalMs;
  }
  return {
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
    mode,
    archiveDir: r.path(dir ?? `${o.stateDir}/${AUDIT_ARCHIVE_DIR}`),
    checkEveryEvents,
    checkIntervalMs,
  };
}
