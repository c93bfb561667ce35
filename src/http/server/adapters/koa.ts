/**
 * Koa middleware. Koa wraps node's request and response (`ctx.req`, `ctx.res`); the core runs
 * on those and, when it answers (401/400/403/500), has already written the response:
 * `ctx.respond = false` then keeps Koa from writing it a second time, and the middleware does
 * not call `next()`. Middleware before this one still sees the outcome (`ctx.status` reads the
 * response's status). Errors thrown after `next()` propagate to Koa's own error handling
 * (`ctx.onerror`, `app.on('error')`) untouched. Typed structurally — this package does not
 * depend on Koa.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createIwa, type IwaCore } from '../handler.js';
import type { IwaIdentity } from '../identity.js';
import type { IwaOptions } from '../options.js';

/** What the middleware adds to `ctx.state` for the middleware after it. */
export interface IwaKoaState {
  ntlmgate: IwaIdentity;
}

/**
 * The part of Koa's context the middleware uses. Its `state` type is what Koa's `app.use`
 * infers as the state this middleware contributes, so `app.use(iwaKoa(o)).use((ctx) => …)`
 * sees `ctx.state.ntlmgate` typed (on a plain `new Koa()` the default state is `any`).
 */
export interface KoaContextLike {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  respond?: boolean;
  state: IwaKoaState;
}

export type KoaMiddleware = ((ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>) & IwaCore;

/** `app.use(iwaKoa(options))`: the identity is on `ctx.state.ntlmgate` (and `ctx.req.ntlmgate`). */
export function iwaKoa(options: IwaOptions): KoaMiddleware {
  const core = createIwa(options);
  const middleware = async (ctx: KoaContextLike, next: () => Promise<unknown>): Promise<void> => {
    const r = await core.authenticate(ctx.req, ctx.res);
    if (!r.authenticated) {
      // Answered (or the client is gone, or an HTTP/2 stream was reset): nothing left for Koa to send.
      ctx.respond = false;
      return;
    }
    ctx.state.ntlmgate = r.identity;
    await next();
  };
  return Object.assign(middleware, { authenticate: core.authenticate, stats: core.stats });
}
