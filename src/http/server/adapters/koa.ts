/**
 * Koa middleware. Koa wraps node's request and response (`ctx.req`, `ctx.res`); the core runs
 * on those. When the core answers, `ctx.respond = false` keeps Koa from answering again.
 * Typed structurally — this package does not depend on Koa.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createIwa, type IwaCore } from '../handler.js';
import type { IwaOptions } from '../options.js';

export interface KoaContextLike {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  respond?: boolean;
  state: Record<string, unknown>;
}

/** `app.use(iwaKoa(options))`: the identity is on `ctx.state.ntlmgate` and `ctx.req.ntlmgate`. */
export function iwaKoa(options: IwaOptions): ((ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>) & IwaCore {
  const core = createIwa(options);
  const middleware = async (ctx: KoaContextLike, next: () => Promise<unknown>): Promise<void> => {
    const r = await core.authenticate(ctx.req, ctx.res);
    if (!r.authenticated) {
      ctx.respond = false;
      return;
    }
    ctx.state.ntlmgate = r.identity;
    await next();
  };
  return Object.assign(middleware, { authenticate: core.authenticate, stats: core.stats });
}
