/**
 * NTLM / Negotiate for axios (its Node http adapter), without importing axios: a request
 * interceptor swaps each request's `httpAgent` / `httpsAgent` for an NTLM agent built AROUND
 * the one the caller configured (on the request or the instance defaults) — its TLS options,
 * keep-alive and socket limits stay in force — so nothing of the caller's set-up is thrown away.
 * One NTLM agent is kept per caller agent (and one each for requests that set none).
 *
 * axios' own `proxy` option and the `fetch` adapter bypass agents; use NtlmDispatcher for
 * proxies (or with the fetch adapter via `fetchOptions: { dispatcher }`).
 */
import http from 'node:http';
import { NtlmHttpAgent, NtlmHttpsAgent, type NtlmAgentOptions } from './agent.js';
import { HttpAuthError } from './errors.js';
import { resolveAuth, type HttpAuthOptions } from './options.js';

/** The part of an axios request config this module reads and writes. */
export interface AxiosConfigLike {
  httpAgent?: unknown;
  httpsAgent?: unknown;
}

/** The part of an axios instance this module uses (AxiosInstance fits it). */
export interface AxiosLike<C extends AxiosConfigLike = AxiosConfigLike> {
  readonly interceptors: {
    readonly request: {
      use(onFulfilled: (config: C) => C | Promise<C>): number;
      eject(id: number): void;
    };
  };
}

export interface NtlmAxiosOptions extends HttpAuthOptions {
  /** Longest wait for one handshake response. Default 30 s. */
  readonly handshakeTimeoutMs?: number;
}

/** The config transform on its own (for `instance.interceptors.request.use(...)` by hand). */
export function ntlmAxiosRequestInterceptor(options: NtlmAxiosOptions): <C extends AxiosConfigLike>(config: C) => C {
  const wrapped = new WeakMap<http.Agent, NtlmHttpAgent | NtlmHttpsAgent>();
  const base: NtlmAgentOptions = options;
  let defaultHttp: NtlmHttpAgent | undefined;
  let defaultHttps: NtlmHttpsAgent | undefined;
  // Fail at set-up, not on the first request, when the options cannot work.
  resolveAuth(options);

  const wrap = (agent: unknown, kind: 'http' | 'https'): NtlmHttpAgent | NtlmHttpsAgent => {
    if (agent instanceof NtlmHttpAgent || agent instanceof NtlmHttpsAgent) return agent;
    if (agent === undefined || agent === null) {
      if (kind === 'https') return (defaultHttps ??= new NtlmHttpsAgent(base));
      return (defaultHttp ??= new NtlmHttpAgent(base));
    }
    if (!(agent instanceof http.Agent)) throw new HttpAuthError('BAD_OPTION', `${kind}Agent must be an http.Agent / https.Agent`);
    let ntlmAgent = wrapped.get(agent);
    if (!ntlmAgent) {
      ntlmAgent = kind === 'https' ? new NtlmHttpsAgent({ ...base, agent }) : new NtlmHttpAgent({ ...base, agent });
      wrapped.set(agent, ntlmAgent);
    }
    return ntlmAgent;
  };

  return <C extends AxiosConfigLike>(config: C): C => {
    config.httpAgent = wrap(config.httpAgent, 'http');
    config.httpsAgent = wrap(config.httpsAgent, 'https');
    return config;
  };
}

/**
 * Installs NTLM / Negotiate on an axios instance; returns the interceptor id (for
 * `instance.interceptors.request.eject(id)`).
 */
export function ntlmAxios<C extends AxiosConfigLike>(instance: AxiosLike<C>, options: NtlmAxiosOptions): number {
  if (!instance?.interceptors?.request || typeof instance.interceptors.request.use !== 'function') {
    throw new HttpAuthError('BAD_OPTION', 'ntlmAxios needs an axios instance (axios.create())');
  }
  const transform = ntlmAxiosRequestInterceptor(options);
  return instance.interceptors.request.use((config) => transform(config));
}
