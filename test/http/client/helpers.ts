/**
 * Plumbing for the HTTP client tests: our own IWA server (the handler of src/http/server) with
 * an application that echoes the identity and hashes the request body, instrumented to count
 * the sockets it accepted, the bytes it read and every request it saw (with or without an
 * Authorization header) — so a test can tell how many connections a client used and whether a
 * body crossed the wire more than once.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, before } from 'node:test';
import { iwa } from '../../../src/http/server/handler.js';
import type { IwaLogEntry } from '../../../src/http/server/log.js';
import type { IwaOptions } from '../../../src/http/server/options.js';
import { baseOptions, makeCertificate, MemorySink, type TestCertificate } from '../server/helpers.js';

export { ALICE, BOB, MemorySink, makeCertificate, type TestCertificate } from '../server/helpers.js';

/** What the echo application answers (and the request it saw). */
export interface ClientEcho {
  readonly user?: string;
  readonly name?: string;
  readonly scheme?: string;
  readonly ntlmVersion?: string;
  readonly micPresent?: boolean;
  readonly channelBindings?: string;
  readonly channelBindingsVerified?: boolean;
  readonly method: string;
  readonly url: string;
  readonly bodyBytes: number;
  readonly sha256: string;
}

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly contentLength: string | undefined;
  readonly chunked: boolean;
  readonly socket: Socket;
}

export interface IwaTestServer {
  readonly url: string;
  readonly port: number;
  readonly sink: MemorySink;
  /** The IWA handler's log entries (why a logon failed). */
  readonly logs: IwaLogEntry[];
  readonly server: http.Server | https.Server;
  /** Every socket the server accepted. */
  readonly sockets: Socket[];
  /** Every request head, in arrival order (401 legs included). */
  readonly seen: SeenRequest[];
  /** Bytes read from all sockets so far (request heads and bodies). */
  bytesRead(): number;
  close(): Promise<void>;
}

export async function startIwaServer(
  extra: Partial<IwaOptions> = {},
  o: { readonly tls?: { readonly key: string; readonly cert: string }; readonly host?: string } = {},
): Promise<IwaTestServer> {
  const sink = new MemorySink();
  const sockets: Socket[] = [];
  const seen: SeenRequest[] = [];
  const logs: IwaLogEntry[] = [];
  const app = iwa(baseOptions({ audit: sink, serviceName: 'intranet', log: (e) => logs.push(e), ...extra }))((req, res) => {
    // `?download=N`: answer N bytes (for backpressure and abort tests).
    const download = /[?&]download=(\d+)/.exec(req.url ?? '');
    if (download) {
      const total = Number(download[1]);
      const chunk = Buffer.alloc(64 * 1024, 0x78);
      res.setHeader('Content-Length', total);
      let sent = 0;
      const more = (): void => {
        while (sent < total) {
          const n = Math.min(chunk.length, total - sent);
          sent += n;
          if (!res.write(chunk.subarray(0, n))) return void res.once('drain', more);
        }
        res.end();
      };
      req.resume();
      more();
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      const id = req.ntlmgate;
      const echo: ClientEcho = {
        user: id?.user,
        name: id?.name,
        scheme: id?.scheme,
        ntlmVersion: id?.ntlm?.version,
        micPresent: id?.ntlm?.micPresent,
        channelBindings: id?.ntlm?.channelBindings,
        channelBindingsVerified: id?.ntlm?.channelBindingsVerified,
        method: req.method ?? '',
        url: req.url ?? '',
        bodyBytes: bytes,
        sha256: hash.digest('hex'),
      };
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(echo));
    });
  });
  const httpOptions = { maxHeaderSize: 64 * 1024, keepAliveTimeout: 30_000 };
  const server = o.tls ? https.createServer({ ...httpOptions, key: o.tls.key, cert: o.tls.cert }) : http.createServer(httpOptions);
  server.on(o.tls ? 'secureConnection' : 'connection', (s: Socket) => sockets.push(s));
  // Registered before the IWA listener: sees every request head, touches no body.
  server.on('request', (req: http.IncomingMessage) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      contentLength: req.headers['content-length'],
      chunked: /chunked/i.test(req.headers['transfer-encoding'] ?? ''),
      socket: req.socket,
    });
  });
  server.on('request', app);
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${o.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    sink,
    logs,
    server,
    sockets,
    seen,
    bytesRead: () => sockets.reduce((n, s) => n + s.bytesRead, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `size` pseudo-random bytes as a stream in 64 KiB chunks, and their SHA-256. */
export function randomStream(size: number, seed = 1): { stream: () => Readable; sha256: string } {
  const chunk = 64 * 1024;
  const make = function* (): Generator<Buffer> {
    let state = seed >>> 0;
    for (let sent = 0; sent < size; sent += chunk) {
      const b = Buffer.alloc(Math.min(chunk, size - sent));
      for (let i = 0; i < b.length; i += 4) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        if (i + 4 <= b.length) b.writeUInt32LE(state, i);
        else b[i] = state & 0xff;
      }
      yield b;
    }
  };
  const hash = createHash('sha256');
  for (const b of make()) hash.update(b);
  return { stream: () => Readable.from(make(), { objectMode: false }), sha256: hash.digest('hex') };
}

/** Distinct client sockets among the requests seen. */
export function socketsUsed(seen: readonly SeenRequest[]): number {
  return new Set(seen.map((s) => s.socket)).size;
}

/**
 * For the enclosing describe block: a fresh self-signed certificate and an IWA server over
 * HTTPS with Extended Protection `require`, started before the block's tests and closed after
 * them. Read `tls.server` and `tls.cert` inside the tests (they exist once `before` has run).
 */
export function httpsEpaServerForSuite(): { readonly server: IwaTestServer; readonly cert: TestCertificate } {
  let server: IwaTestServer | undefined;
  let cert: TestCertificate | undefined;
  before(async () => {
    cert = makeCertificate();
    server = await startIwaServer({ extendedProtection: 'require' }, { tls: cert });
  });
  after(async () => {
    await server?.close();
    cert?.cleanup();
  });
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('httpsEpaServerForSuite: read the server inside a test, after before() ran');
    return v;
  };
  return {
    get server() {
      return ready(server);
    },
    get cert() {
      return ready(cert);
    },
  };
}
