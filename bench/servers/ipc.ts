/**
 * The little IPC protocol between bench/httpServer.ts and the processes it forks (the servers
 * under test and the load generators): a child says `{ ready, port? }` once it can work, and
 * answers requests with `{ reply: id, ... }`. Parent and children are Node processes forked
 * with an IPC channel; a child exits when the channel closes, so none outlives the bench.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Request {
  readonly id: number;
  readonly cmd: string;
  readonly [key: string]: unknown;
}

/** Sends `msg` to the parent (no-op without an IPC channel). */
export function tell(msg: Record<string, unknown>): void {
  process.send?.(msg);
}

/** Answers each parent request with `handle`'s result; exits when the parent goes away. */
export function serveRequests(handle: (r: Request) => Promise<Record<string, unknown>>, onExit: () => Promise<void> = async () => {}): void {
  process.on('message', (m: Request) => {
    handle(m).then(
      (out) => tell({ reply: m.id, ...out }),
      (e: unknown) => tell({ reply: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  });
  process.on('disconnect', () => {
    void onExit().finally(() => process.exit(0));
  });
}

/** A server child's commands: `stats` answers with `stats()`, `stop` runs `stop()` and exits (as does the parent going away). */
export function serveStatsAndStop(stats: () => Promise<Record<string, unknown>>, stop: () => Promise<void>): void {
  serveRequests(async (r) => {
    if (r.cmd === 'stats') return stats();
    if (r.cmd === 'stop') {
      await stop();
      setImmediate(() => process.exit(0));
      return {};
    }
    throw new Error(`unknown command ${r.cmd}`);
  }, stop);
}

/** Listens on 127.0.0.1 (a free port), tells the parent, serves `stats` and `stop`. */
export async function runServer(server: Server, stats: () => Promise<Record<string, unknown>>, close: () => Promise<void>): Promise<void> {
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, resolve));
  const shutdown = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await close();
  };
  serveStatsAndStop(stats, shutdown);
  // A cluster worker is stopped by its primary with SIGTERM: finish and flush as on 'stop'.
  process.once('SIGTERM', () => void shutdown().finally(() => process.exit(0)));
  tell({ ready: true, port: (server.address() as AddressInfo).port });
}
