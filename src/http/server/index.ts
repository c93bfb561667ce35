/**
 * Integrated Windows Authentication for node:http / node:https (and, via adapters, Express,
 * Fastify and Koa): connection-bound NTLM and Negotiate handshakes, Extended Protection,
 * Restrict-NTLM policy with its events, allow-lists, and signed identity headers.
 */
export { createIwa, createIwaHandler, iwa, type IwaApplication, type IwaCore, type IwaHandler, type IwaOutcome, type IwaStats } from './handler.js';
export { IwaOptionsError, type IwaOptions } from './options.js';
export type { IwaIdentity, IwaNtlmDetails } from './identity.js';
export type { IwaLogEntry, IwaLogLevel, IwaLogReason } from './log.js';
export { AUTH_PROVIDERS, parseAuthorization, type ParsedAuthorization, type AuthProvider } from './providers.js';
export type { AllowList } from './authorization.js';
export type { ExtendedProtectionMode, ExtendedProtectionSetting } from './epa.js';
export type { ConnectionStats } from './connectionState.js';
export type { IwaRequest, IwaResponse } from './request.js';
export {
  IDENTITY_HEADERS,
  IDENTITY_HEADER_PREFIX,
  DEFAULT_STRIPPED_HEADERS,
  IdentityHeaderMatcher,
  MIN_SECRET_BYTES,
  signIdentityHeaders,
  stripIdentityHeaders,
  verifyIdentityHeaders,
  type HeaderSource,
  type IdentityHeaderFailure,
  type SignableIdentity,
  type VerifiedIdentity,
  type VerifyIdentityResult,
} from './identityHeaders.js';
export { HTTP_1_1_REQUIRED, carriesConnectionAuth, http2Fallback, http2Guard, type Http2FallbackOptions } from './http2.js';
export { iwaExpress, type ExpressMiddleware, type ExpressNext } from './adapters/express.js';
export { iwaFastify, iwaFastifyHook, type FastifyHeaderValue, type FastifyHook, type FastifyInstanceLike, type FastifyPlugin, type FastifyReplyLike, type FastifyRequestLike } from './adapters/fastify.js';
export { iwaKoa, type IwaKoaState, type KoaContextLike, type KoaMiddleware } from './adapters/koa.js';
