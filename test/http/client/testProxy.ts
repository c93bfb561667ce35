/**
 * A small forward proxy for the client tests that asks for `Negotiate` or `NTLM` (407) and
 * validates with our own acceptor contexts — for what the Squid peer does not do (Negotiate,
 * a proxy that closes after its first 407). Per client connection: request heads are read
 * until the proxy handshake completes; then a CONNECT gets `200` and a raw tunnel, and an
 * absolute-form request opens ONE upstream connection to the origin, pinned to this client
 * connection for its life (as Squid pins NTLM-authenticated connections).
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import { NtlmServerContext } from '../../../src/ntlm/serverContext.js';
import { NegotiateServerContext } from '../../../src/spnego/negotiateServer.js';
import { testAuthority } from '../server/helpers.js';

export interface TestProxy {
  readonly url: string;
  readonly port: number;
  /** Request lines the proxy saw (`CONNECT host:port`, `GET http://…`) with the Proxy-Authorization scheme or `-`. */
  readonly seen: string[];
  /** Accounts that completed the proxy handshake. */
  readonly users: string[];
  readonly connections: number;
  close(): Promise<void>;
}

export interface TestProxyOptions {
  readonly scheme: 'Negotiate' | 'NTLM';
  /** Close the connection after a 407 that carries no token (some proxies do). */
  readonly closeAfterBare407?: boolean;
}

interface Head {
  readonly method: string;
  readonly target: string;
  readonly headers: Map<string, string>;
  readonly raw: string;
}

function parseHead(text: string): Head {
  const [line = '', ...rest] = text.split('\r\n');
  const [method = '', target = ''] = line.split(' ');
  const headers = new Map<string, string>();
  for (const l of rest) {
    const c = l.indexOf(':');
    if (c > 0) headers.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
  }
  return { method, target, headers, raw: text };
}

export async function startTestProxy(o: TestProxyOptions): Promise<TestProxy> {
  const seen: string[] = [];
  const users: string[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = net.createServer((client) => {
    connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let ctx: NtlmServerContext | NegotiateServerContext | undefined;
    let busy = false;
    let handedOver = false;

    const answer407 = (token?: Buffer, close = false): void => {
      const challenge = token ? `${o.scheme} ${token.toString('base64')}` : o.scheme;
      const body = 'proxy authentication required\n';
      client.write(
        `HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: ${challenge}\r\nContent-Length: ${body.length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n${body}`,
      );
      if (close) client.end();
    };

    const pump = async (): Promise<void> => {
      if (busy || handedOver) return;
      busy = true;
      try {
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = parseHead(buf.subarray(0, end).toString('latin1'));
          const length = Number(head.headers.get('content-length') ?? '0');
          if (buf.length < end + 4 + length) return;
          const body = buf.subarray(end + 4, end + 4 + length);
          buf = buf.subarray(end + 4 + length);
          const auth = head.headers.get('proxy-authorization');
          seen.push(`${head.method} ${head.target} ${auth?.split(' ')[0] ?? '-'}`);
          if (!auth || !auth.toLowerCase().startsWith(`${o.scheme.toLowerCase()} `)) {
            ctx = undefined;
            answer407(undefined, o.closeAfterBare407 === true);
            if (o.closeAfterBare407) return;
            continue;
          }
          const token = Buffer.from(auth.slice(o.scheme.length + 1), 'base64');
          const options = { authority: testAuthority(), netbiosComputerName: 'PROXY1', netbiosDomainName: 'CORP', dnsComputerName: 'proxy1.corp.example.test', dnsDomainName: 'corp.example.test' };
          if (token.readUInt32LE(8) === 1 || token[0] === 0x60) ctx = o.scheme === 'NTLM' ? new NtlmServerContext(options) : new NegotiateServerContext(options);
          if (!ctx) {
            answer407();
            continue;
          }
          const step = await ctx.step(token);
          if (step.status === 'continue') {
            answer407(step.token);
            continue;
          }
          ctx = undefined;
          if (step.status === 'failed') {
            answer407();
            continue;
          }
          const logon = 'ntlm' in step.result ? step.result.ntlm : step.result;
          users.push(`${logon.domain}\\${logon.user}`);
          handedOver = true;
          // Authenticated: hand the connection over to the target.
          if (head.method === 'CONNECT') {
            const [host = '', port = ''] = head.target.split(/:(?=\d+$)/);
            const up = net.connect({ host: host.replace(/^\[|\]$/g, ''), port: Number(port) }, () => {
              client.write('HTTP/1.1 200 Connection established\r\n\r\n');
              if (buf.length > 0) up.write(buf);
              client.removeAllListeners('data');
              client.pipe(up).pipe(client);
            });
            up.on('error', () => client.destroy());
            client.on('close', () => up.destroy());
          } else {
            const url = new URL(head.target);
            const up = net.connect({ host: url.hostname, port: Number(url.port || 80) }, () => {
              const lines = head.raw.split('\r\n').filter((l) => !/^proxy-authorization:/i.test(l));
              up.write(`${lines.join('\r\n')}\r\n\r\n`);
              up.write(body);
              if (buf.length > 0) up.write(buf);
              client.removeAllListeners('data');
              client.pipe(up).pipe(client);
            });
            up.on('error', () => client.destroy());
            client.on('close', () => up.destroy());
          }
          return;
        }
      } finally {
        busy = false;
      }
    };
    client.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      void pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    users,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
