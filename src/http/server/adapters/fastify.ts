/**
 * Fastify: an `onRequest` hook (the earliest, before body parsing: a 401 should not wait for
 * an upload) and a plugin that installs it. Typed structurally — this package does not depend
 * on Fastify and never loads it; the one reference to it is the type declaration below.
 *
 * - The core answers on `reply.raw`. Headers an earlier hook set through Fastify
 *   (`reply.header()`: CORS, security headers) live in the reply until Fastify sends it, so
 *   they are copied onto the raw response first and the answer carries them too; when the
 *   request goes on, the copies are taken back and Fastify stays their owner.
 * - When the core has answered, the reply is hijacked: Fastify neither routes the request
 *   nor answers it again (also when the client went away and nothing could be written).
 *   Fastify's `onResponse` hooks and its request log still see the answer.
 * - Otherwise the identity is on `request.ntlmgate`, a request decoration (`null` until the
 *   hook sets it), and on `request.raw.ntlmgate`. Errors of the routes go to Fastify's error
 *   handler as usual.
 */
import { createIwa, type IwaCore } from '../handler.js';
import type { IwaIdentity } from '../identity.js';
import type { IwaOptions } from '../options.js';
import type { IwaRequest, IwaResponse } from '../request.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Set by ntlmgate (`iwaFastify` / `iwaFastifyHook`) for every request its hook lets through;
     * `null` (or absent) on routes outside its scope.
     */
    ntlmgate?: IwaIdentity | null;
  }
}

export interface FastifyRequestLike {
  readonly raw: IwaRequest;
  ntlmgate?: IwaIdentity | null;
}

export type FastifyHeaderValue = number | string | readonly string[] | undefined;

export interface FastifyReplyLike {
  readonly raw: IwaResponse;
  /** The reply's headers so far: the raw response's and those set through `reply.header()`. */
  getHeaders(): Readonly<Record<string, FastifyHeaderValue>>;
  hijack(): unknown;
}

export interface FastifyInstanceLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<void>): unknown;
  decorateRequest(name: 'ntlmgate', value: null): unknown;
  hasRequestDecorator(name: string): boolean;
}

export type FastifyHook = ((request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<void>) & IwaCore;

/** Headers the core writes itself on its answers (or, for WWW-Authenticate, on a success): never copied from the reply. */
const CORE_HEADERS = new Set(['www-authenticate', 'content-type', 'content-length', 'connection', 'retry-after']);

/** Copies the reply's pending headers onto the raw response (those it does not have yet); returns their names. */
function adoptReplyHeaders(reply: FastifyReplyLike): string[] {
  const raw = reply.raw;
  const adopted: string[] = [];
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    const key = name.toLowerCase();
    if (value === undefined || CORE_HEADERS.has(key) || raw.hasHeader(key)) continue;
    raw.setHeader(key, value);
    adopted.push(key);
  }
  return adopted;
}

/** `fastify.addHook('onRequest', iwaFastifyHook(options))`: the hook alone (no request decoration). */
export function iwaFastifyHook(options: IwaOptions): FastifyHook {
  const core = createIwa(options);
  const hook = async (request: FastifyRequestLike, reply: FastifyReplyLike): Promise<void> => {
    const adopted = adoptReplyHeaders(reply);
    const r = await core.authenticate(request.raw, reply.raw);
    if (!r.authenticated) {
      reply.hijack();
      return;
    }
    if (!reply.raw.headersSent) for (const name of adopted) reply.raw.removeHeader(name);
    request.ntlmgate = r.identity;
  };
  return Object.assign(hook, { authenticate: core.authenticate, stats: core.stats });
}

export type FastifyPlugin = ((instance: FastifyInstanceLike, opts: Readonly<Record<string, unknown>>, done: (err?: Error) => void) => void) & IwaCore;

/**
 * `await fastify.register(iwaFastify(options))`: decorates the request with `ntlmgate` and
 * installs the hook. Marked skip-override (what fastify-plugin does), so the hook covers the
 * routes of the instance that registered it — the whole application from the root, or one
 * encapsulated context — not only the plugin's own child scope. The options are checked here
 * (IwaOptionsError), not when Fastify loads the plugin.
 */
export function iwaFastify(options: IwaOptions): FastifyPlugin {
  const hook = iwaFastifyHook(options);
  const plugin = (instance: FastifyInstanceLike, _opts: Readonly<Record<string, unknown>>, done: (err?: Error) => void): void => {
    try {
      if (!instance.hasRequestDecorator('ntlmgate')) instance.decorateRequest('ntlmgate', null);
      instance.addHook('onRequest', hook);
      done();
    } catch (e) {
      done(e instanceof Error ? e : new Error(String(e)));
    }
  };
  return Object.assign(plugin, {
    authenticate: hook.authenticate,
    stats: hook.stats,
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'ntlmgate',
    [Symbol.for('plugin-meta')]: { name: 'ntlmgate' },
  });
}
