/**
 * Express middleware (Express 4 and 5, Connect, anything with `(req, res, next)`): Express's
 * request and response extend node's, so the core runs on them directly, and `req.ntlmgate`
 * is typed through node's `IncomingMessage` (see identity.ts). Typed structurally — this
 * package does not depend on Express.
 *
 * The middleware settles every request itself: `next()` once the request is authenticated
 * and authorized, nothing when the core has answered (401/400/403/500), and `next(err)`
 * only for a fault of ours, so Express's own error handling gets it. Errors of the routes
 * after it never pass through here: Express (5: also rejected promises) routes them to its
 * error middleware as usual.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createIwa, type IwaCore } from '../handler.js';
import type { IwaOptions } from '../options.js';

export type ExpressNext = (err?: unknown) => void;

export type ExpressMiddleware = ((req: IncomingMessage, res: ServerResponse, next: ExpressNext) => void) & IwaCore;

/** `app.use(iwaExpress(options))`: `req.ntlmgate` is set for every request that reaches the next middleware. */
export function iwaExpress(options: IwaOptions): ExpressMiddleware {
  const core = createIwa(options);
  const middleware = (req: IncomingMessage, res: ServerResponse, next: ExpressNext): void => {
    core.authenticate(req, res).then(
      (r) => {
        if (r.authenticated) next();
      },
      (e: unknown) => next(e),
    );
  };
  return Object.assign(middleware, { authenticate: core.authenticate, stats: core.stats });
}
