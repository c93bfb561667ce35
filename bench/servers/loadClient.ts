/**
 * The load generator of bench/httpServer.ts (forked, several at once, so it does not share an
 * event loop with the server under test). Raw node:net sockets, requests as prebuilt bytes, and a
 * minimal HTTP/1.1 response reader (status line, Content-Length, WWW-Authenticate), so the
 * client costs far less per request than the servers it measures. Our NtlmClientContext makes
 * the NTLM messages, the same for every server.
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
import net from 'node:net';
import { NtlmClientContext } from '../../src/ntlm/clientContext.js';
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

interface Response {
  readonly status: number;
  /** The header block (latin1), without the final CRLFCRLF. */
  readonly head: string;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const NTLM_CHALLENGE = /\r\nwww-authenticate:[ \t]*NTLM[ \t]+([A-Za-z0-9+/=]+)/i;

/** One HTTP/1.1 connection: write a request, get the next response (Content-Length bodies only). */
class Connection {
  private buf: Buffer | undefined;
  private waiting: ((r: Response | Error) => void) | undefined;
  private failure: Error | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf === undefined ? chunk : Buffer.concat([this.buf, chunk]);
      this.parse();
    });
    const fail = (e: Error): void => {
      this.failure ??= e;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(this.failure);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by the server')));
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.removeListener('error', reject);
        resolve(new Connection(s));
      });
      s.once('error', reject);
    });
  }

  /** Sends `request` and calls `done` with the response (or the connection's error). */
  exchange(request: Buffer | string, done: (r: Response | Error) => void): void {
    if (this.failure) return done(this.failure);
    this.waiting = done;
    this.socket.write(request);
  }

  request(request: Buffer | string): Promise<Response> {
    return new Promise((resolve, reject) => this.exchange(request, (r) => (r instanceof Error ? reject(r) : resolve(r))));
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): void {
    const buf = this.buf;
    if (buf === undefined) return;
    const end = buf.indexOf(CRLF2);
    if (end < 0) return;
    const head = buf.toString('latin1', 0, end);
    const m = CONTENT_LENGTH.exec(head);
    if (!m) {
      this.socket.destroy(new Error(`response without Content-Length: ${head.split('\r\n')[0] ?? ''}`));
      return;
    }
    const total = end + 4 + Number(m[1]);
    if (buf.length < total) return;
    this.buf = buf.length === total ? undefined : buf.subarray(total);
    const status = Number(head.slice(9, 12));
    const w = this.waiting;
    this.waiting = undefined;
    w?.({ status, head });
    if (this.buf !== undefined) this.parse();
  }
}

function getRequest(path: string, port: number, authorization?: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`;
}

/** One NTLM logon on `conn`; throws unless the server answered 200 naming the expected user. */
async function logon(conn: Connection, r: RunRequest): Promise<void> {
  const client = new NtlmClientContext({ credentials: { user: r.user, domain: r.domain, password: r.password }, workstation: 'WS01' });
  const first = await conn.request(getRequest(r.path, r.port, `NTLM ${client.negotiate().toString('base64')}`));
  const challenge = NTLM_CHALLENGE.exec(first.head)?.[1];
  if (first.status !== 401 || !challenge) throw new Error(`NEGOTIATE answered ${first.status} without an NTLM CHALLENGE`);
  const auth = client.authenticate(Buffer.from(challenge, 'base64')).toString('base64');
  const final = await conn.request(getRequest(r.path, r.port, `NTLM ${auth}`));
  if (final.status !== 200) throw new Error(`AUTHENTICATE answered ${final.status}`);
  if (!final.head.toLowerCase().includes(`\r\nx-auth-user: ${r.expectUser.toLowerCase()}\r\n`)) {
    throw new Error(`the 200 does not name ${r.expectUser}: ${final.head}`);
  }
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
        await logon(conn, r);
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
        if (r.authenticate !== false) await logon(conn, r);
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
