/**
 * `ntlmgate audit …`: the NTLM audit log and the assessment built on it.
 *   import      Windows NTLM/Operational exports (wevtutil XML, Event Viewer CSV) or our own exports into the store
 *   export      the store as JSON Lines, CSV or wevtutil-shaped XML
 *   report      who still uses NTLM, where and why
 *   what-if     what a proposed policy would block (exit 3 when something would)
 *   exceptions  the smallest exception lists that keep today's traffic working under a proposal
 *   prune, archive  retention on demand (auditRetention.ts)
 */
import { constants as fsConstants, createWriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { suggestExceptions, type ExceptionSuggestion } from '../../audit/assess/suggestExceptions.js';
import { REPORT_DIMENSIONS, usageReport, type ReportDimension, type UsageReport, type UsageRow } from '../../audit/assess/usage.js';
import { inferDomain, whatIf, type WhatIfReport } from '../../audit/assess/whatIf.js';
import { FAILURE_KINDS } from '../../audit/assess/attempts.js';
import { exportEvents, type ExportFormat } from '../../audit/formats/index.js';
import { DEFAULT_AUDIT_URL, openAuditStore, type OpenAuditStoreOptions } from '../../audit/openAuditStore.js';
import type { AuditStore } from '../../audit/query.js';
import { AuditStoreError } from '../../audit/sink.js';
import { PolicyConfigError } from '../../policy/errors.js';
import { parseDuration } from '../../config/duration.js';
import { loadPolicyFile } from '../../config/policyFile.js';
import type { NtlmPolicy } from '../../policy/policy.js';
import { CliError } from '../errors.js';
import { setExitCode } from '../exitCode.js';
import { registerAuditRetention } from './auditRetention.js';
import { IMPORT_STORE_OPTIONS, importFiles } from './auditImport.js';
import { table } from '../table.js';

/** Exit status of `what-if` when the proposal would block at least one logon. */
export const EXIT_WOULD_BLOCK = 3;

/** `7d`, `24h`, `30m`, `2w`, or an ISO date / date-time. */
export function parseSince(text: string, now: number = Date.now()): Date {
  const ms = /^\s*\d+\s*[mhdw]\s*$/i.test(text) ? parseDuration(text) : undefined;
  if (ms !== undefined) return new Date(now - ms);
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new CliError(`--since ${JSON.stringify(text)} is neither a duration (7d, 24h, 30m, 2w) nor a date`, 2);
  return d;
}

/** `read`: report, what-if, exceptions, export — a missing store is an error, and nothing is created. */
async function withStore<T>(url: string, fn: (store: AuditStore) => Promise<T>, mode: 'read' | 'write' = 'write', options: OpenAuditStoreOptions = {}): Promise<T> {
  let store: AuditStore;
  try {
    store = await openAuditStore(url, { ...options, mustExist: mode === 'read' });
  } catch (e) {
    if (e instanceof AuditStoreError && e.code === 'not-found') throw new CliError(`${e.message} (--store ${url}; write to it with \`ntlmgate serve\` or \`ntlmgate audit import\` first)`, 2);
    throw new CliError(`cannot open the audit store ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function loadProposal(file: string): Promise<NtlmPolicy> {
  try {
    return await loadPolicyFile(file);
  } catch (e) {
    if (e instanceof PolicyConfigError) throw new CliError(e.message);
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') throw new CliError(`policy file ${file} not found`);
    throw e;
  }
}

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

// ---------------------------------------------------------------- report

/** "1 attempt", "2 attempts", with thousands separators. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

const OUTCOME_HEADERS = ['attempts', 'succeeded', 'failed', 'wrong password', 'unknown user', 'locked out', 'refused by policy', 'other failure', 'blocked', 'not recorded'];
const outcomeCells = (r: UsageRow): number[] => [
  r.attempts, r.succeeded, r.failed, r.wrongPassword, r.unknownUser, r.lockedOut, r.refusedByPolicy, r.otherFailure, r.blocked, r.unknown,
];

function rowsTable(rows: readonly UsageRow[], first: string): string {
  return table(
    [first, ...OUTCOME_HEADERS, 'NTLMv1/LM', 'no MIC', 'no CB', 'first seen', 'last seen'],
    rows.map((r) => [r.key, ...outcomeCells(r), r.weak, r.noMic, r.noChannelBinding, r.firstSeen, r.lastSeen]),
  );
}

export function formatReportText(r: UsageReport, store?: string): string {
  const parts = [
    ...(store ? [`Audit store: ${store}`] : []),
    `NTLM usage by ${r.by}${r.since ? ` since ${r.since}` : ''}: ${plural(r.attempts, 'logon attempt')} in ${plural(r.events, 'event')}`,
    '',
    r.rows.length > 0 ? rowsTable(r.rows, r.by) : '(no NTLM logon attempts recorded)',
  ];
  parts.push('', `NTLMv1 / LM users (${r.weakUsers.length}):`, r.weakUsers.length > 0 ? rowsTable(r.weakUsers, 'user') : '  none');
  parts.push('', `Attempts without a MIC: ${r.noMic}    without channel binding: ${r.noChannelBinding}`);
  parts.push('', 'Why NTLM and not Kerberos:', r.fallbackReasons.length > 0 ? rowsTable(r.fallbackReasons, 'reason') : '  no reason recorded (only the enhanced 4020–4023 events carry one)');
  parts.push('', '"not recorded": the events of those attempts do not say how they ended (Windows audit events 8001–8004 alone; the DC\'s 4030–4033 carry the status).');
  return parts.join('\n');
}

export function formatReportCsv(r: UsageReport): string {
  const q = (v: string | number): string => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [[r.by, 'attempts', 'succeeded', 'failed', 'wrongPassword', 'unknownUser', 'lockedOut', 'refusedByPolicy', 'otherFailure', 'blocked', 'notRecorded', 'weak', 'noMic', 'noChannelBinding', 'firstSeen', 'lastSeen'].join(',')];
  for (const x of r.rows) lines.push([x.key, ...outcomeCells(x), x.weak, x.noMic, x.noChannelBinding, x.firstSeen, x.lastSeen].map(q).join(','));
  return lines.join('\n');
}

// ---------------------------------------------------------------- what-if

export function formatWhatIfText(r: WhatIfReport, policyFile: string, domain: string, store?: string): string {
  const parts = [
    ...(store ? [`Audit store: ${store}`] : []),
    `What-if ${policyFile} (this domain: ${domain}): ${plural(r.attempts, 'logon attempt')} replayed (${plural(r.events, 'event')})`,
    '',
  ];
  const groupsTable = (gs: WhatIfReport['blocked']): string =>
    table(['direction', 'user', 'server', 'workstation', 'service', 'attempts', 'today', 'last seen', 'setting'],
      gs.map((g) => [g.direction, g.user, g.server || '-', g.workstation || '-', g.service || '-', g.count, g.today === 'unknown' ? 'not recorded' : g.today, g.lastSeen, g.setting]));
  if (r.blocked.length === 0) parts.push('Nothing that got through would be blocked.');
  else {
    const total = r.blocked.reduce((n, g) => n + g.count, 0);
    parts.push(`Would BLOCK ${plural(total, 'logon attempt')} in ${plural(r.blocked.length, 'group')}:`);
    parts.push(groupsTable(r.blocked));
  }
  if (r.unblocked.length > 0) {
    const total = r.unblocked.reduce((n, g) => n + g.count, 0);
    parts.push('', `Would no longer block ${plural(total, 'logon attempt')} in ${plural(r.unblocked.length, 'group')} (blocked today):`);
    parts.push(groupsTable(r.unblocked));
  }
  if (r.failedAnyway.attempts > 0) {
    const kinds = FAILURE_KINDS.filter((k) => r.failedAnyway.byKind[k]).map((k) => `${k.replace(/-/g, ' ')} ${r.failedAnyway.byKind[k]}`);
    parts.push('', `No change for ${plural(r.failedAnyway.attempts, 'attempt')} the proposal would also refuse: they failed anyway (${kinds.join(', ')}).`);
  }
  if (r.notReplayed > 0) parts.push('', `Not replayed: ${plural(r.notReplayed, 'attempt')} whose events name no user.`);
  if (r.allowedByException.length > 0) {
    parts.push('', 'Let through only by an exception entry:');
    parts.push(table(['setting', 'entry', 'attempts', 'servers'], r.allowedByException.map((u) => [u.setting, u.entry, u.count, u.servers.join(' ')])));
  }
  parts.push('', 'Assumptions where events are silent:', ...r.assumptions.map((a) => `  - ${a}`));
  return parts.join('\n');
}

export function formatExceptionsText(s: ExceptionSuggestion): string {
  const list = (name: string, entries: ExceptionSuggestion['DCAllowedNTLMServers']): string[] =>
    entries.length === 0 ? [`${name}: (no additions needed)`] : [`${name}:`, ...entries.map((e) => `  - ${e.entry}${e.entry.includes('*') ? `    # covers ${e.covers.join(', ')}` : ''}`)];
  const parts = ['Add to the proposed policy:', ...list('DCAllowedNTLMServers', s.DCAllowedNTLMServers), ...list('ClientAllowedNTLMServers', s.ClientAllowedNTLMServers)];
  parts.push('', s.verified ? 'Verified: with these entries, what-if blocks nothing an exception list can let through.' : 'NOT verified: some attempts stay blocked with these entries.');
  if (s.remaining.length > 0) {
    parts.push('', 'Blocked by settings no exception list lifts:');
    parts.push(table(['direction', 'user', 'server', 'attempts', 'setting'], s.remaining.map((g) => [g.direction, g.user, g.server || '-', g.count, g.setting])));
  }
  return parts.join('\n');
}

// ---------------------------------------------------------------- commands

interface StoreOpt { store: string }
interface SinceOpt { since?: string }

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('The NTLM audit log: import, export, usage reports and policy impact assessment.');
  const storeOption = ['--store <url>', 'audit store: sqlite:PATH, postgres://…, jsonl:PATH', DEFAULT_AUDIT_URL] as const;

  audit
    .command('import')
    .description('Import Windows NTLM/Operational events (wevtutil qe … /f:xml, Event Viewer CSV) or ntlmgate exports (JSONL, CSV) into the store.')
    .argument('<files...>', 'files to import')
    .option(...storeOption)
    .option('--format <format>', 'auto, xml, event-viewer-csv, csv or jsonl', 'auto')
    .option('--skip-invalid', 'skip malformed records (counted) instead of stopping at the first')
    .action(async (files: string[], opts: StoreOpt & { format: string; skipInvalid?: boolean }) => {
      // Every file is readable before the store is opened (or created): a mistyped path writes nothing.
      for (const file of files) await access(file, fsConstants.R_OK);
      await withStore(opts.store, (store) => importFiles(store, files, opts, out), 'write', IMPORT_STORE_OPTIONS);
    });

  audit
    .command('export')
    .description('Write the stored events as JSON Lines, CSV or Windows event XML (the wevtutil shape).')
    .option(...storeOption)
    .option('--format <format>', 'jsonl, csv or xml', 'jsonl')
    .option('--since <when>', 'only events since (7d, 24h, or a date)')
    .option('--output <file>', 'write here instead of stdout')
    .action(async (opts: StoreOpt & SinceOpt & { format: string; output?: string }) => {
      if (!['jsonl', 'csv', 'xml'].includes(opts.format)) throw new CliError(`--format must be jsonl, csv or xml`, 2);
      const since = opts.since ? parseSince(opts.since) : undefined;
      await withStore(opts.store, async (store) => {
        const stream = opts.output ? createWriteStream(opts.output) : process.stdout;
        const write = (chunk: string): Promise<void> | void =>
          stream.write(chunk) ? undefined : new Promise<void>((resolve) => stream.once('drain', () => resolve()));
        await exportEvents(store.query({ since }), opts.format as ExportFormat, write);
        if (opts.output) await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
      }, 'read');
    });

  audit
    .command('report')
    .description('NTLM usage: counts and first/last seen per server, user, …; NTLMv1/LM users; MIC-less and binding-less logons; why NTLM was used.')
    .option(...storeOption)
    .option('--since <when>', 'only events since (7d, 24h, or a date)')
    .option('--by <dimension>', REPORT_DIMENSIONS.join(', '), 'server')
    .option('--format <format>', 'text, json or csv', 'text')
    .action(async (opts: StoreOpt & SinceOpt & { by: string; format: string }) => {
      if (!(REPORT_DIMENSIONS as readonly string[]).includes(opts.by)) throw new CliError(`--by must be one of ${REPORT_DIMENSIONS.join(', ')}`, 2);
      if (!['text', 'json', 'csv'].includes(opts.format)) throw new CliError('--format must be text, json or csv', 2);
      const since = opts.since ? parseSince(opts.since) : undefined;
      await withStore(opts.store, async (store) => {
        const r = await usageReport(store, { by: opts.by as ReportDimension, since });
        // The store read goes to stderr for json/csv, so their stdout stays machine-readable.
        if (opts.format !== 'text') process.stderr.write(`audit store: ${opts.store}\n`);
        out(opts.format === 'json' ? JSON.stringify({ store: opts.store, ...r }, null, 2) : opts.format === 'csv' ? formatReportCsv(r) : formatReportText(r, opts.store));
      }, 'read');
    });

  audit
    .command('what-if')
    .description(`Replay the stored logons against a proposed policy: what would it block? Exits ${EXIT_WOULD_BLOCK} when something would be blocked, 0 when nothing.`)
    .requiredOption('--policy <file>', 'the proposed policy (YAML or JSON, Windows names or labels)')
    .option(...storeOption)
    .option('--since <when>', 'only events since (7d, 24h, or a date)')
    .option('--domain <name>', 'NetBIOS name of this domain (default: the domain most logged-on accounts belong to)')
    .option('--format <format>', 'text or json', 'text')
    .action(async (opts: StoreOpt & SinceOpt & { policy: string; domain?: string; format: string }) => {
      const policy = await loadProposal(opts.policy);
      const since = opts.since ? parseSince(opts.since) : undefined;
      await withStore(opts.store, async (store) => {
        const domain = opts.domain ?? (await inferDomain(store, since)) ?? 'WORKGROUP';
        const r = await whatIf(store, policy, { domain, since });
        out(opts.format === 'json' ? JSON.stringify({ store: opts.store, policy: opts.policy, domain, ...r }, null, 2) : formatWhatIfText(r, opts.policy, domain, opts.store));
        setExitCode(r.blocked.length > 0 ? EXIT_WOULD_BLOCK : 0);
      }, 'read');
    });

  audit
    .command('exceptions')
    .description('Suggest the smallest DCAllowedNTLMServers / ClientAllowedNTLMServers lists that keep the logged traffic working under a proposed policy.')
    .requiredOption('--policy <file>', 'the proposed policy (YAML or JSON)')
    .option(...storeOption)
    .option('--since <when>', 'only events since (7d, 24h, or a date)')
    .option('--domain <name>', 'NetBIOS name of this domain (default: inferred, as for what-if)')
    .option('--min-prefix <n>', 'shortest shared prefix that earns a wildcard', '3')
    .option('--format <format>', 'text, json or yaml', 'text')
    .action(async (opts: StoreOpt & SinceOpt & { policy: string; domain?: string; minPrefix: string; format: string }) => {
      const policy = await loadProposal(opts.policy);
      const since = opts.since ? parseSince(opts.since) : undefined;
      const minPrefix = Number(opts.minPrefix);
      if (!Number.isInteger(minPrefix) || minPrefix < 1) throw new CliError('--min-prefix must be a positive integer', 2);
      await withStore(opts.store, async (store) => {
        const domain = opts.domain ?? (await inferDomain(store, since)) ?? 'WORKGROUP';
        const s = await suggestExceptions(store, policy, { domain, since, minPrefix });
        if (opts.format === 'json') out(JSON.stringify(s, null, 2));
        else if (opts.format === 'yaml') {
          const merge = (existing: NtlmPolicy['DCAllowedNTLMServers'], added: ExceptionSuggestion['DCAllowedNTLMServers']): string[] =>
            [...existing.map((p) => p.text), ...added.map((e) => e.entry)];
          out(toYaml({
            DCAllowedNTLMServers: merge(policy.DCAllowedNTLMServers, s.DCAllowedNTLMServers),
            ClientAllowedNTLMServers: merge(policy.ClientAllowedNTLMServers, s.ClientAllowedNTLMServers),
          }));
        } else out(formatExceptionsText(s));
      }, 'read');
    });

  registerAuditRetention(audit, storeOption);
}
