/**
 * The Express, Fastify and Koa adapters inside the real frameworks (express 5, fastify 5,
 * koa 3), each app on 127.0.0.1:0 and written as a user writes it — `app.use(iwaExpress(o))`,
 * `fastify.register(iwaFastify(o))`, `koa.use(iwaKoa(o))` — so tsc checks the adapters against
 * the frameworks' own typings (no cast around any adapter). The same behaviour for all three: 401 with the
 * challenges and the route never reached, our client and curl --ntlm logging on over
 * keep-alive, the next request on the connection authenticated without a header, 403 outside
 * the allow-list, 400 (never 500) for malformed tokens, and the route's errors handled by
 * the framework's own error handling.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { iwaExpress, iwaFastify, iwaFastifyHook, iwaKoa, IwaOptionsError, type IwaLogEntry, type IwaOptions, type IwaStats } from '../../../src/index.js';
import type { AuditSink } from '../../../src/audit/sink.js';
import type { AuditEvent } from '../../../src/events/event.js';
import { NtlmClientContext } from '../../../src/ntlm/clientContext.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { ALICE, BOB, CURL, baseOptions, eventually, keepAliveAgent, login, request, skipUnlessCurl, wwwAuthenticate, type HttpResult } from './helpers.js';

/** What every route answers: who, and whether this request itself carried credentials. */
interface Seen {
  readonly name: string | undefined;
  readonly hadAuthorization: boolean;
}

interface RunningApp {
  readonly url: string;
  readonly logs: IwaLogEntry[];
  /** Errors the framework's own error handling received. */
  readonly errors: string[];
  /** Times a route handler ran. */
  readonly routeRuns: () => number;
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  readonly stats: () => IwaStats;
  close(): Promise<void>;
}

/** A route error the framework must handle: 418, exposed. */
function kaput(): Error {
  return Object.assign(new Error('kaput'), { status: 418, statusCode: 418, expose: true });
}

/** Alice (WebUsers) is allowed, Bob (Domain Users only) is not. */
function adapterOptions(logs: IwaLogEntry[], extra: Partial<IwaOptions>): IwaOptions {
  return baseOptions({ allow: { groups: ['WebUsers'] }, log: (e: IwaLogEntry) => logs.push(e), ...extra });
}

async function listen(server: http.Server): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function startExpress(extra: Partial<IwaOptions> = {}): Promise<RunningApp> {
  const logs: IwaLogEntry[] = [];
  const errors: string[] = [];
  let runs = 0;
  const protect = iwaExpress(adapterOptions(logs, extra));

  const app = express();
  app.use(protect);
  app.get('/', (req, res) => {
    runs++;
    const seen: Seen = { name: req.ntlmgate?.name, hadAuthorization: req.headers.authorization !== undefined };
    res.json(seen);
  });
  // Express 5: a rejected promise goes to the error middleware.
  app.get('/boom', async () => {
    runs++;
    throw kaput();
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    errors.push(err.message);
    res.status(418).send(`handled: ${err.message}`);
  });

  const s = await listen(http.createServer(app));
  return { ...s, logs, errors, routeRuns: () => runs, stats: protect.stats };
}

async function startFastify(extra: Partial<IwaOptions> = {}): Promise<RunningApp> {
  const logs: IwaLogEntry[] = [];
  const errors: string[] = [];
  let runs = 0;
  const protect = iwaFastify(adapterOptions(logs, extra));

  const app = Fastify();
  await app.register(protect);
  app.get('/', async (request) => {
    runs++;
    const seen: Seen = { name: request.ntlmgate?.name, hadAuthorization: request.headers.authorization !== undefined };
    return seen;
  });
  app.get('/boom', async () => {
    runs++;
    throw kaput();
  });
  app.setErrorHandler(async (err, _request, reply) => {
    const message = err instanceof Error ? err.message : String(err);
    errors.push(message);
    return reply.code(418).send(`handled: ${message}`);
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  let connections = 0;
  app.server.on('connection', () => connections++);
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`,
    logs,
    errors,
    routeRuns: () => runs,
    connections: () => connections,
    stats: protect.stats,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

async function startKoa(extra: Partial<IwaOptions> = {}): Promise<RunningApp> {
  const logs: IwaLogEntry[] = [];
  const errors: string[] = [];
  let runs = 0;
  const protect = iwaKoa(adapterOptions(logs, extra));

  const app = new Koa();
  // Koa's own error handling: ctx.onerror answers with the error's status and message (expose) and emits 'error'.
  app.on('error', (err: Error) => errors.push(err.message));
  app.use(protect).use(async (ctx) => {
    runs++;
    if (ctx.path === '/boom') throw kaput();
    const seen: Seen = { name: ctx.state.ntlmgate.name, hadAuthorization: ctx.get('authorization') !== '' };
    ctx.body = seen;
  });

  const s = await listen(http.createServer(app.callback()));
  return { ...s, logs, errors, routeRuns: () => runs, stats: protect.stats };
}

/** An AuditSink whose writes wait until `open()`. */
class GateSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  waiting = false;
  private release: () => void = () => undefined;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  async write(events: readonly AuditEvent[]): Promise<void> {
    this.waiting = true;
    await this.gate;
    this.events.push(...events);
  }
  open(): void {
    this.release();
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

function seen(res: HttpResult): Seen {
  return JSON.parse(res.body) as Seen;
}

const NTLMSSP = Buffer.from('NTLMSSP\0', 'latin1');
/** An AUTHENTICATE cut short after its message type: does not decode. */
const TRUNCATED_AUTHENTICATE = Buffer.concat([NTLMSSP, Buffer.from([3, 0, 0, 0, 0x18, 0])]).toString('base64');

interface CurlTransfer {
  readonly body: string;
  readonly status: number;
  /** New connections this transfer opened (0: it reused one). */
  readonly connects: number;
}

/** `curl --ntlm` fetching several URLs in one run (one connection when curl can keep it). */
function curlNtlm(urls: readonly string[], creds: { user: string; domain: string; password: string }): Promise<CurlTransfer[]> {
  const args = ['-sS', '--ntlm', '-u', `${creds.domain}\\${creds.user}:${creds.password}`, '-w', '\n%{http_code} %{num_connects}\n', ...urls];
  return new Promise((resolve, reject) => {
    execFile(CURL, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl failed: ${err.message} ${stderr}`));
      const lines = stdout.split('\n');
      const out: CurlTransfer[] = [];
      for (let i = 0; i + 1 < lines.length; i += 2) {
        const [status, connects] = (lines[i + 1] ?? '').split(' ').map(Number);
        out.push({ body: lines[i] ?? '', status: status ?? 0, connects: connects ?? -1 });
      }
      resolve(out);
    });
  });
}

const FRAMEWORKS: ReadonlyArray<readonly [string, (extra?: Partial<IwaOptions>) => Promise<RunningApp>]> = [
  ['Express 5', startExpress],
  ['Fastify 5', startFastify],
  ['Koa 3', startKoa],
];

for (const [framework, start] of FRAMEWORKS) {
  describe(`${framework} with the ntlmgate adapter`, () => {
    let app: RunningApp;
    before(async () => {
      app = await start();
    });
    after(async () => {
      await app.close();
      assert.equal(app.stats().liveContexts, 0, 'no handshake context outlives its connection');
    });

    it('no credentials → 401 with one WWW-Authenticate per provider; no route (nor 404) runs', async () => {
      for (const path of ['', 'boom', 'no-such-route']) {
        const res = await request(app.url + path, { agent: false });
        assert.equal(res.status, 401, path);
        assert.deepEqual(wwwAuthenticate(res), ['Negotiate', 'NTLM'], path);
        assert.equal(res.body, '401 Unauthorized\n');
      }
      assert.equal(app.routeRuns(), 0);
    });

    for (const scheme of ['Negotiate', 'NTLM'] as const) {
      it(`our client logs on (${scheme}) over keep-alive; the next request on the connection needs no header`, async () => {
        const agent = keepAliveAgent(app.url);
        const connectionsBefore = app.connections();
        try {
          const ok = await login(app.url, agent, { scheme });
          assert.equal(ok.status, 200, ok.body);
          assert.deepEqual(seen(ok), { name: 'CORP\\alice', hadAuthorization: true });
          if (scheme === 'Negotiate') assert.equal(ok.mechListMicVerified, true, 'the final SPNEGO token survived the framework’s response');
          const again = await request(app.url, { agent });
          assert.equal(again.status, 200);
          assert.deepEqual(seen(again), { name: 'CORP\\alice', hadAuthorization: false });
          assert.equal(app.connections() - connectionsBefore, 1, 'handshake and later request on one connection');
          assert.ok(app.logs.some((e) => e.reason === 'connection-authenticated' && e.user === 'CORP\\alice'));
        } finally {
          agent.destroy();
        }
      });
    }

    it('curl --ntlm logs on, and its second request reuses the connection without credentials', { skip: skipUnlessCurl() }, async () => {
      const connectionsBefore = app.connections();
      const [first, second] = await curlNtlm([app.url, `${app.url}?again`], ALICE);
      assert.deepEqual(first && { status: first.status, connects: first.connects, seen: JSON.parse(first.body) as Seen }, {
        status: 200,
        connects: 1,
        seen: { name: 'CORP\\alice', hadAuthorization: true },
      });
      assert.deepEqual(second && { status: second.status, connects: second.connects, seen: JSON.parse(second.body) as Seen }, {
        status: 200,
        connects: 0,
        seen: { name: 'CORP\\alice', hadAuthorization: false },
      });
      assert.equal(app.connections() - connectionsBefore, 1);
    });

    it('an authenticated user outside the allow-list → 403, on that request and the next on its connection', async () => {
      const agent = keepAliveAgent(app.url);
      const runs = app.routeRuns();
      try {
        const denied = await login(app.url, agent, { credentials: BOB });
        assert.equal(denied.status, 403);
        assert.equal(denied.body, '403 Forbidden\n');
        assert.equal((await request(app.url, { agent })).status, 403);
        assert.equal(app.routeRuns(), runs);
        assert.ok(app.logs.some((e) => e.reason === 'not-authorized' && e.user === 'CORP\\bob' && e.status === 403));
      } finally {
        agent.destroy();
      }
    });

    it('malformed credentials → 400 (never 500), answered by the adapter, not the framework’s error handling', async () => {
      const errors = app.errors.length;
      const runs = app.routeRuns();
      const bad: Array<readonly [http.OutgoingHttpHeaders | string[], string]> = [
        [{ authorization: 'NTLM' }, 'authorization-malformed'],
        [{ authorization: 'Negotiate !!!not-base64!!!' }, 'authorization-malformed'],
        [{ authorization: `NTLM ${TRUNCATED_AUTHENTICATE}` }, 'token-malformed'],
        [['Host', '127.0.0.1', 'Authorization', 'NTLM TlRMTVNTUAABAAAA', 'Authorization', 'NTLM TlRMTVNTUAABAAAA'], 'authorization-duplicated'],
      ];
      for (const [headers, reason] of bad) {
        const res = await request(app.url, { agent: false, headers });
        assert.equal(res.status, 400, reason);
        assert.equal(res.body, '400 Bad Request\n');
        assert.equal(app.logs.at(-1)?.reason, reason);
      }
      // Mid-handshake: a real NEGOTIATE, then an AUTHENTICATE that does not decode, on the same connection.
      const agent = keepAliveAgent(app.url);
      try {
        const client = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' });
        const challenge = await request(app.url, { agent, headers: { authorization: `NTLM ${client.negotiate().toString('base64')}` } });
        assert.equal(challenge.status, 401);
        assert.match(wwwAuthenticate(challenge)[0] ?? '', /^NTLM TlRMTVNTUAAC/);
        const res = await request(app.url, { agent, headers: { authorization: `NTLM ${TRUNCATED_AUTHENTICATE}` } });
        assert.equal(res.status, 400);
        assert.equal(app.logs.at(-1)?.reason, 'token-malformed');
      } finally {
        agent.destroy();
      }
      assert.equal(app.errors.length, errors, 'nothing reached the framework’s error handling');
      assert.equal(app.routeRuns(), runs);
    });

    it('a route’s error goes to the framework’s own error handling', async () => {
      const agent = keepAliveAgent(app.url);
      try {
        assert.equal((await login(app.url, agent)).status, 200);
        const res = await request(`${app.url}boom`, { agent });
        assert.equal(res.status, 418);
        assert.match(res.body, /kaput/);
        assert.deepEqual(app.errors, ['kaput']);
      } finally {
        agent.destroy();
      }
    });

    it('a client gone before the answer (slow audit sink): nothing is written, and the route still never runs', async () => {
      const sink = new GateSink();
      const gone = await start({ audit: sink, policy: loadPolicy({ RestrictReceivingNTLMTraffic: 2 }) });
      try {
        const negotiate = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' }).negotiate().toString('base64');
        const socket = net.connect(Number(new URL(gone.url).port), '127.0.0.1');
        socket.on('error', () => undefined);
        socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: NTLM ${negotiate}\r\n\r\n`);
        await eventually(() => sink.waiting);
        socket.destroy();
        await new Promise((r) => setTimeout(r, 50));
        sink.open();
        await eventually(() => sink.events.length === 1);
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(sink.events[0]?.eventId, 4002);
        assert.equal(gone.routeRuns(), 0);
        assert.deepEqual(gone.errors, []);
      } finally {
        sink.open();
        await gone.close();
      }
    });
  });
}

describe('Fastify specifics', () => {
  it('headers set through reply.header() by an earlier hook are on the adapter’s answers, and stay Fastify’s when the request goes on', async () => {
    const app = Fastify();
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('x-frame-options', 'DENY');
    });
    await app.register(iwaFastify(baseOptions()));
    app.get('/', async (request) => request.ntlmgate?.name ?? 'nobody');
    app.get('/bare', async (request, reply) => {
      reply.removeHeader('x-frame-options');
      return request.ntlmgate?.name ?? 'nobody';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`;
    const agent = keepAliveAgent(url);
    try {
      const refused = await request(url, { agent: false });
      assert.equal(refused.status, 401);
      assert.equal(refused.headers['x-frame-options'], 'DENY');
      const ok = await login(url, agent);
      assert.equal(ok.status, 200);
      assert.equal(ok.body, 'CORP\\alice');
      assert.equal(ok.headers['x-frame-options'], 'DENY');
      const bare = await request(`${url}bare`, { agent });
      assert.equal(bare.body, 'CORP\\alice');
      assert.equal(bare.headers['x-frame-options'], undefined, 'reply.removeHeader() still works after the adapter ran');
    } finally {
      agent.destroy();
      app.server.closeAllConnections();
      await app.close();
    }
  });

  it('registered in an encapsulated context it protects that context only; iwaFastifyHook works with addHook', async () => {
    const app = Fastify();
    app.get('/public', async (request) => ({ ntlmgate: request.ntlmgate ?? null }));
    await app.register(async (scope) => {
      await scope.register(iwaFastify(baseOptions()));
      scope.get('/private', async (request) => request.ntlmgate?.name);
    });
    await app.register(async (scope) => {
      scope.addHook('onRequest', iwaFastifyHook(baseOptions({ providers: ['NTLM'] })));
      scope.get('/ntlm-only', async (request) => request.ntlmgate?.name);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`;
    try {
      const pub = await request(`${url}public`, { agent: false });
      assert.equal(pub.status, 200);
      assert.deepEqual(JSON.parse(pub.body), { ntlmgate: null });
      assert.equal((await request(`${url}private`, { agent: false })).status, 401);
      const ntlmOnly = await request(`${url}ntlm-only`, { agent: false });
      assert.deepEqual(wwwAuthenticate(ntlmOnly), ['NTLM']);
      for (const [path, scheme] of [['private', 'Negotiate'], ['ntlm-only', 'NTLM']] as const) {
        const agent = keepAliveAgent(url);
        try {
          const ok = await login(url + path, agent, { scheme });
          assert.equal(ok.status, 200, path);
          assert.equal(ok.body, 'CORP\\alice');
        } finally {
          agent.destroy();
        }
      }
    } finally {
      app.server.closeAllConnections();
      await app.close();
    }
  });

  it('bad options throw when the plugin is made, before Fastify loads it', () => {
    assert.throws(() => iwaFastify({ ...baseOptions(), providers: [] }), (e: unknown) => e instanceof IwaOptionsError && /providers/.test(e.message));
  });
});

describe('Koa specifics', () => {
  it('middleware before the adapter sees the answered status; Koa does not answer again', async () => {
    const statuses: number[] = [];
    const errors: unknown[] = [];
    const app = new Koa();
    app.on('error', (e: unknown) => errors.push(e));
    app.use(async (ctx, next) => {
      await next();
      statuses.push(ctx.status);
      ctx.set('x-after', 'late'); // after the adapter answered: ignored by Koa, no ERR_HTTP_HEADERS_SENT
    });
    app.use(iwaKoa(baseOptions())).use((ctx) => {
      ctx.body = ctx.state.ntlmgate.name;
    });
    const s = await listen(http.createServer(app.callback()));
    const agent = keepAliveAgent(s.url);
    try {
      assert.equal((await request(s.url, { agent: false })).status, 401);
      assert.equal((await request(s.url, { agent: false, headers: { authorization: 'NTLM %%%' } })).status, 400);
      const ok = await login(s.url, agent);
      assert.equal(ok.body, 'CORP\\alice');
      assert.equal(ok.headers['x-after'], 'late');
      assert.deepEqual(statuses, [401, 400, 401, 200]);
      assert.deepEqual(errors, []);
    } finally {
      agent.destroy();
      await s.close();
    }
  });
});
