/**
 * The load generator of bench/httpServer.ts (forked, several at once, so it does not share an
 * event loop with the server under test), over bench/rawClient.ts: raw node:net sockets and a
 * minimal HTTP/1.1 response reader, so the client costs far less per request than the servers
 * it measures. Our NtlmClientContext makes the NTLM messages, the same for every server.
 *
 * Modes, per connection slot:
 *   handshake  connect → GET + `Authorization: NTLM <NEGOTIATE>` → 401 + CHALLENGE →
 *              GET + `Authorization: NTLM <AUTHENTICATE>` → 200 → close; again
 *   keepalive  one such handshake, then GET without a header on the same connection, one
 *              request at a time (no pipelining), each answer must be 200
 *
 * Only operations that finish inside [t0, t1) (wall clock, shared with the parent) count; the
 * loops start at once, so the time before t0 is the warm-up.
 */
import { Connection, getRequest, logon, type Response } from '../rawClient.js';
import { serveRequests, tell } from './ipc.js';

export interface RunRequest {
  readonly port: number;
  readonly path: string;
  readonly mode: 'handshake' | 'keepalive';
  readonly connections: number;
  /** Epoch ms: counting starts / stops. */
  readonly t0: number;
  readonly t1: number;
  readonly user: string;
  readonly domain: string;
  readonly password: string;
  /** The authenticated user the server must name in `X-Auth-User` (checked on every logon). */
  readonly expectUser: string;
  /** keepalive only: false for a server without authentication (no handshake first). */
  readonly authenticate?: boolean;
}

export interface RunResult {
  readonly count: number;
  readonly errors: number;
  readonly firstError?: string;
}

async function run(r: RunRequest): Promise<RunResult> {
  let count = 0;
  let errors = 0;
  let firstError: string | undefined;
  const failed = (e: unknown): void => {
    errors++;
    firstError ??= e instanceof Error ? e.message : String(e);
  };

  const handshakes = async (): Promise<void> => {
    while (Date.now() < r.t1) {
      let conn: Connection | undefined;
      try {
        conn = await Connection.open(r.port);
        await logon(conn, r.port, r.path, r, r.expectUser);
        const now = Date.now();
        if (now >= r.t0 && now < r.t1) count++;
      } catch (e) {
        failed(e);
        await new Promise((res) => setTimeout(res, 10));
      } finally {
        conn?.close();
      }
    }
  };

  const keepAlive = async (): Promise<void> => {
    const request = Buffer.from(getRequest(r.path, r.port));
    while (Date.now() < r.t1) {
      let conn: Connection | undefined;
      try {
        conn = await Connection.open(r.port);
        if (r.authenticate !== false) await logon(conn, r.port, r.path, r, r.expectUser);
        const c = conn;
        // Callbacks, not promises: the client's own cost per request stays small.
        await new Promise<void>((resolve, reject) => {
          const next = (res: Response | Error): void => {
            if (res instanceof Error) return reject(res);
            if (res.status !== 200) return reject(new Error(`a header-less request on an authenticated connection answered ${res.status}`));
            const now = Date.now();
            if (now >= r.t1) return resolve();
            if (now >= r.t0) count++;
            c.exchange(request, next);
          };
          c.exchange(request, next);
        });
      } catch (e) {
        failed(e);
        await new Promise((res) => setTimeout(res, 10));
      } finally {
        conn?.close();
      }
    }
  };

  const loop = r.mode === 'handshake' ? handshakes : keepAlive;
  await Promise.all(Array.from({ length: r.connections }, loop));
  return { count, errors, firstError };
}

serveRequests(async (req) => {
  if (req.cmd !== 'run') throw new Error(`unknown command ${req.cmd}`);
  return { ...(await run(req as unknown as RunRequest)) };
});
tell({ ready: true });
