/**
 * Preloaded into a bench's child process (`node --import …/peakRss.js cli …`): when the process
 * exits, writes its peak resident set size, its CPU time (user + system, all threads) and, where
 * Linux's /proc tells it, the main thread's own CPU time as JSON to the file named by
 * NTLMGATE_BENCH_STATS, which the parent reads. Does nothing without it.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env.NTLMGATE_BENCH_STATS;

/** utime + stime of the main thread in µs (proc(5): fields 14 and 15, in clock ticks of 1/100 s), or undefined. */
function mainThreadCpuUs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10_000 : undefined;
  } catch {
    return undefined;
  }
}

if (file) {
  process.on('exit', () => {
    const r = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKB: r.maxRSS, cpuUs: r.userCPUTime + r.systemCPUTime, mainCpuUs: mainThreadCpuUs() }));
  });
}
