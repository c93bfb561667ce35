/**
 * Pipelined requests on one connection are answered in order and judged in order: a
 * header-less request sent right behind an AUTHENTICATE waits for that logon's outcome
 * (admitted after a good one, 401 after a bad one), and header-less requests of an
 * authenticated connection go through without a handshake while a new one is queued behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { NtlmClientContext } from '../../../src/ntlm/clientContext.js';
import { ALICE, startServer, type Credentials } from './helpers.js';

interface Raw {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/** A raw HTTP/1.1 connection that reads Content-Length responses in order. */
class Pipe {
  private buf = Buffer.alloc(0);
  private readonly waiting: ((r: Raw) => void)[] = [];
  private readonly ready: Raw[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = this.buf.toString('latin1', 0, end);
        const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (this.buf.length < end + 4 + len) return;
        const r = { status: Number(head.slice(9, 12)), head, body: this.buf.toString('utf8', end + 4, end + 4 + len) };
        this.buf = this.buf.subarray(end + 4 + len);
        const w = this.waiting.shift();
        if (w) w(r);
        else this.ready.push(r);
      }
    });
  }

  static open(port: number): Promise<Pipe> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Pipe(s)));
      s.once('error', reject);
    });
  }

  /** Writes all the requests in one go (pipelined). */
  send(...requests: string[]): void {
    this.socket.write(requests.join(''));
  }

  next(): Promise<Raw> {
    const r = this.ready.shift();
    return r ? Promise.resolve(r) : new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}

const get = (authorization?: string): string => `GET / HTTP/1.1\r\nHost: x\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`;

/** NEGOTIATE → CHALLENGE on `pipe`; returns the AUTHENTICATE header value. */
async function authenticateHeader(pipe: Pipe, who: Credentials): Promise<string> {
  const client = new NtlmClientContext({ credentials: who, workstation: 'WS01' });
  pipe.send(get(`NTLM ${client.negotiate().toString('base64')}`));
  const challenge = await pipe.next();
  const token = /\r\nwww-authenticate: NTLM (\S+)/i.exec(challenge.head)?.[1];
  assert.equal(challenge.status, 401);
  assert.ok(token);
  return `NTLM ${client.authenticate(Buffer.from(token, 'base64')).toString('base64')}`;
}

describe('pipelined requests on one connection', () => {
  it('a header-less request pipelined behind the AUTHENTICATE is admitted as the new user', async () => {
    const s = await startServer();
    const pipe = await Pipe.open(s.port);
    try {
      const auth = await authenticateHeader(pipe, ALICE);
      pipe.send(get(auth), get(), get());
      for (let i = 0; i < 3; i++) {
        const r = await pipe.next();
        assert.equal(r.status, 200, `response ${i}`);
        assert.equal((JSON.parse(r.body) as { name?: string }).name, 'CORP\\alice');
      }
    } finally {
      pipe.close();
      await s.close();
    }
  });

  it('behind a refused AUTHENTICATE, the pipelined requests are 401', async () => {
    const s = await startServer();
    const pipe = await Pipe.open(s.port);
    try {
      const auth = await authenticateHeader(pipe, { ...ALICE, password: 'wrong' });
      pipe.send(get(auth), get(), get());
      for (let i = 0; i < 3; i++) assert.equal((await pipe.next()).status, 401, `response ${i}`);
    } finally {
      pipe.close();
      await s.close();
    }
  });

  it('on an authenticated connection, header-less requests pass and a pipelined new NEGOTIATE drops the identity after them', async () => {
    const s = await startServer();
    const pipe = await Pipe.open(s.port);
    try {
      pipe.send(get(await authenticateHeader(pipe, ALICE)));
      assert.equal((await pipe.next()).status, 200);
      const again = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' });
      pipe.send(get(), get(), get(`NTLM ${again.negotiate().toString('base64')}`), get());
      assert.equal((await pipe.next()).status, 200);
      assert.equal((await pipe.next()).status, 200);
      const challenge = await pipe.next();
      assert.equal(challenge.status, 401);
      assert.match(challenge.head, /\r\nwww-authenticate: NTLM \S+/i, 'a CHALLENGE for the new handshake');
      assert.equal((await pipe.next()).status, 401, 'the connection is no longer authenticated');
    } finally {
      pipe.close();
      await s.close();
    }
  });
});
