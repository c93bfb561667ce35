/**
 * The server side of halfOpen.test.ts's flood, in a process of its own (its descriptors are the
 * server ends of the flood's connections; the flood's own ends are in halfOpenFlood.child.ts):
 * an IWA server with the given caps — the library defaults unless told otherwise — kept alive
 * as `serve` keeps idle connections (120 s), and a control listener for the test:
 *   GET /figures  the handler's stats(), the largest liveContexts and pendingClientIps seen
 *                 since the last reset (sampled after every answer and every millisecond), the
 *                 log reasons counted, the reason of the last answer, heapUsed after gc
 *   GET /reset    starts the maxima and the last answer over
 * It prints one line, `{"port":…,"control":…}`, once both listen. Run with --expose-gc.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { iwa } from '../../../src/http/server/handler.js';
import type { IwaLogReason } from '../../../src/http/server/log.js';
import { baseOptions } from './helpers.js';

export interface ServerConfig {
  readonly maxPendingPerIp?: number;
  readonly maxPendingTotal?: number;
}

export interface ServerFigures {
  readonly liveContexts: number;
  readonly trackedConnections: number;
  readonly pendingClientIps: number;
  readonly evictedHandshakes: number;
  readonly maxLiveContexts: number;
  readonly maxPendingClientIps: number;
  readonly reasons: Readonly<Record<string, number>>;
  readonly lastAnswer: IwaLogReason | null;
  readonly heapUsedAfterGc: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as ServerConfig;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const reasons: Record<string, number> = {};
let lastAnswer: IwaLogReason | null = null;
let maxLive = 0;
let maxIps = 0;
const app = iwa(
  baseOptions({
    maxPendingPerIp: cfg.maxPendingPerIp,
    maxPendingTotal: cfg.maxPendingTotal,
    log: (e) => {
      if (e.reason) reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
      if (e.status !== undefined) lastAnswer = e.reason ?? null;
      sample();
    },
  }),
)((_req, res) => res.end('ok'));

function sample(): void {
  const s = app.stats();
  if (s.liveContexts > maxLive) maxLive = s.liveContexts;
  if (s.pendingClientIps > maxIps) maxIps = s.pendingClientIps;
}
setInterval(sample, 1).unref();

const server = http.createServer({ keepAliveTimeout: 120_000, headersTimeout: 30_000 }, app);
const control = http.createServer((req, res) => {
  if (req.url === '/reset') {
    maxLive = 0;
    maxIps = 0;
    lastAnswer = null;
    res.end('{}');
    return;
  }
  sample();
  gc();
  gc();
  const s = app.stats();
  const figures: ServerFigures = {
    liveContexts: s.liveContexts,
    trackedConnections: s.trackedConnections,
    pendingClientIps: s.pendingClientIps,
    evictedHandshakes: s.evictedHandshakes,
    maxLiveContexts: maxLive,
    maxPendingClientIps: maxIps,
    reasons,
    lastAnswer,
    heapUsedAfterGc: process.memoryUsage().heapUsed,
  };
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(figures));
});

const listen = (s: http.Server): Promise<number> => new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
const port = await listen(server);
const controlPort = await listen(control);
process.stdout.write(`${JSON.stringify({ port, control: controlPort })}\n`);
// The test ends this process with SIGTERM: exit normally so --cpu-prof and the like still write.
process.once('SIGTERM', () => process.exit(0));
