/** Worker side of harness.ts: runs one target over its input stream and posts a WorkerResult. */
import { parentPort, workerData } from 'node:worker_threads';
import { addFailure, failureRecord, type FailureRecord, type SlowInput, type TargetModule, type WorkerData, type WorkerResult } from './harness.js';
import { deriveSeed, fuzzInputs, hex, PER_INPUT_LIMIT_MS, sweepLength, type FuzzInput } from './mutate.js';

const data = workerData as WorkerData;
const beat = new Int32Array(data.heartbeat);
const mod = (await import(data.moduleUrl)) as TargetModule;
const target = (await mod.loadTargets()).get(data.target);
if (!target) throw new Error(`no fuzz target named ${data.target} in ${data.moduleUrl}`);

const outcomes: Record<string, number> = {};
const failures: FailureRecord[] = [];
let count = 0;
let runMs = 0;
let maxMs = 0;
let maxIndex = -1;
let noisy = 0;
let failing = 0;
let confirmedSlow = 0;
let stoppedAt: number | undefined;
const slowest: SlowInput[] = [];

/** Keeps the five slowest inputs (for the report). */
function noteTime(ms: number, input: FuzzInput): void {
  if (slowest.length === 5 && ms <= (slowest[4] as SlowInput).ms) return;
  slowest.push({ ms, index: input.index, length: input.bytes.length, desc: input.desc.slice(0, 120), head: hex(input.bytes.subarray(0, 24)) });
  slowest.sort((a, b) => b.ms - a.ms);
  slowest.length = Math.min(slowest.length, 5);
}

/** Runs the input once; returns its duration and the error it threw, if any. */
async function timed(run: () => string | Promise<string>): Promise<{ ms: number; outcome?: string; error?: unknown; failed: boolean }> {
  const t0 = performance.now();
  try {
    const r = run();
    const outcome = typeof r === 'string' ? r : await r;
    return { ms: performance.now() - t0, outcome, failed: false };
  } catch (error) {
    return { ms: performance.now() - t0, error, failed: true };
  }
}

for (const input of fuzzInputs(target.spec, deriveSeed(data.seed, data.target), data.iterations)) {
  Atomics.store(beat, 0, input.index);
  const r = await timed(() => target.run(input));
  count++;
  runMs += r.ms;
  if (r.ms > maxMs) {
    maxMs = r.ms;
    maxIndex = input.index;
  }
  noteTime(r.ms, input);
  let failed = r.failed;
  if (r.failed) addFailure(failures, failureRecord(r.error, input));
  const label = r.failed ? 'VIOLATION' : (r.outcome ?? '?');
  outcomes[label] = (outcomes[label] ?? 0) + 1;
  if (r.ms > PER_INPUT_LIMIT_MS) {
    // Re-measure before calling it slow: a GC pause or a descheduled thread is not a finding.
    // Once a few slow inputs are confirmed, further ones are counted without re-measuring.
    let best = r.ms;
    if (confirmedSlow < 5) {
      for (let k = 0; k < 2 && best > PER_INPUT_LIMIT_MS; k++) best = Math.min(best, (await timed(() => target.run(input))).ms);
    }
    if (best > PER_INPUT_LIMIT_MS) {
      confirmedSlow++;
      failed = true;
      const size = input.bytes.length < 1024 ? '< 1 KiB' : input.bytes.length < 16384 ? '1–16 KiB' : '≥ 16 KiB';
      addFailure(failures, failureRecord(new Error(`input took ${best.toFixed(1)} ms (limit ${PER_INPUT_LIMIT_MS} ms)`), input, `SLOW (input ${size})`));
    } else {
      noisy++;
    }
  }
  if (failed && ++failing >= data.maxFailures) {
    // Enough evidence: stop instead of spending minutes on a known-broken target.
    stoppedAt = input.index;
    break;
  }
}

const result: WorkerResult = { count, sweep: Math.min(sweepLength(target.spec), count), runMs, maxMs, maxIndex, noisy, outcomes, failures, slowest, stoppedAt };
parentPort?.postMessage(result);
