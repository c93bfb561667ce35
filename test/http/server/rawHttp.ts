/**
 * HTTP/1.1 over a bare socket, for tests that must choose a connection's source address and
 * keep it open and idle (half-open handshakes): one request at a time, answers that carry
 * Content-Length (as the IWA handler's do).
 */
import net from 'node:net';

export interface RawAnswer {
  readonly status: number;
  /** The status line and headers, without the blank line. */
  readonly head: string;
}

/** A keep-alive connection to 127.0.0.1:`port` from `localAddress` (any of 127.0.0.0/8 on Linux). */
export function connectFrom(port: number, localAddress = '127.0.0.1'): net.Socket {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.setNoDelay(true);
  return socket;
}

/** Sends `GET /` with this Authorization on `socket` and reads the whole answer. */
export function exchange(socket: net.Socket, authorization: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /\r\ncontent-length: *(\d+)/i.exec(buf.slice(0, end));
      if (buf.length < end + 4 + Number(length?.[1] ?? 0)) return;
      off();
      resolve({ status: Number(buf.slice(9, 12)), head: buf.slice(0, end) });
    };
    const onError = (e: Error): void => {
      off();
      reject(e);
    };
    const onClose = (): void => onError(new Error('the connection closed before the answer'));
    const off = (): void => {
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
    };
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.write(`GET / HTTP/1.1\r\nHost: web1\r\nAuthorization: ${authorization}\r\n\r\n`);
  });
}

/** The token of the answer's `WWW-Authenticate: <scheme> <token>`, if any. */
export function challengeOf(a: RawAnswer, scheme = 'NTLM'): Buffer | undefined {
  for (const line of a.head.split('\r\n')) {
    const m = /^www-authenticate: *(\S+) +([A-Za-z0-9+/=]+) *$/i.exec(line);
    if (m?.[1]?.toLowerCase() === scheme.toLowerCase() && m[2]) return Buffer.from(m[2], 'base64');
  }
  return undefined;
}

/** Each `WWW-Authenticate` value of the answer, in order. */
export function wwwAuthenticateOf(a: RawAnswer): string[] {
  return a.head
    .split('\r\n')
    .filter((l) => /^www-authenticate:/i.test(l))
    .map((l) => l.slice(l.indexOf(':') + 1).trim());
}
