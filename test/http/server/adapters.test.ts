/**
 * The Express, Fastify and Koa adapters, driven the way each framework drives them but over a
 * plain node:http server (the frameworks are not dependencies): the same handshake, the
 * identity where each framework keeps it, and nothing answered twice.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { iwaExpress } from '../../../src/http/server/adapters/express.js';
import { iwaFastify, iwaFastifyHook, type FastifyReplyLike, type FastifyRequestLike } from '../../../src/http/server/adapters/fastify.js';
import { iwaKoa, type KoaContextLike } from '../../../src/http/server/adapters/koa.js';
import type { IwaIdentity } from '../../../src/http/server/identity.js';
import { BOB, baseOptions, keepAliveAgent, login, request } from './helpers.js';

async function serve(listener: http.RequestListener, fn: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** 401 without credentials, then a logon whose identity the framework's handler echoes; a second request on the connection too. */
async function exercise(url: string): Promise<void> {
  const first = await request(url, { agent: false });
  assert.equal(first.status, 401);
  const agent = keepAliveAgent(url);
  try {
    const ok = await login(url, agent, { credentials: BOB });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'CORP\\bob');
    assert.equal((await request(url, { agent })).body, 'CORP\\bob');
  } finally {
    agent.destroy();
  }
}

describe('adapters', () => {
  it('Express: middleware calls next() only when authenticated; req.ntlmgate set', async () => {
    const mw = iwaExpress(baseOptions());
    let nexts = 0;
    await serve(
      (req, res) =>
        mw(req, res, (err?: unknown) => {
          nexts++;
          if (err) res.writeHead(500).end();
          else res.end(req.ntlmgate?.name);
        }),
      exercise,
    );
    assert.equal(nexts, 2);
    assert.equal(mw.stats().liveContexts, 0);
  });

  it('Fastify: the onRequest hook hijacks the reply when it answered, else sets request.ntlmgate', async () => {
    const hook = iwaFastifyHook(baseOptions());
    let hijacks = 0;
    await serve(async (req, res) => {
      const request: FastifyRequestLike = { raw: req, ntlmgate: null };
      let hijacked = false;
      const reply: FastifyReplyLike = {
        raw: res,
        hijack: () => {
          hijacked = true;
          hijacks++;
        },
      };
      await hook(request, reply);
      // Fastify would route now unless the reply was hijacked.
      if (!hijacked) res.end(request.ntlmgate?.name);
    }, exercise);
    assert.equal(hijacks, 2, 'two 401s: the request without credentials and the CHALLENGE');
  });

  it('Fastify: the plugin decorates the request and installs the hook (skip-override)', () => {
    const calls: string[] = [];
    let done: Error | undefined | 'ok';
    iwaFastify(
      {
        addHook: (name) => calls.push(`hook:${name}`),
        decorateRequest: (name, value) => calls.push(`decorate:${name}:${String(value)}`),
        hasRequestDecorator: () => false,
      },
      baseOptions(),
      (err) => (done = err ?? 'ok'),
    );
    assert.deepEqual(calls, ['decorate:ntlmgate:null', 'hook:onRequest']);
    assert.equal(done, 'ok');
    assert.equal(iwaFastify[Symbol.for('skip-override')], true);
    let failed: Error | undefined;
    iwaFastify({ addHook: () => undefined, decorateRequest: () => undefined }, { ...baseOptions(), providers: [] }, (err) => (failed = err));
    assert.match(String(failed), /providers/);
  });

  it('Koa: ctx.respond = false when it answered; ctx.state.ntlmgate set otherwise', async () => {
    const mw = iwaKoa(baseOptions());
    let unanswered = 0;
    await serve(async (req, res) => {
      const ctx: KoaContextLike = { req, res, state: {}, respond: true };
      await mw(ctx, async () => {
        res.end((ctx.state.ntlmgate as IwaIdentity | undefined)?.name);
      });
      if (ctx.respond === false) unanswered++;
    }, exercise);
    assert.equal(unanswered, 2, 'two 401s: the request without credentials and the CHALLENGE');
  });
});
