/**
 * Fastify: an `onRequest` hook (the earliest, before body parsing: a 401 should not wait for an
 * upload) and a plugin that installs it for the whole instance. Typed structurally — this
 * package does not depend on Fastify. When the core answers, the reply is hijacked so Fastify
 * does not answer a second time.
 */
import { createIwa, type IwaCore } from '../handler.js';
import type { IwaIdentity } from '../identity.js';
import type { IwaOptions } from '../options.js';
import type { IwaRequest, IwaResponse } from '../request.js';

export interface FastifyRequestLike {
  readonly raw: IwaRequest;
  ntlmgate?: IwaIdentity | null;
}

export interface FastifyReplyLike {
  readonly raw: IwaResponse;
  hijack(): unknown;
}

export interface FastifyInstanceLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<void>): unknown;
  decorateRequest(name: 'ntlmgate', value: null): unknown;
  hasRequestDecorator?(name: string): boolean;
}

export type FastifyHook = ((request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<void>) & IwaCore;

/** `fastify.addHook('onRequest', iwaFastifyHook(options))`. */
export function iwaFastifyHook(options: IwaOptions): FastifyHook {
  const core = createIwa(options);
  const hook = async (request: FastifyRequestLike, reply: FastifyReplyLike): Promise<void> => {
    const r = await core.authenticate(request.raw, reply.raw);
    if (r.authenticated) request.ntlmgate = r.identity;
    else reply.hijack();
  };
  return Object.assign(hook, { authenticate: core.authenticate, stats: core.stats });
}

export type FastifyPlugin = ((instance: FastifyInstanceLike, options: IwaOptions, done: (err?: Error) => void) => void) & {
  readonly [key: symbol]: unknown;
};

/**
 * `fastify.register(iwaFastify, options)`. Marked skip-override (what fastify-plugin does),
 * so the hook covers the routes of the instance that registered it, not only a child scope.
 */
export const iwaFastify: FastifyPlugin = Object.assign(
  (instance: FastifyInstanceLike, options: IwaOptions, done: (err?: Error) => void): void => {
    try {
      const hook = iwaFastifyHook(options);
      if (!instance.hasRequestDecorator?.('ntlmgate')) instance.decorateRequest('ntlmgate', null);
      instance.addHook('onRequest', hook);
      done();
    } catch (e) {
      done(e instanceof Error ? e : new Error(String(e)));
    }
  },
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'ntlmgate' },
);
