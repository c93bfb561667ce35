/**
 * The HTTP client side of Integrated Windows Authentication: NTLM and Negotiate for 401 (servers)
 * and 407 (proxies), under the outgoing Restrict-NTLM policy, with channel bindings and audit.
 * - NtlmDispatcher: an undici Dispatcher (fetch, undici.request, compose)
 * - ntlmInterceptor: the same as an undici 7 interceptor
 * - NtlmHttpAgent / NtlmHttpsAgent: for http.request and libraries built on it
 * - ntlmAxios: axios, keeping the caller's agents
 * - PinnableTransport: NtlmDispatcher's connections bound one key each (a gateway's upstream)
 */
export { NtlmDispatcher, type NtlmDispatcherOptions, type NtlmDispatcherStats } from './dispatcher.js';
export { ntlmInterceptor, type NtlmInterceptor, type NtlmInterceptorOptions } from './interceptor.js';
export { NtlmHttpAgent, NtlmHttpsAgent, type NtlmAgentOptions } from './agent.js';
export { ntlmAxios, ntlmAxiosRequestInterceptor, type AxiosConfigLike, type AxiosLike, type NtlmAxiosOptions } from './axios.js';
export type { AuthLeg, HttpAuthOptions } from './options.js';
export type { HttpCredentials } from './credentials.js';
export type { HttpProxyOptions } from './proxy.js';
export type { PoolStats } from './pool.js';
export type { PinnableTransport, PinOptions } from './pinning.js';
export type { ClientOptions as NtlmClientConnectionOptions } from './connection.js';
export { parseChallenges, type AuthChallenge } from './challenge.js';
export { HttpAuthError, NtlmPolicyBlockedError, ProxyConnectError, type AuthTargetKind, type HttpAuthErrorCode } from './errors.js';
