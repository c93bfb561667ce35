/**
 * The cluster primary of a forked bench server (`--workers N`, N > 1): N copies of the server
 * under node:cluster on one port, as `ntlmgate serve` with `workers: N` runs them (each worker
 * accepts for itself, SCHED_NONE, unless NODE_CLUSTER_SCHED_POLICY says otherwise). This process
 * relays the bench's commands: `stats` through `stats()`, `stop` by stopping every worker.
 */
import cluster, { type Worker } from 'node:cluster';
import { serveStatsAndStop, tell } from './ipc.js';

export async function runClusterPrimary(
  workers: number,
  extraArgs: readonly string[],
  stats: () => Promise<Record<string, unknown>>,
  cleanup: () => Promise<void> | void = () => {},
  onWorker: (w: Worker) => void = () => {},
): Promise<void> {
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ args: [...process.argv.slice(2), ...extraArgs] });
  const forked = Array.from({ length: workers }, () => {
    const w = cluster.fork();
    onWorker(w);
    return w;
  });
  const ports = await Promise.all(
    forked.map((w) => new Promise<number>((resolve) => w.on('message', (m: { ready?: boolean; port?: number }) => m.ready && resolve(Number(m.port))))),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(forked.map((w) => (w.isDead() ? undefined : new Promise<void>((r) => (w.once('exit', () => r()), w.process.kill('SIGTERM'))))));
    await cleanup();
  };
  serveStatsAndStop(stats, stop);
  tell({ ready: true, port: ports[0], pids: forked.map((w) => w.process.pid) });
}
