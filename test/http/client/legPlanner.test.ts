/**
 * The dispatcher's pure planner, case by case: which leg follows from the handshake state and
 * the connection, and what a response head does to the state, the pool and the connection.
 * (The same paths against real peers: apache, squid, curl-based tests beside this file.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthScheme } from '../../../src/policy/requests.js';
import {
  initialRunState,
  MAX_HANDSHAKES_PER_LAYER,
  planLeg,
  planResponse,
  type ConnectionView,
  type Leg,
  type LegPlan,
  type RequestFacts,
  type ResponseFacts,
  type RunState,
} from '../../../src/http/client/legPlanner.js';
import { HttpAuthError } from '../../../src/http/client/errors.js';
import type { BodyKind } from '../../../src/http/client/requestParts.js';

const CHALLENGE = Buffer.from('NTLMSSP\0\x02\0\0\0challenge');
const B64 = CHALLENGE.toString('base64');

function request(over: Partial<RequestFacts> & { body?: BodyKind } = {}): RequestFacts {
  return {
    layerOrder: ['server'],
    callerAuthenticates: { server: false, proxy: false },
    body: 'none',
    method: 'GET',
    schemes: { server: ['Negotiate', 'NTLM'], proxy: ['Negotiate', 'NTLM'] },
    hosts: { server: 'web.example.test', proxy: 'proxy.example.test' },
    ...over,
  };
}
const viaProxy = (over: Partial<RequestFacts> = {}): RequestFacts => request({ layerOrder: ['proxy', 'server'], ...over });

function connection(over: Partial<ConnectionView> = {}): ConnectionView {
  return {
    generation: 1,
    alive: true,
    authenticated: { server: false, proxy: false },
    learned: { server: undefined, proxy: undefined },
    perRequest: false,
    ...over,
  };
}

function response(status: number, over: { www?: string | string[]; proxy?: string | string[]; generation?: number; serverAuthenticated?: boolean } = {}): ResponseFacts {
  return { status, challenges: { server: over.www, proxy: over.proxy }, generation: over.generation ?? 1, serverAuthenticated: over.serverAuthenticated ?? false };
}

function expectAction<A extends LegPlan['action']>(plan: LegPlan, action: A): Extract<LegPlan, { action: A }> {
  assert.equal(plan.action, action, JSON.stringify(plan.action === 'fail' ? plan.error.message : plan));
  return plan as Extract<LegPlan, { action: A }>;
}

/** Runs plain → 401 (bare) → NEGOTIATE → 401 (token) and returns the state ready to answer. */
function challenged(req: RequestFacts, scheme: AuthScheme = 'NTLM'): { state: RunState; negotiate: Leg } {
  const plain = expectAction(planLeg(req, initialRunState(), connection()), 'send');
  const asked = planResponse(req, plain.state, plain.leg, response(401, { www: scheme }));
  assert.equal(asked.delivery, 'consume');
  const start = expectAction(planLeg(req, asked.state, connection({ learned: { server: scheme, proxy: undefined } })), 'start');
  const token = planResponse(req, start.state, start.leg, response(401, { www: `${scheme} ${B64}` }));
  assert.equal(token.delivery, 'consume');
  return { state: token.state, negotiate: start.leg };
}

describe('legPlanner: the next leg', () => {
  it('a request to an origin nobody asked about goes out plain, body and all', () => {
    const plan = expectAction(planLeg(request({ body: 'replayable', method: 'POST' }), initialRunState(), connection()), 'send');
    assert.deepEqual(plan.leg, { kind: 'plain', method: 'POST', real: true, withBody: true });
  });

  it('an origin known to want NTLM: the NEGOTIATE goes on the request itself (no body) or on HEAD (a body, not asked yet)', () => {
    const known = connection({ learned: { server: 'NTLM', proxy: undefined } });
    const bare = expectAction(planLeg(request(), initialRunState(), known), 'start');
    assert.equal(bare.scheme, 'NTLM');
    assert.deepEqual(bare.leg, { kind: 'negotiate', layer: 'server', method: 'GET', real: true, withBody: false });
    assert.ok(bare.withoutPreemptive, 'started before the target asked: the driver may fall back');
    const withBody = expectAction(planLeg(request({ body: 'replayable', method: 'POST' }), initialRunState(), known), 'start');
    assert.deepEqual(withBody.leg, { kind: 'negotiate', layer: 'server', method: 'HEAD', real: false, withBody: false });
  });

  it('an authenticated connection needs no handshake, unless the origin authenticates every request', () => {
    const learned = { server: 'NTLM' as const, proxy: undefined };
    assert.equal(planLeg(request(), initialRunState(), connection({ learned, authenticated: { server: true, proxy: false } })).action, 'send');
    assert.equal(planLeg(request(), initialRunState(), connection({ learned, authenticated: { server: true, proxy: false }, perRequest: true })).action, 'start');
  });

  it('policy refusal before the target asks: planning again from withoutPreemptive sends the request plain', () => {
    const known = connection({ learned: { server: 'Negotiate', proxy: undefined } });
    const start = expectAction(planLeg(request(), initialRunState(), known), 'start');
    assert.ok(start.withoutPreemptive);
    const again = expectAction(planLeg(request(), start.withoutPreemptive, known), 'send');
    assert.equal(again.leg.kind, 'plain');
    assert.equal(again.state.layers.server.handshakesStarted, 0, 'nothing was started');
  });

  it('a stream body to an unknown origin is probed with HEAD first, then sent once', () => {
    const req = request({ body: 'stream', method: 'PUT' });
    const probe = expectAction(planLeg(req, initialRunState(), connection()), 'send');
    assert.deepEqual(probe.leg, { kind: 'probe', method: 'HEAD', real: false, withBody: false });
    const plain = expectAction(planLeg(req, probe.state, connection()), 'send');
    assert.deepEqual(plain.leg, { kind: 'plain', method: 'PUT', real: true, withBody: true });
    assert.equal(plain.state.streamBodySent, true);
    const twice = expectAction(planLeg(req, plain.state, connection()), 'fail');
    assert.ok(twice.error instanceof HttpAuthError && twice.error.code === 'HANDSHAKE_FAILED');
  });

  it('the CHALLENGE is answered on the socket it came on: an AUTHENTICATE leg on the caller’s request', () => {
    const req = request({ body: 'replayable', method: 'POST' });
    const { state } = challenged(req);
    const answer = expectAction(planLeg(req, state, connection()), 'answer');
    assert.equal(answer.layer, 'server');
    assert.deepEqual(answer.challenge, CHALLENGE);
    assert.deepEqual(answer.leg, { kind: 'authenticate', layer: 'server', method: 'POST', real: true, withBody: true });
    assert.equal(answer.state.layers.server.handshake?.phase, 'authenticate-sent');
  });

  it('a socket that changed after the CHALLENGE voids it: the handshake starts again, and not more than twice', () => {
    const req = request();
    const { state } = challenged(req);
    const moved = connection({ generation: 2, learned: { server: 'NTLM', proxy: undefined } });
    const restart = expectAction(planLeg(req, state, moved), 'start');
    assert.equal(restart.state.layers.server.handshakesStarted, 2);
    assert.equal(restart.withoutPreemptive, undefined, 'a restart is not preemptive');
    const second = planResponse(req, restart.state, restart.leg, response(401, { www: `NTLM ${B64}`, generation: 2 }));
    const fail = expectAction(planLeg(req, second.state, connection({ generation: 3 })), 'fail');
    assert.ok(fail.error instanceof HttpAuthError && /closed the connection during every handshake/.test(fail.error.message));
    assert.equal(MAX_HANDSHAKES_PER_LAYER, 2);
  });

  it('a dead socket voids the CHALLENGE too', () => {
    const req = request();
    const { state } = challenged(req);
    assert.equal(planLeg(req, state, connection({ alive: false })).action, 'start');
  });
});

describe('legPlanner: the response head', () => {
  const table: readonly { name: string; req: RequestFacts; leg: Leg; res: ResponseFacts; delivery: string; learned?: [string, string] }[] = [
    { name: '200 to a plain leg', req: request(), leg: { kind: 'plain', method: 'GET', real: true, withBody: false }, res: response(200), delivery: 'forward' },
    { name: '401 NTLM to a plain leg', req: request(), leg: { kind: 'plain', method: 'GET', real: true, withBody: false }, res: response(401, { www: 'NTLM' }), delivery: 'consume', learned: ['server', 'NTLM'] },
    { name: '401 offering both: our preference wins', req: request(), leg: { kind: 'plain', method: 'GET', real: true, withBody: false }, res: response(401, { www: ['NTLM', 'Negotiate'] }), delivery: 'consume', learned: ['server', 'Negotiate'] },
    { name: '401 Basic only: the caller’s answer', req: request(), leg: { kind: 'plain', method: 'GET', real: true, withBody: false }, res: response(401, { www: 'Basic realm="x"' }), delivery: 'forward' },
    { name: '401 with the caller’s own Authorization', req: request({ callerAuthenticates: { server: true, proxy: false } }), leg: { kind: 'plain', method: 'GET', real: true, withBody: false }, res: response(401, { www: 'NTLM' }), delivery: 'forward' },
    { name: '407 through an absolute-form proxy', req: viaProxy(), leg: { kind: 'plain', method: 'GET', real: true, withBody: false }, res: response(407, { proxy: 'Negotiate' }), delivery: 'consume', learned: ['proxy', 'Negotiate'] },
    { name: '407 without a proxy layer is just a status', req: request(), leg: { kind: 'plain', method: 'GET', real: true, withBody: false }, res: response(407, { proxy: 'NTLM' }), delivery: 'forward' },
    { name: '401 to a probe', req: request({ body: 'stream' }), leg: { kind: 'probe', method: 'HEAD', real: false, withBody: false }, res: response(401, { www: 'NTLM' }), delivery: 'consume', learned: ['server', 'NTLM'] },
    { name: '200 to a probe', req: request({ body: 'stream' }), leg: { kind: 'probe', method: 'HEAD', real: false, withBody: false }, res: response(200), delivery: 'consume' },
  ];
  for (const row of table) {
    it(row.name, () => {
      const plan = planResponse(row.req, initialRunState(), row.leg, row.res);
      assert.equal(plan.delivery, row.delivery);
      const learn = plan.effects.find((e) => e.kind === 'learn-scheme');
      assert.deepEqual(learn && learn.kind === 'learn-scheme' ? [learn.layer, learn.scheme] : undefined, row.learned);
      if (row.learned) assert.ok(plan.effects.some((e) => e.kind === 'forget-authentication' && e.layer === row.learned?.[0]));
    });
  }

  it('200 to the AUTHENTICATE: the connection is authenticated on that socket and the final token goes to the initiator', () => {
    const req = request();
    const { state } = challenged(req, 'Negotiate');
    const answer = expectAction(planLeg(req, state, connection()), 'answer');
    const plan = planResponse(req, answer.state, answer.leg, response(200, { www: 'Negotiate oRQwEqADCgEAoQsGCSqGSIb3EgECAg==' }));
    assert.equal(plan.delivery, 'forward');
    assert.deepEqual(plan.effects.map((e) => e.kind), ['mark-authenticated', 'finish-handshake']);
    const finish = plan.effects[1];
    assert.ok(finish?.kind === 'finish-handshake' && finish.token !== undefined && finish.token.length > 0);
    assert.equal(plan.state.layers.server.handshake, undefined);
  });

  it('401 to the AUTHENTICATE on the same socket: the credentials were refused, the caller gets the 401', () => {
    const req = request();
    const { state } = challenged(req);
    const answer = expectAction(planLeg(req, state, connection()), 'answer');
    const plan = planResponse(req, answer.state, answer.leg, response(401, { www: 'NTLM' }));
    assert.equal(plan.delivery, 'forward');
    assert.deepEqual(plan.effects, []);
  });

  it('401 to the AUTHENTICATE on a new socket: the handshake starts again', () => {
    const req = request();
    const { state } = challenged(req);
    const answer = expectAction(planLeg(req, state, connection()), 'answer');
    const plan = planResponse(req, answer.state, answer.leg, response(401, { www: 'NTLM', generation: 2 }));
    assert.equal(plan.delivery, 'consume');
    assert.equal(plan.state.layers.server.pending, 'NTLM');
  });

  it('a bare challenge in answer to our NEGOTIATE refuses it: forwarded, or delivered empty for a leg that was not the caller’s', () => {
    const known = connection({ learned: { server: 'NTLM', proxy: undefined } });
    for (const [req, delivery] of [[request(), 'forward'], [request({ body: 'replayable', method: 'POST' }), 'forward-empty']] as const) {
      const start = expectAction(planLeg(req, initialRunState(), known), 'start');
      const plan = planResponse(req, start.state, start.leg, response(401, { www: 'NTLM' }));
      assert.equal(plan.delivery, delivery);
      assert.equal(plan.state.layers.server.handshake, undefined);
    }
  });

  it('asked again on an authenticated connection: the origin authenticates per request', () => {
    const plan = planResponse(request(), initialRunState(), { kind: 'plain', method: 'GET', real: true, withBody: false }, response(401, { www: 'NTLM', serverAuthenticated: true }));
    assert.deepEqual(plan.effects.map((e) => e.kind), ['per-request', 'forget-authentication', 'learn-scheme']);
  });

  it('a stream already sent cannot be sent again: the 401 after it is the caller’s', () => {
    const req = request({ body: 'stream', method: 'PUT' });
    const plain = expectAction(planLeg(req, { ...initialRunState(), probed: true }, connection()), 'send');
    const plan = planResponse(req, plain.state, plain.leg, response(401, { www: 'NTLM' }));
    assert.equal(plan.delivery, 'forward');
  });

  it('the proxy stopping the server’s NEGOTIATE gives the server its attempt back; the proxy’s handshake runs first', () => {
    const req = viaProxy();
    const known = connection({ learned: { server: 'NTLM', proxy: undefined }, authenticated: { server: false, proxy: true } });
    const start = expectAction(planLeg(req, initialRunState(), known), 'start');
    assert.equal(start.layer, 'server');
    const plan = planResponse(req, start.state, start.leg, response(407, { proxy: 'NTLM' }));
    assert.equal(plan.delivery, 'consume');
    assert.equal(plan.state.layers.server.pending, 'NTLM');
    assert.equal(plan.state.layers.server.handshakesStarted, 0);
    const next = expectAction(planLeg(req, plan.state, connection({ learned: { server: 'NTLM', proxy: 'NTLM' } })), 'start');
    assert.equal(next.layer, 'proxy');
  });

  it('a proxy AUTHENTICATE that passes while the server asks: proxy authenticated, server challenge taken up', () => {
    const req = viaProxy();
    const plain = expectAction(planLeg(req, initialRunState(), connection()), 'send');
    const asked = planResponse(req, plain.state, plain.leg, response(407, { proxy: 'NTLM' }));
    const start = expectAction(planLeg(req, asked.state, connection()), 'start');
    assert.equal(start.layer, 'proxy');
    const token = planResponse(req, start.state, start.leg, response(407, { proxy: `NTLM ${B64}` }));
    const answer = expectAction(planLeg(req, token.state, connection()), 'answer');
    const plan = planResponse(req, answer.state, answer.leg, response(401, { www: 'NTLM' }));
    assert.equal(plan.delivery, 'consume');
    assert.deepEqual(plan.effects.map((e) => e.kind), ['mark-authenticated', 'finish-handshake', 'forget-authentication', 'learn-scheme']);
    assert.equal(plan.effects[0]?.kind === 'mark-authenticated' && plan.effects[0].layer, 'proxy');
    assert.equal(plan.state.layers.server.pending, 'NTLM');
  });

  it('a challenge token that is not base64 throws BAD_CHALLENGE (the driver fails the request)', () => {
    const req = request();
    const start = expectAction(planLeg(req, initialRunState(), connection({ learned: { server: 'NTLM', proxy: undefined } })), 'start');
    assert.throws(() => planResponse(req, start.state, start.leg, response(401, { www: 'NTLM !!!' })), (e: unknown) => e instanceof HttpAuthError && e.code === 'BAD_CHALLENGE');
  });

  it('planning never mutates its input state', () => {
    const req = request();
    const state = initialRunState();
    const frozen = JSON.stringify(state);
    const plain = expectAction(planLeg(req, state, connection()), 'send');
    planResponse(req, plain.state, plain.leg, response(401, { www: 'NTLM' }));
    assert.equal(JSON.stringify(state), frozen);
  });
});
