/**
 * `ntlmgate audit prune` and `ntlmgate audit archive`: retention on demand, with the limits
 * `serve` applies by itself (audit/retention.ts, docs/configuration.md).
 *   prune    removes events past the age and size limits (the serve defaults unless given),
 *            archiving them first with --archive DIR
 *   archive  moves events older than a date or an age into a gzip'd JSON Lines file that
 *            `ntlmgate audit import` reads back
 */
import type { Command } from 'commander';
import { openRetentionTarget } from '../../audit/openRetentionTarget.js';
import { DEFAULT_RETENTION, prune, type PruneResult, type RetentionTarget } from '../../audit/retention.js';
import { parseDuration } from '../../config/duration.js';
import { formatSize, parseSize } from '../../config/size.js';
import { AUDIT_ARCHIVE_DIR, DEFAULT_STATE_DIR } from '../../config/stateDir.js';
import { CliError } from '../errors.js';

export const DEFAULT_ARCHIVE_DIR = `${DEFAULT_STATE_DIR}/${AUDIT_ARCHIVE_DIR}`;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function withTarget<T>(url: string, fn: (t: RetentionTarget) => Promise<T>): Promise<T> {
  let target: RetentionTarget | undefined;
  try {
    target = await openRetentionTarget(url);
  } catch (e) {
    throw new CliError(`cannot open the audit store ${url}: ${message(e)}`);
  }
  if (!target) throw new CliError(`${url}: only sqlite: and postgres:// stores are pruned by ntlmgate (rotate a jsonl: file with logrotate, see docs/configuration.md)`, 2);
  try {
    return await fn(target);
  } catch (e) {
    throw e instanceof CliError ? e : new CliError(`${target.what}: ${message(e)}`);
  } finally {
    await target.close();
  }
}

/** `--max-size 1GB`, or `off`. */
function sizeOption(text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  if (text.trim().toLowerCase() === 'off') return undefined;
  const n = parseSize(text);
  if (n === undefined || n === 0) throw new CliError(`--max-size ${JSON.stringify(text)} is not a size (500MB, 1GB, 2GiB, or off)`, 2);
  return n;
}

/** `--max-age 90d`, `--older-than 30d`, or `off` where allowed. */
function ageOption(name: string, text: string | undefined, fallback: number | undefined, offAllowed: boolean): number | undefined {
  if (text === undefined) return fallback;
  if (offAllowed && text.trim().toLowerCase() === 'off') return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms === 0) throw new CliError(`${name} ${JSON.stringify(text)} is not a duration (30m, 24h, 90d, 2w${offAllowed ? ', or off' : ''})`, 2);
  return ms;
}

function dateOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = new Date(text).getTime();
  if (Number.isNaN(t)) throw new CliError(`--before ${JSON.stringify(text)} is not a date (2026-01-31 or 2026-01-31T12:00:00Z)`, 2);
  return t;
}

export function formatPrune(what: string, r: PruneResult): string {
  const removed = r.removedByAge + r.removedBySize;
  const lines = [
    `${what}: removed ${removed.toLocaleString('en-US')} event${removed === 1 ? '' : 's'} (${r.removedByAge.toLocaleString('en-US')} by age, ${r.removedBySize.toLocaleString('en-US')} by size)`,
  ];
  if (r.archiveFile) lines.push(`archived to ${r.archiveFile}`);
  lines.push(
    `now ${r.after.events.toLocaleString('en-US')} event${r.after.events === 1 ? '' : 's'} in ${formatSize(r.after.bytes)} (on disk ${formatSize(r.after.fileBytes)})${r.after.oldest ? `, oldest ${r.after.oldest}` : ''}`,
  );
  return lines.join('\n');
}

export function registerAuditRetention(audit: Command, storeOption: readonly [string, string, string]): void {
  const gib = formatSize(DEFAULT_RETENTION.maxBytes ?? 0);
  const days = (DEFAULT_RETENTION.maxAgeMs ?? 0) / 86_400_000;
  audit
    .command('prune')
    .description(`Remove the events past the retention limits now (default: older than ${days} days, and the oldest beyond ${gib}), as serve does by itself.`)
    .option(...storeOption)
    .option('--max-size <size>', `size cap (500MB, 1GB, 2GiB, or off)`, undefined)
    .option('--max-age <duration>', `age limit (30d, 12w, or off)`, undefined)
    .option('--before <date>', 'also remove every event before this date')
    .option('--archive <dir>', 'archive what is removed into a .jsonl.gz file in this folder first')
    .option('--vacuum', 'give the freed space back to the file system (SQLite: VACUUM, needs free space the size of the store; PostgreSQL: VACUUM FULL, locks the table)')
    .action(async (opts: { store: string; maxSize?: string; maxAge?: string; before?: string; archive?: string; vacuum?: boolean }) => {
      const maxBytes = sizeOption(opts.maxSize, DEFAULT_RETENTION.maxBytes);
      const maxAgeMs = ageOption('--max-age', opts.maxAge, DEFAULT_RETENTION.maxAgeMs, true);
      const beforeMs = dateOption(opts.before);
      await withTarget(opts.store, async (t) => {
        const r = await prune(t, { maxBytes, maxAgeMs, beforeMs, archiveDir: opts.archive, vacuum: opts.vacuum === true });
        process.stdout.write(`${formatPrune(t.what, { ...r, after: await t.usage(true) })}\n`);
      });
    });

  audit
    .command('archive')
    .description('Move the events older than an age or a date into a gzip\'d JSON Lines file (read back by `ntlmgate audit import`).')
    .option(...storeOption)
    .option('--older-than <duration>', 'archive events older than this (30d, 12w)')
    .option('--before <date>', 'archive events before this date')
    .option('--dir <dir>', 'folder of the archive files', DEFAULT_ARCHIVE_DIR)
    .action(async (opts: { store: string; olderThan?: string; before?: string; dir: string }) => {
      const age = ageOption('--older-than', opts.olderThan, undefined, false);
      const before = dateOption(opts.before);
      if (age === undefined && before === undefined) throw new CliError('name what to archive: --older-than 30d or --before 2026-01-01', 2);
      const cutoff = Math.max(age === undefined ? -Infinity : Date.now() - age, before ?? -Infinity);
      await withTarget(opts.store, async (t) => {
        const r = await prune(t, { beforeMs: cutoff, archiveDir: opts.dir });
        const n = r.removedByAge;
        const where = r.archiveFile ? ` into ${r.archiveFile}` : '';
        process.stdout.write(`${t.what}: archived ${n.toLocaleString('en-US')} event${n === 1 ? '' : 's'} before ${new Date(cutoff).toISOString()}${where}\n`);
      });
    });
}
