/**
 * Express middleware (also Connect and anything with `(req, res, next)`): Express's request and
 * response extend node's, so the core runs on them directly. Typed structurally — this package
 * does not depend on Express.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createIwa, type IwaCore } from '../handler.js';
import type { IwaOptions } from '../options.js';

export type ExpressNext = (err?: unknown) => void;

/** `app.use(iwaExpress(options))`: `req.ntlmgate` is set for every request that reaches the next middleware. */
export function iwaExpress(options: IwaOptions): ((req: IncomingMessage, res: ServerResponse, next: ExpressNext) => void) & IwaCore {
  const core = createIwa(options);
  const middleware = (req: IncomingMessage, res: ServerResponse, next: ExpressNext): void => {
    core.authenticate(req, res).then((r) => {
      if (r.authenticated) next();
    }, next);
  };
  return Object.assign(middleware, { authenticate: core.authenticate, stats: core.stats });
}
