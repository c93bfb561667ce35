/**
 * Servers that talk NTLM wrongly: garbage or truncated challenges, a final Negotiate token
 * that does not verify, a server that hangs up after every CHALLENGE, and seeded random
 * challenge headers and tokens. Every outcome is a response or an HttpAuthError with a code —
 * never another exception, never a hang.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { request as undiciRequest } from 'undici';
import { NtlmDispatcher } from '../../../src/http/client/dispatcher.js';
import { HttpAuthError } from '../../../src/http/client/errors.js';
import { NegotiateServerContext } from '../../../src/spnego/negotiateServer.js';
import { prng, testAuthority } from '../server/helpers.js';
import { ALICE } from './helpers.js';

const alice = { username: 'CORP\\alice', password: ALICE.password };

/** What the scripted server answers, by leg on a connection (0: first request). */
type Script = (leg: number, authorization: string | undefined, res: http.ServerResponse) => void | Promise<void>;

async function scripted(script: Script): Promise<{ url: string; close(): Promise<void> }> {
  const legs = new WeakMap<Socket, number>();
  const server = http.createServer((req, res) => {
    const n = legs.get(req.socket) ?? 0;
    legs.set(req.socket, n + 1);
    req.resume();
    void Promise.resolve(script(n, req.headers.authorization, res)).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function unauthorized(res: http.ServerResponse, challenge: string | string[], close = false): void {
  res.statusCode = 401;
  res.setHeader('WWW-Authenticate', challenge);
  if (close) res.setHeader('Connection', 'close');
  res.end('no');
}

/** The request's outcome: a status, or the HttpAuthError code. Anything else fails the test. */
async function outcome(url: string, d: NtlmDispatcher): Promise<number | string> {
  try {
    const r = await undiciRequest(url, { dispatcher: d, headersTimeout: 5000, bodyTimeout: 5000 });
    await r.body.arrayBuffer();
    return r.statusCode;
  } catch (e) {
    if (e instanceof HttpAuthError) return e.code;
    throw e;
  }
}

const TRUNCATED_CHALLENGE = Buffer.concat([Buffer.from('NTLMSSP\0', 'latin1'), Buffer.from([2, 0, 0, 0, 0x0c, 0])]).toString('base64');

describe('hostile servers', () => {
  const servers: { close(): Promise<void> }[] = [];
  let d: NtlmDispatcher;
  before(() => {
    d = new NtlmDispatcher({ credentials: alice, connections: 2 });
  });
  after(async () => {
    await d.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  const cases: [string, Script, number | string][] = [
    ['garbage after the scheme in WWW-Authenticate', (_n, _a, res) => unauthorized(res, 'NTLM %%%garbage%%%'), 'BAD_CHALLENGE'],
    ['a token of impossible base64 length', (n, _a, res) => unauthorized(res, n === 0 ? 'NTLM' : 'NTLM abcde'), 'BAD_CHALLENGE'],
    ['a truncated CHALLENGE', (n, _a, res) => unauthorized(res, n === 0 ? 'NTLM' : `NTLM ${TRUNCATED_CHALLENGE}`), 'BAD_CHALLENGE'],
    ['random bytes as a SPNEGO CHALLENGE', (n, _a, res) => unauthorized(res, n === 0 ? 'Negotiate' : `Negotiate ${Buffer.from('0123456789abcdef').toString('base64')}`), 'BAD_CHALLENGE'],
    ['only Basic offered', (_n, _a, res) => unauthorized(res, 'Basic realm="x, y", Bearer'), 401],
    ['bare challenges in answer to our NEGOTIATE', (_n, _a, res) => unauthorized(res, ['Negotiate', 'NTLM']), 401],
    ['a CHALLENGE on a closing connection, every time', (_n, a, res) => unauthorized(res, a ? `NTLM ${TRUNCATED_CHALLENGE}` : 'NTLM', a !== undefined), 'HANDSHAKE_FAILED'],
  ];
  for (const [name, script, expected] of cases) {
    it(`${name} → ${expected}`, async () => {
      const s = await scripted(script);
      servers.push(s);
      assert.equal(await outcome(s.url, d), expected);
    });
  }

  it('a final Negotiate token that does not verify → MUTUAL_AUTH_FAILED (the response is not delivered)', async () => {
    let ctx: NegotiateServerContext | undefined;
    const s = await scripted(async (n, auth, res) => {
      if (!auth) return unauthorized(res, 'Negotiate');
      if (n === 1) ctx = new NegotiateServerContext({ authority: testAuthority(), netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP' });
      const step = await (ctx as NegotiateServerContext).step(Buffer.from(auth.slice('Negotiate '.length), 'base64'));
      if (step.status === 'continue') return unauthorized(res, `Negotiate ${step.token.toString('base64')}`);
      assert.equal(step.status, 'complete');
      // The acceptor's real final token, with its mechListMIC flipped.
      const token = Buffer.from(step.token ?? Buffer.alloc(0));
      const last = token.length - 1;
      token[last] = (token[last] ?? 0) ^ 0xff;
      res.setHeader('WWW-Authenticate', `Negotiate ${token.toString('base64')}`);
      res.end('secret');
    });
    servers.push(s);
    assert.equal(await outcome(s.url, d), 'MUTUAL_AUTH_FAILED');
  });

  it('seeded random challenge headers and tokens: a status or an HttpAuthError, nothing else', async () => {
    const rnd = prng(20260514);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const randomText = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(rnd() * 95))).join('');
    const randomB64 = (): string => Buffer.from(Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256))).toString('base64');
    const headers = (): string => pick([`NTLM ${randomB64()}`, `Negotiate ${randomB64()}`, `NTLM ${randomText(20)}`, randomText(40), `Negotiate, ${randomText(10)}`, `NTLM ${randomB64()}, Basic realm="${randomText(5)}"`]);
    const s = await scripted((n, _a, res) => unauthorized(res, n === 0 ? pick(['NTLM', 'Negotiate', 'Negotiate, NTLM']) : headers(), rnd() < 0.1));
    servers.push(s);
    const seen = new Set<number | string>();
    for (let i = 0; i < 60; i++) seen.add(await outcome(s.url + `r${i}`, d));
    for (const o of seen) assert.ok(typeof o === 'number' || ['BAD_CHALLENGE', 'HANDSHAKE_FAILED'].includes(o), `unexpected outcome ${String(o)}`);
    assert.ok(seen.has('BAD_CHALLENGE'), 'random tokens are reported as bad challenges');
  });
});
