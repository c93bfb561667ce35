/**
 * Runs a fuzz target in a worker thread under a watchdog. The worker feeds the target its
 * input stream, times every input (limit PER_INPUT_LIMIT_MS, re-measured before failing so
 * a GC pause is not a finding) and reports outcome counts and distinct failures. A worker
 * that stops making progress (a true infinite loop, which no in-thread timer can see) is
 * terminated; the input it was stuck on is regenerated here from the seed and reported.
 */
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { deriveSeed, fuzzEnv, hex, inputAt, PER_INPUT_LIMIT_MS, sweepLength, type CorpusSpec, type FuzzEnv, type FuzzInput } from './mutate.js';

export interface FuzzTarget {
  readonly name: string;
  readonly spec: CorpusSpec;
  /**
   * Runs one input and returns an outcome label (counted, to show what the inputs reach).
   * Throwing means a property was violated (an error other than the allowed one escaped).
   */
  run(input: FuzzInput): string | Promise<string>;
}

/** What a targets module (ntlmTargets.ts, spnegoTargets.ts) exports. */
export interface TargetModule {
  loadTargets(): Promise<ReadonlyMap<string, FuzzTarget>>;
}

export interface FailureRecord {
  readonly signature: string;
  count: number;
  readonly index: number;
  readonly desc: string;
  readonly origin: number;
  readonly variant: number;
  readonly length: number;
  readonly inputHex: string;
  readonly error: string;
}

export interface SlowInput {
  readonly ms: number;
  readonly index: number;
  readonly length: number;
  readonly desc: string;
  /** The first 24 bytes, hex. */
  readonly head: string;
}

export interface WorkerResult {
  readonly count: number;
  readonly sweep: number;
  readonly runMs: number;
  readonly maxMs: number;
  readonly maxIndex: number;
  /** Inputs over the limit on first measurement that were fine when re-measured. */
  readonly noisy: number;
  readonly outcomes: Record<string, number>;
  readonly failures: FailureRecord[];
  /** The five slowest inputs. */
  readonly slowest: SlowInput[];
  /** Set when the run stopped early after FUZZ_MAX_FAILURES failing inputs. */
  readonly stoppedAt?: number;
}

export interface WorkerData {
  readonly moduleUrl: string;
  readonly target: string;
  readonly seed: number;
  readonly iterations: number;
  readonly maxFailures: number;
  readonly heartbeat: SharedArrayBuffer;
}

export interface FuzzReport extends WorkerResult {
  readonly target: string;
  readonly seed: number;
  readonly targetSeed: number;
  readonly iterations: number;
  readonly wallMs: number;
  readonly maxFailures: number;
  readonly hang?: FailureRecord;
}

/** No progress for this long means a hang (50× the per-input limit). */
const HANG_MS = 5_000;
/** Building the corpus in the worker may take this long before the first input. */
const STARTUP_MS = 60_000;
const MAX_DISTINCT_FAILURES = 20;

/** Groups errors by class, message shape and the first project frame of the stack. */
export function failureSignature(e: unknown): string {
  if (!(e instanceof Error)) return `non-Error thrown: ${typeof e}`;
  const frame = (e.stack ?? '').split('\n').find((l) => /\/(src|test)\//.test(l) && !l.includes('/test/fuzz/'))?.trim() ?? '';
  return `${e.name}: ${e.message.replace(/\d+/g, '#').slice(0, 160)} ${frame.replace(/:\d+:\d+\)?$/, '')}`;
}

export function failureRecord(e: unknown, input: FuzzInput, signature = failureSignature(e)): FailureRecord {
  const error = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`).split('\n').slice(0, 8).join('\n') : String(e);
  return {
    signature,
    count: 1,
    index: input.index,
    desc: input.desc,
    origin: input.origin,
    variant: input.variant,
    length: input.bytes.length,
    inputHex: hex(input.bytes, 1024),
    error,
  };
}

export function addFailure(list: FailureRecord[], rec: FailureRecord): void {
  const same = list.find((f) => f.signature === rec.signature);
  if (same) same.count++;
  else if (list.length < MAX_DISTINCT_FAILURES) list.push(rec);
}

/** Runs `target` from the module at `moduleUrl` for FUZZ_ITERATIONS inputs under a watchdog. */
export async function runFuzz(moduleUrl: string, target: string, env: FuzzEnv = fuzzEnv()): Promise<FuzzReport> {
  const heartbeat = new SharedArrayBuffer(4);
  const beat = new Int32Array(heartbeat);
  beat[0] = -1;
  const data: WorkerData = { moduleUrl, target, seed: env.seed, iterations: env.iterations, maxFailures: env.maxFailures, heartbeat };
  const targetSeed = deriveSeed(env.seed, target);
  const started = performance.now();
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data });

  const result = await new Promise<WorkerResult | { hangIndex: number }>((resolve, reject) => {
    let settled = false;
    let last = -1;
    let lastChange = performance.now();
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      f();
    };
    const timer = setInterval(() => {
      const cur = Atomics.load(beat, 0);
      const now = performance.now();
      if (cur !== last) {
        last = cur;
        lastChange = now;
        return;
      }
      if (now - lastChange > (cur < 0 ? STARTUP_MS : HANG_MS)) {
        settle(() => {
          void worker.terminate();
          if (cur < 0) reject(new Error(`fuzz worker for ${target} did not start within ${STARTUP_MS} ms`));
          else resolve({ hangIndex: cur });
        });
      }
    }, 100);
    worker.on('message', (m: WorkerResult) => settle(() => resolve(m)));
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(new Error(`fuzz worker for ${target} exited with code ${code} before reporting`))));
  });
  const wallMs = performance.now() - started;
  const base = { target, seed: env.seed, targetSeed, iterations: env.iterations, maxFailures: env.maxFailures, wallMs };

  if ('hangIndex' in result) {
    const mod = (await import(moduleUrl)) as TargetModule;
    const t = (await mod.loadTargets()).get(target);
    const input = t ? inputAt(t.spec, targetSeed, result.hangIndex) : undefined;
    const sweep = t ? Math.min(sweepLength(t.spec), result.hangIndex) : 0;
    const hang: FailureRecord = input
      ? failureRecord(new Error(`no progress for ${HANG_MS} ms: the target hangs on this input`), input, 'HANG')
      : { signature: 'HANG', count: 1, index: result.hangIndex, desc: '?', origin: -1, variant: 0, length: 0, inputHex: '', error: 'hang' };
    await worker.terminate();
    return { ...base, count: result.hangIndex, sweep, runMs: wallMs, maxMs: Number.NaN, maxIndex: result.hangIndex, noisy: 0, outcomes: {}, failures: [], slowest: [], hang };
  }
  return { ...base, ...result };
}

function top(outcomes: Record<string, number>, n: number): string {
  const entries = Object.entries(outcomes).sort((a, b) => b[1] - a[1]);
  const shown = entries.slice(0, n).map(([k, v]) => `${k}=${v}`);
  if (entries.length > n) shown.push(`… ${entries.length - n} more`);
  return shown.join(', ');
}

/** One-paragraph summary: counts, timings, and what the inputs reached. */
export function formatReport(r: FuzzReport): string {
  const us = r.count > 0 ? (r.runMs * 1000) / r.count : 0;
  const stopped = r.stoppedAt !== undefined ? ` (stopped early at input #${r.stoppedAt} after ${r.maxFailures} failing inputs)` : '';
  const slow = r.slowest.map((s) => `#${s.index} ${s.ms.toFixed(1)} ms ${s.length} B [${s.desc}] ${s.head}…`).join('; ');
  return (
    `${r.target}: ${r.count} inputs${stopped} (${r.sweep} sweep + ${r.count - r.sweep} random) in ${(r.wallMs / 1000).toFixed(2)} s wall, ` +
    `${(r.runMs / 1000).toFixed(2)} s in the target (${us.toFixed(1)} µs/input), ` +
    `${r.noisy} over ${PER_INPUT_LIMIT_MS} ms once but not when re-measured; FUZZ_SEED=0x${r.seed.toString(16)}\n` +
    `  outcomes: ${top(r.outcomes, 14)}\n  slowest: ${slow}`
  );
}

function formatFailure(f: FailureRecord): string {
  return [
    `  ${f.signature}  (×${f.count})`,
    `    first at input #${f.index} (origin seed ${f.origin}, variant ${f.variant}, ${f.length} bytes): ${f.desc}`,
    `    input: ${f.inputHex}`,
    ...f.error.split('\n').map((l) => `    ${l}`),
  ].join('\n');
}

/** Fails with every distinct failure, the seed and how to reproduce. */
export function assertClean(r: FuzzReport, minimum = Math.min(r.iterations, 100_000)): void {
  const all = [...(r.hang ? [r.hang] : []), ...r.failures];
  if (all.length > 0) {
    assert.fail(
      `${r.target}: ${all.reduce((n, f) => n + f.count, 0)} failing input(s), ${all.length} distinct` +
        `${r.stoppedAt !== undefined ? `, run stopped at input #${r.stoppedAt} (FUZZ_MAX_FAILURES=${r.maxFailures})` : ''} ` +
        `(FUZZ_SEED=0x${r.seed.toString(16)} FUZZ_ITERATIONS=${r.iterations}, target seed 0x${r.targetSeed.toString(16)}; ` +
        `limit ${PER_INPUT_LIMIT_MS} ms per input)\n${all.map(formatFailure).join('\n')}`,
    );
  }
  assert.ok(r.count >= minimum, `${r.target}: only ${r.count} inputs ran (FUZZ_SEED=0x${r.seed.toString(16)})`);
}
