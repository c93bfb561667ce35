/**
 * An HTTP proxy that may ask for NTLM or Negotiate (407, `Proxy-Authenticate`): its options,
 * and the CONNECT tunnel with the proxy handshake run on the tunnel's own connection. The
 * origin's handshake (if any) then runs inside the tunnel, bound to the origin's certificate.
 */
import type { Duplex } from 'node:stream';
import type { AuthScheme } from '../../policy/requests.js';
import type { HttpCredentials } from './credentials.js';
import { HttpAuthError, ProxyConnectError } from './errors.js';
import { bareHost, resolveAuth, type HttpAuthOptions, type ResolvedAuth } from './options.js';
import { authenticateSocket } from './socketAuth.js';

export interface HttpProxyOptions {
  /** `http://proxy:3128` (or `https://…` for TLS to the proxy). */
  readonly url: string | URL;
  /** The account for the proxy. Default: the one for servers. */
  readonly credentials?: HttpCredentials;
  /**
   * Send plain-HTTP requests through a CONNECT tunnel too, so that NTLM to the origin never
   * depends on the proxy pinning its upstream connections. Default false: absolute-form
   * requests (`GET http://host/path`). `https:` origins always tunnel.
   */
  readonly tunnel?: boolean;
}

/** A proxy as the client uses it: where it is, who to log on as, and what it was seen to want. */
export class ProxyRoute {
  readonly url: URL;
  readonly host: string;
  readonly port: number;
  readonly auth: ResolvedAuth;
  readonly tunnelAll: boolean;
  /** The scheme the proxy asked for last time: the next connection starts its handshake at once. */
  learned: AuthScheme | undefined;

  constructor(options: string | URL | HttpProxyOptions, base: HttpAuthOptions) {
    const proxyOptions: HttpProxyOptions = typeof options === 'string' || options instanceof URL ? { url: options } : options;
    let url: URL;
    try {
      url = new URL(String(proxyOptions.url));
    } catch {
      throw new HttpAuthError('BAD_OPTION', `proxy: not a URL: ${String(proxyOptions.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpAuthError('BAD_OPTION', `proxy: ${url.protocol} proxies are not supported (http: or https:)`);
    if (url.username !== '' || url.password !== '') throw new HttpAuthError('BAD_OPTION', 'proxy: put credentials in the credentials option, not in the URL');
    this.url = url;
    this.host = bareHost(url);
    this.port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    this.auth = resolveAuth({ ...base, credentials: proxyOptions.credentials ?? base.credentials });
    this.tunnelAll = proxyOptions.tunnel ?? false;
  }

  /** Whether requests to this origin go through a CONNECT tunnel. */
  tunnels(origin: URL): boolean {
    return origin.protocol === 'https:' || this.tunnelAll;
  }

  /**
   * Opens a tunnel to host:port: CONNECT, with the proxy's handshake if it answers 407 (on the
   * same connection; on a new one if the proxy closes it). Resolves with the tunnel's socket;
   * a refusal is a ProxyConnectError with the proxy's status.
   */
  async tunnel(targetHost: string, targetPort: number, connect: () => Promise<Duplex>): Promise<Duplex> {
    const authority = `${targetHost.includes(':') ? `[${targetHost}]` : targetHost}:${targetPort}`;
    const first = await connect();
    const result = await authenticateSocket({
      auth: this.auth,
      kind: 'proxy',
      host: this.host,
      socket: first,
      open: connect,
      known: this.learned,
      address: (socket) => (socket as { remoteAddress?: string }).remoteAddress,
      leg: (authorization) => ({
        method: 'CONNECT',
        target: authority,
        headers: authorization === undefined ? [['Host', authority]] : [['Host', authority], ['Proxy-Authorization', authorization]],
      }),
    });
    if (result.scheme !== undefined) this.learned = result.scheme;
    const status = result.response.head.statusCode;
    if (status >= 200 && status < 300) return result.socket;
    result.socket.destroy();
    throw new ProxyConnectError(status, `proxy ${this.url.host} refused CONNECT ${authority}: ${status} ${result.response.head.statusMessage}`.trim());
  }
}
