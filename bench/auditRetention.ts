/**
 * Audit retention on the SQLite store (src/audit/retention.ts): what a check costs when there
 * is nothing to do, how fast a prune removes events, how long the event loop is held while it
 * does (each chunk is synchronous SQLite work on the loop), and whether the file stays at the
 * cap over fill-and-prune cycles. Events are shaped like a gateway's (8002/8003/4022 with
 * context). Prints figures; never fails on a number.
 *
 *   node dist/bench/auditRetention.js [--events N]    (default 200,000)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openAuditStore } from '../src/audit/openAuditStore.js';
import { openRetentionTarget } from '../src/audit/openRetentionTarget.js';
import { prune } from '../src/audit/retention.js';
import { formatSize } from '../src/config/size.js';
import { buildEvent, type AuditEvent } from '../src/events/event.js';
import { numOf } from './argv.js';

const IDS = [8002, 8003, 4022];

function events(from: number, n: number): AuditEvent[] {
  const t0 = Date.UTC(2026, 10, 21);
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return buildEvent(
      { eventId: IDS[i % IDS.length] ?? 8002, data: { UserName: `user${i % 5000}`, DomainName: 'CORP', Workstation: `WS${i % 300}`, NtlmVersion: 'NTLM V2', ClientIP: '10.1.2.3' } },
      {
        time: t0 + i * 10,
        computer: 'WEB1',
        context: { service: 'serve', clientIp: `10.1.${(i >> 8) & 255}.${i & 255}`, requestId: `r${i}`, decision: 'audit', setting: 'AuditReceivingNTLMTraffic', ntlmVersion: 'NTLMv2' },
      },
    );
  });
}

const ms = (n: number): string => `${n.toFixed(n < 1 ? 3 : 1)} ms`;

async function main(): Promise<void> {
  const n = numOf('--events') ?? 200_000;
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-bench-retention-'));
  const path = join(dir, 'audit.db');
  const store = await openAuditStore(`sqlite:${path}`);
  const target = await openRetentionTarget(`sqlite:${path}`);
  if (!target) throw new Error('no retention for the SQLite store');
  try {
    for (let i = 0; i < n; i += 5000) await store.write(events(i, Math.min(5000, n - i)));
    const full = await target.usage(true);
    console.log(`store: ${full.events.toLocaleString('en-US')} events, ${formatSize(full.bytes)} (${Math.round(full.bytes / full.events)} bytes per event, ledger included)`);

    let t = performance.now();
    for (let i = 0; i < 200; i++) await target.usage();
    console.log(`check with nothing to do (usage): ${ms((performance.now() - t) / 200)}`);

    const cap = Math.floor(full.bytes / 2);
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    t = performance.now();
    const r = await prune(target, { maxBytes: cap });
    const took = performance.now() - t;
    loop.disable();
    const removed = r.removedBySize;
    console.log(
      `prune to ${formatSize(cap)}: ${removed.toLocaleString('en-US')} events in ${(took / 1000).toFixed(2)} s = ${Math.round(removed / (took / 1000)).toLocaleString('en-US')} events/s; ` +
        `event loop held at most ${ms(loop.max / 1e6)} at a time (p50 ${ms(loop.percentile(50) / 1e6)}, p99 ${ms(loop.percentile(99) / 1e6)})`,
    );

    // Fill and prune again: at the cap, freed pages are reused and the file stops growing.
    const sizes: string[] = [];
    for (let round = 0, next = n; round < 4; round++, next += n / 4) {
      for (let i = 0; i < n / 4; i += 5000) await store.write(events(next + i, 5000));
      await prune(target, { maxBytes: cap });
      sizes.push(formatSize((await target.usage()).fileBytes));
    }
    console.log(`file after 4 more cycles of ${(n / 4).toLocaleString('en-US')} events and a prune (cap ${formatSize(cap)}): ${sizes.join(', ')}`);
  } finally {
    await target.close();
    await store.close();
    console.log(`file on disk after close: ${formatSize(statSync(path).size)}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
