/**
 * Preloaded into a bench's child process (`node --import …/peakRss.js cli …`): when the process
 * exits, writes its peak resident set size and CPU time (user + system, all threads) as JSON to
 * the file named by NTLMGATE_BENCH_STATS, which the parent reads. Does nothing without it.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.NTLMGATE_BENCH_STATS;
if (file) {
  process.on('exit', () => {
    const r = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKB: r.maxRSS, cpuUs: r.userCPUTime + r.systemCPUTime }));
  });
}
