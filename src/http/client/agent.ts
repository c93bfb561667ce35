/**
 * http.Agent / https.Agent for code built on `http.request` (got, axios, node-fetch, SOAP
 * clients …). An NTLM handshake cannot ride on the caller's request: http.request writes it
 * before any response is seen. So each NEW socket is authenticated before it is handed over:
 * `HEAD <path>` legs (a probe, then NEGOTIATE and AUTHENTICATE, or straight to NEGOTIATE for a
 * host known to ask) run on it, and the caller's request then goes out on a connection the
 * server already trusts — its body exactly once, streams included. Sockets the agent keeps
 * alive stay authenticated; a new one gets its own handshake.
 *
 * This relies on the server authenticating connections (IIS' default, Apache
 * mod_auth_gssapi's `GssapiConnectionBound On`, ntlmgate's `persistence: 'connection'`); with a
 * server that wants every request authenticated, use the undici dispatcher instead.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { AuthScheme } from '../../policy/requests.js';
import { HttpAuthError } from './errors.js';
import { resolveAuth, type HttpAuthOptions, type ResolvedAuth } from './options.js';
import { authenticateSocket, HANDSHAKE_TIMEOUT_MS } from './socketAuth.js';

export interface NtlmAgentOptions extends HttpAuthOptions {
  /**
   * The agent whose sockets to authenticate: its options (`ca`, `rejectUnauthorized`,
   * `keepAlive`, `maxSockets`, …) and its `createConnection` are used. Default: a keep-alive
   * agent of this agent's own.
   */
  readonly agent?: http.Agent;
  /** Agent options when no `agent` is given (keepAlive defaults to true). */
  readonly agentOptions?: https.AgentOptions;
  /** Longest wait for one handshake response. Default 30 s. */
  readonly handshakeTimeoutMs?: number;
}

type RequestArgs = http.ClientRequestArgs & { readonly servername?: string };
type CreateConnection = (options: RequestArgs, callback?: (err: Error | null, stream: Duplex) => void) => Duplex | null | undefined;

const ownCreateSocket = http.Agent.prototype as unknown as { createSocket?: unknown };

/** A base agent's createConnection, as a promise (it may return the socket or call back). */
function createVia(createConnection: CreateConnection, self: unknown, options: RequestArgs): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err: Error | null, socket?: Duplex): void => {
      if (settled) return;
      settled = true;
      if (err || !socket) reject(err ?? new HttpAuthError('HANDSHAKE_FAILED', 'the agent created no socket'));
      else resolve(socket);
    };
    try {
      const socket = createConnection.call(self, options, callback);
      if (socket) callback(null, socket);
    } catch (e) {
      callback(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

/** Resolves once a just-created socket is connected (TLS: the handshake done). */
function connected(socket: Duplex): Promise<void> {
  const tls = socket instanceof TLSSocket;
  if (!tls && !(socket as Socket).connecting) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onConnected = (): void => {
      off();
      resolve();
    };
    const fail = (e?: Error): void => {
      off();
      reject(e ?? new HttpAuthError('HANDSHAKE_FAILED', 'the connection closed while connecting'));
    };
    const closed = (): void => fail();
    const off = (): void => {
      socket.removeListener(tls ? 'secureConnect' : 'connect', onConnected);
      socket.removeListener('error', fail);
      socket.removeListener('close', closed);
    };
    socket.once(tls ? 'secureConnect' : 'connect', onConnected);
    socket.once('error', fail);
    socket.once('close', closed);
  });
}

/** The handshake logic both agent classes share. */
class SocketAuthenticator {
  readonly auth: ResolvedAuth;
  private readonly known = new Map<string, AuthScheme>();
  private readonly remembered = new Map<string, Buffer>();
  private readonly timeoutMs: number;

  constructor(options: NtlmAgentOptions, base: http.Agent | undefined) {
    this.auth = resolveAuth(options);
    this.timeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    if (base !== undefined) {
      if (!(base instanceof http.Agent)) throw new HttpAuthError('BAD_OPTION', 'agent must be an http.Agent or https.Agent');
      if (base instanceof NtlmHttpAgent || base instanceof NtlmHttpsAgent) throw new HttpAuthError('BAD_OPTION', 'agent is already an NTLM agent');
      // Agents that make sockets in createSocket (agent-base, proxy agents) never call createConnection for them.
      if ((base as unknown as { createSocket?: unknown }).createSocket !== ownCreateSocket.createSocket) {
        throw new HttpAuthError('BAD_OPTION', `${base.constructor.name} creates its sockets itself (createSocket); wrap an agent that uses createConnection`);
      }
    }
  }

  async connect(options: RequestArgs, create: () => Promise<Duplex>): Promise<Duplex> {
    const first = await create();
    await connected(first);
    const hostname = (options.hostname ?? options.host ?? 'localhost').replace(/^\[|\]$/g, '');
    const tls = first instanceof TLSSocket;
    const port = Number(options.port ?? (tls ? 443 : 80));
    const key = `${tls ? 'https' : 'http'}://${hostname}:${port}`;
    const given = options.headers && !Array.isArray(options.headers) ? (options.headers as http.OutgoingHttpHeaders).host : undefined;
    const hostHeader = typeof given === 'string' ? given : `${hostname.includes(':') ? `[${hostname}]` : hostname}${port === (tls ? 443 : 80) ? '' : `:${port}`}`;
    const target = options.path ?? '/';
    const open = async (): Promise<Duplex> => {
      const socket = await create();
      await connected(socket);
      return socket;
    };
    const result = await authenticateSocket({
      auth: this.auth,
      kind: 'server',
      host: hostname,
      socket: first,
      open,
      known: this.known.get(key),
      address: (socket) => (socket as Socket).remoteAddress,
      bindings: { remembered: this.remembered, key },
      timeoutMs: this.timeoutMs,
      leg: (authorization) => ({
        method: 'HEAD',
        target,
        headers: authorization === undefined ? [['Host', hostHeader]] : [['Host', hostHeader], ['Authorization', authorization]],
      }),
    });
    if (result.scheme !== undefined) this.known.set(key, result.scheme);
    if (result.response.keepAlive) return result.socket;
    // The server closes after the handshake's last answer: the caller's request needs a new socket (it will see the 401).
    result.socket.destroy();
    return open();
  }
}

function agentOptionsOf(options: NtlmAgentOptions): https.AgentOptions {
  if (options.agent) return { ...((options.agent as unknown as { options?: https.AgentOptions }).options ?? {}) };
  // TLS session resumption off by default: a resumed session shows no certificate to bind to.
  return { keepAlive: true, maxCachedSessions: 0, ...(options.agentOptions ?? {}) };
}

function createConnectionOf(base: http.Agent | undefined, fallback: CreateConnection, self: unknown): (options: RequestArgs) => Promise<Duplex> {
  if (base === undefined) return (options) => createVia(fallback, self, options);
  const createConnection = (base as unknown as { createConnection: CreateConnection }).createConnection;
  return (options) => createVia(createConnection, base, options);
}

/** createConnection's callback form, for a socket that is ready only once its handshake is done. */
function handOver(socket: Promise<Duplex>, callback?: (err: Error | null, stream: Duplex) => void): undefined {
  socket.then(
    (ready) => callback?.(null, ready),
    (e: unknown) => callback?.(e instanceof Error ? e : new Error(String(e)), undefined as unknown as Duplex),
  );
  return undefined;
}

/** http.Agent that authenticates each new socket with NTLM / Negotiate before handing it to http.request. */
export class NtlmHttpAgent extends http.Agent {
  private readonly ntlm: SocketAuthenticator;
  private readonly create: (options: RequestArgs) => Promise<Duplex>;

  constructor(options: NtlmAgentOptions) {
    super(agentOptionsOf(options));
    this.ntlm = new SocketAuthenticator(options, options.agent);
    this.create = createConnectionOf(options.agent, http.Agent.prototype.createConnection as CreateConnection, this);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    return handOver(this.ntlm.connect(options, () => this.create(options)), callback);
  }
}

/** https.Agent that authenticates each new socket (with channel bindings to the server's certificate). */
export class NtlmHttpsAgent extends https.Agent {
  private readonly ntlm: SocketAuthenticator;
  private readonly create: (options: RequestArgs) => Promise<Duplex>;

  constructor(options: NtlmAgentOptions) {
    super(agentOptionsOf(options));
    this.ntlm = new SocketAuthenticator(options, options.agent);
    this.create = createConnectionOf(options.agent, https.Agent.prototype.createConnection as CreateConnection, this);
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    return handOver(this.ntlm.connect(options, () => this.create(options)), callback);
  }
}
