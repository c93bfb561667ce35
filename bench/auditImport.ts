/**
 * `ntlmgate audit import` and `ntlmgate audit report` at the scale of a real export: a
 * wevtutil XML export made of the Windows events of test/fixtures/audit/wevtutil-ntlm.xml
 * repeated, each copy with EventRecordIDs of its own (1,001,100 events by default), written to
 * a temporary folder and deleted afterwards. Both commands run as the built CLI in a child
 * process, stdout and stderr piped (so no progress line), into a fresh SQLite store; the child's
 * peak RSS and CPU time come from a preload module (peakRss.ts). A first line parses the file
 * in this process without storing it, to tell the parser's share from the store's. Prints
 * figures beside the targets; never fails on a number.
 *
 *   node dist/bench/auditImport.js [--events N] [--store URL]   (also part of `npm run bench`)
 *
 * `--store` imports into that store instead (e.g. a PostgreSQL URL; it must be empty for the
 * report figure to describe these events alone).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readAuditFile } from '../src/audit/formats/index.js';
import { argOf, numOf } from './argv.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PEAK_RSS = fileURLToPath(new URL('./peakRss.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/audit/wevtutil-ntlm.xml', import.meta.url));

export const AUDIT_IMPORT_DEFAULTS = { events: 1_001_100 } as const;
const IMPORT_TARGET_S = 60;
const REPORT_TARGET_S = 5;

/** Writes `n` events: the fixture's events in turn, EventRecordID 1…n, CRLF after each (as wevtutil). */
async function writeExport(path: string, n: number): Promise<number> {
  const events = readFileSync(FIXTURE, 'utf8').match(/<Event [\s\S]*?<\/Event>/g) ?? [];
  const parts = events.map((e) => {
    const [before, after] = e.split(/<EventRecordID>\d+<\/EventRecordID>/);
    if (before === undefined || after === undefined) throw new Error('a fixture event has no EventRecordID');
    return [before, after] as const;
  });
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const [before, after] = parts[i % parts.length] ?? ['', ''];
    chunk += `${before}<EventRecordID>${i + 1}</EventRecordID>${after}\r\n`;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return events.length;
}

interface Run {
  readonly seconds: number;
  readonly code: number | null;
  readonly stderr: string;
  /** From the child itself (peakRss.ts); undefined if it wrote none. */
  readonly peakRssMB?: number;
  readonly cpuSeconds?: number;
  /** The main thread's share of cpuSeconds (Linux). */
  readonly mainCpuSeconds?: number;
}

/** Runs the CLI with `args` in a child process and times it, wall clock. */
async function cli(args: readonly string[], statsFile: string): Promise<Run> {
  rmSync(statsFile, { force: true });
  const start = performance.now();
  const child = spawn(process.execPath, ['--import', pathToFileURL(PEAK_RSS).href, CLI, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NTLMGATE_BENCH_STATS: statsFile },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  const seconds = (performance.now() - start) / 1000;
  try {
    const s = JSON.parse(readFileSync(statsFile, 'utf8')) as { maxRssKB: number; cpuUs: number; mainCpuUs?: number };
    const mainCpuSeconds = s.mainCpuUs === undefined ? undefined : s.mainCpuUs / 1e6;
    return { seconds, code, stderr, peakRssMB: s.maxRssKB / 1024, cpuSeconds: s.cpuUs / 1e6, mainCpuSeconds };
  } catch {
    return { seconds, code, stderr };
  }
}

/** Parses the file without storing it, in this process: the import's parsing share. */
async function parseOnly(file: string): Promise<{ seconds: number; events: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const reader = readAuditFile(file);
  const drain = reader[Symbol.asyncIterator]();
  while (!(await drain.next()).done);
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - start) / 1000, events: reader.stats.events, cpuSeconds: (used.user + used.system) / 1e6 };
}

const num = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export async function benchAuditImport(options: { events?: number; store?: string } = {}): Promise<void> {
  const n = options.events ?? AUDIT_IMPORT_DEFAULTS.events;
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-bench-import-'));
  try {
    const file = join(dir, 'ntlm-operational.xml');
    const distinct = await writeExport(file, n);
    const mb = statSync(file).size / 1e6;
    const store = options.store ?? `sqlite:${join(dir, 'audit.db')}`;
    console.log(`\naudit import / audit report: a wevtutil XML export of ${num(n)} events (${distinct} fixture events repeated, distinct EventRecordIDs), ${num(mb)} MB`);
    console.log(`  store ${options.store ?? 'sqlite: (a new file)'}`);
    const parsed = await parseOnly(file);
    console.log(`  parse only     ${num(parsed.seconds, 1).padStart(7)} s   ${num(parsed.events / parsed.seconds).padStart(8)} events/s   CPU ${num(parsed.cpuSeconds, 1)} s   (readAuditFile in this process, nothing stored)`);
    const stats = join(dir, 'stats.json');
    const imp = await cli(['audit', 'import', file, '--store', store], stats);
    if (imp.code !== 0) {
      console.log(`  audit import failed (exit ${imp.code}): ${imp.stderr.trim().split('\n').pop() ?? ''}`);
      return;
    }
    const rss = imp.peakRssMB === undefined ? '' : `   peak RSS ${num(imp.peakRssMB)} MB`;
    const main = imp.mainCpuSeconds === undefined ? '' : `, main thread ${num(imp.mainCpuSeconds, 1)} s`;
    const cpu = imp.cpuSeconds === undefined ? '' : `   CPU ${num(imp.cpuSeconds, 1)} s (${num(imp.cpuSeconds / imp.seconds, 2)} cores${main})`;
    console.log(`  audit import   ${num(imp.seconds, 1).padStart(7)} s   ${num(n / imp.seconds).padStart(8)} events/s${rss}${cpu}   target < ${IMPORT_TARGET_S} s`);
    const rep = await cli(['audit', 'report', '--store', store], stats);
    const repRss = rep.peakRssMB === undefined ? '' : `   peak RSS ${num(rep.peakRssMB)} MB`;
    if (rep.code !== 0) console.log(`  audit report failed (exit ${rep.code}) after ${num(rep.seconds, 1)} s: ${rep.stderr.trim().split('\n').pop() ?? ''}`);
    else console.log(`  audit report   ${num(rep.seconds, 1).padStart(7)} s${repRss}   target < ${REPORT_TARGET_S} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchAuditImport({ events: numOf('--events'), store: argOf('--store') }).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
