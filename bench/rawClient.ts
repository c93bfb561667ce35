/**
 * A minimal HTTP/1.1 client on raw node:net sockets for the benches: requests as prebuilt
 * strings, responses read by status line, Content-Length and WWW-Authenticate only (no chunked
 * bodies). It is the load generator of bench/httpServer.ts and, in bench/httpClient.ts, the
 * ceiling line: what a Node client that does nothing but the NTLM exchange costs per cycle.
 * Our NtlmClientContext makes the NTLM messages. Not a general client: bench only.
 */
import net from 'node:net';
import { NtlmClientContext } from '../src/ntlm/clientContext.js';

export interface Account {
  readonly user: string;
  readonly domain: string;
  readonly password: string;
}

export interface Response {
  readonly status: number;
  /** The header block (latin1), without the final CRLFCRLF. */
  readonly head: string;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const NTLM_CHALLENGE = /\r\nwww-authenticate:[ \t]*NTLM[ \t]+([A-Za-z0-9+/=]+)/i;

/** One HTTP/1.1 connection: write a request, get the next response (Content-Length bodies only). */
export class Connection {
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

export function getRequest(path: string, port: number, authorization?: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`;
}

/** One NTLM logon on `conn`; throws unless the server answered 200 naming the expected user. */
export async function logon(conn: Connection, port: number, path: string, account: Account, expectUser: string): Promise<void> {
  const client = new NtlmClientContext({ credentials: { user: account.user, domain: account.domain, password: account.password }, workstation: 'WS01' });
  const first = await conn.request(getRequest(path, port, `NTLM ${client.negotiate().toString('base64')}`));
  const challenge = NTLM_CHALLENGE.exec(first.head)?.[1];
  if (first.status !== 401 || !challenge) throw new Error(`NEGOTIATE answered ${first.status} without an NTLM CHALLENGE`);
  const auth = client.authenticate(Buffer.from(challenge, 'base64')).toString('base64');
  const final = await conn.request(getRequest(path, port, `NTLM ${auth}`));
  if (final.status !== 200) throw new Error(`AUTHENTICATE answered ${final.status}`);
  if (!final.head.toLowerCase().includes(`\r\nx-auth-user: ${expectUser.toLowerCase()}\r\n`)) {
    throw new Error(`the 200 does not name ${expectUser}: ${final.head}`);
  }
}

