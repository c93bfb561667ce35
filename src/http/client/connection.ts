/**
 * One pinned connection: an undici Client with pipelining 1 (one socket at a time, one request
 * at a time — the pool never hands a busy connection to a second request). The Client may open
 * a new socket behind our back (the server closed the idle one, a request was retried); every
 * socket it opens goes through our connect function, which counts it, so "authenticated" is
 * always "authenticated on THIS socket" and a reconnect silently makes the connection
 * unauthenticated again.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client, type buildConnector } from 'undici';
import type { AuthTargetKind } from './errors.js';
import { channelBindingsOf } from './socketAuth.js';

export type ClientOptions = Omit<Client.Options, 'connect' | 'pipelining' | 'interceptors' | 'allowH2'>;

export class PinnedConnection {
  readonly client: Client;
  /** Sockets opened so far; the current one's number. */
  generation = 0;
  busy = false;
  private socket: Duplex | undefined;
  private readonly authenticatedOn: Record<AuthTargetKind, number> = { server: -1, proxy: -1 };
  private bindings: { readonly generation: number; readonly value: Buffer | undefined } | undefined;

  constructor(
    url: URL,
    options: ClientOptions,
    open: (connectOptions: buildConnector.Options) => Promise<Duplex>,
    /** Bindings of earlier full TLS handshakes with this peer (a resumed session has no certificate). */
    private readonly remembered?: { readonly map: Map<string, Buffer>; readonly key: string },
  ) {
    this.client = new Client(url, {
      ...options,
      pipelining: 1,
      connect: (connectOptions, callback) => {
        open(connectOptions).then(
          (socket) => {
            this.attach(socket);
            callback(null, socket as Socket);
          },
          (e: unknown) => callback(e instanceof Error ? e : new Error(String(e)), null),
        );
      },
    });
  }

  private attach(socket: Duplex): void {
    this.generation++;
    this.socket = socket;
    socket.once('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
  }

  /** Whether the connection has a live socket. */
  get alive(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  isAuthenticated(kind: AuthTargetKind): boolean {
    return this.alive && this.authenticatedOn[kind] === this.generation;
  }

  markAuthenticated(kind: AuthTargetKind, generation: number): void {
    this.authenticatedOn[kind] = generation;
  }

  forget(kind: AuthTargetKind): void {
    this.authenticatedOn[kind] = -1;
  }

  /** tls-server-end-point data of the current socket's certificate (computed once per socket). */
  channelBindings(): Buffer | undefined {
    if (this.bindings?.generation !== this.generation) this.bindings = { generation: this.generation, value: channelBindingsOf(this.socket, this.remembered?.map, this.remembered?.key) };
    return this.bindings.value;
  }

  /** The current socket's peer address (meaningful for a direct connection). */
  remoteAddress(): string | undefined {
    return (this.socket as { remoteAddress?: string } | undefined)?.remoteAddress;
  }
}
