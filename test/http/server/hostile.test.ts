/**
 * Hostile `Authorization` headers: at least 10,000 garbage, truncated, bit-flipped, oversized,
 * duplicated, out-of-order and replayed ones (seeded PRNG, reproducible), over keep-alive
 * connections, fresh keep-alive connections and closing connections. Every answer must be 400
 * or 401 — never 500, never a crash, no error in the log — and a valid logon works afterwards
 * with no context left behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { NtlmClientContext } from '../../../src/ntlm/clientContext.js';
import { NegotiateClientContext } from '../../../src/spnego/negotiateClient.js';
import { ALICE, challengeToken, eventually, keepAliveAgent, login, prng, request, startServer, type HttpResult } from './helpers.js';

const TOTAL = 10_000;
const WORKERS = 8;
const SEED = 0x4e544c4d; // "NTLM"

interface Material {
  readonly negotiate: Buffer;
  readonly spnegoInit: Buffer;
  readonly challenge: Buffer;
  readonly authenticate: Buffer;
}

/** Real tokens from one real handshake, to truncate, flip and replay. */
async function material(url: string): Promise<Material> {
  const agent = keepAliveAgent(url);
  try {
    const client = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' });
    const negotiate = client.negotiate();
    const first = await request(url, { agent, headers: { authorization: `NTLM ${negotiate.toString('base64')}` } });
    const challenge = challengeToken(first, 'NTLM');
    assert.ok(challenge);
    const authenticate = client.authenticate(challenge);
    assert.equal((await request(url, { agent, headers: { authorization: `NTLM ${authenticate.toString('base64')}` } })).status, 200);
    return { negotiate, spnegoInit: new NegotiateClientContext({ credentials: ALICE }).initialToken(), challenge, authenticate };
  } finally {
    agent.destroy();
  }
}

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)] as T;
const bytes = (r: Rand, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(r, 256)));
const SCHEMES = ['NTLM', 'Negotiate', 'ntlm', 'NEGOTIATE', 'negotiate'];

function flip(r: Rand, b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = 0, n = 1 + int(r, 4); i < n; i++) {
    const at = int(r, out.length);
    out[at] = (out[at] ?? 0) ^ (1 << int(r, 8));
  }
  return out;
}

const header = (scheme: string, token: Buffer): string => `${scheme} ${token.toString('base64')}`;

/** One hostile case: the requests to send in order on one connection (the last one is the hostile one). */
function hostileCase(r: Rand, m: Material): { kind: string; requests: (string | string[])[] } {
  const scheme = pick(r, SCHEMES);
  switch (int(r, 12)) {
    case 0:
      return { kind: 'garbage', requests: [header(scheme, bytes(r, 1 + int(r, 512)))] };
    case 1:
      return { kind: 'truncated-negotiate', requests: [header(scheme, m.negotiate.subarray(0, 1 + int(r, m.negotiate.length - 1)))] };
    case 2: {
      const t = m.authenticate.subarray(0, 1 + int(r, m.authenticate.length - 1));
      // Half the time after a fresh NEGOTIATE, so the pending context gets the broken leg.
      return { kind: 'truncated-authenticate', requests: r() < 0.5 ? [header('NTLM', t)] : [header('NTLM', m.negotiate), header('NTLM', t)] };
    }
    case 3:
      return { kind: 'flipped-first-leg', requests: [r() < 0.5 ? header('NTLM', flip(r, m.negotiate)) : header('Negotiate', flip(r, m.spnegoInit))] };
    case 4:
      return { kind: 'oversized', requests: [header(scheme, bytes(r, 12 * 1024 + int(r, 24 * 1024)))] };
    case 5: {
      const len = 1 + int(r, 200);
      const text = Array.from({ length: len }, () => String.fromCharCode(0x21 + int(r, 0x5e))).join('');
      return { kind: 'not-base64', requests: [`${scheme} ${text}`] };
    }
    case 6:
      // A captured AUTHENTICATE replayed: alone, or against a fresh CHALLENGE on the same connection.
      return { kind: 'replayed', requests: r() < 0.5 ? [header('NTLM', m.authenticate)] : [header('NTLM', m.negotiate), header('NTLM', m.authenticate)] };
    case 7:
      return { kind: 'duplicated', requests: [['Host', '127.0.0.1', 'Authorization', header('NTLM', m.negotiate), 'Authorization', header(scheme, bytes(r, 40))]] };
    case 8:
      return { kind: 'no-token', requests: [pick(r, ['NTLM', 'Negotiate', 'NTLM ', 'Negotiate =', 'NTLM ====', 'NTLM A', 'NTLM AB=C', '=', 'NTLM TlRMTVNTUAA', 'Negotiate YA'])] };
    case 9:
      return { kind: 'flipped-authenticate', requests: [header('NTLM', m.negotiate), header('NTLM', flip(r, m.authenticate))] };
    case 10: {
      const lead = pick(r, [0x60, 0xa0, 0xa1, 0x30]);
      return { kind: 'spnego-ish', requests: [header('Negotiate', Buffer.concat([Buffer.from([lead, int(r, 256)]), bytes(r, int(r, 300))]))] };
    }
    default:
      return { kind: 'client-sends-challenge', requests: [header(scheme, m.challenge)] };
  }
}

describe('hostile Authorization headers', () => {
  it(`${TOTAL}+ hostile requests: every answer is 400 or 401, never 500; a valid logon works afterwards`, async (t) => {
    const s = await startServer({ maxPendingPerIp: 1_000_000, maxPendingTotal: 1_000_000 });
    const m = await material(s.url);
    const statuses = new Map<number, number>();
    const kinds = new Map<string, number>();
    let sent = 0;
    const note = (res: HttpResult, kind: string, text: string): void => {
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status !== 400 && res.status !== 401) assert.fail(`${kind}: ${res.status} for ${text.slice(0, 120)}`);
    };

    const worker = async (w: number): Promise<void> => {
      const r = prng(SEED + w);
      let shared = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (sent < TOTAL) {
          const c = hostileCase(r, m);
          kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
          const mode = r();
          // 70 %: the worker's long-lived keep-alive connection; 20 %: a fresh keep-alive one; 10 %: Connection: close.
          const fresh = mode >= 0.7 && mode < 0.9 ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
          const agent: http.Agent | false = mode >= 0.9 ? false : (fresh ?? shared);
          for (const h of c.requests) {
            sent++;
            const headers = Array.isArray(h) ? h : { authorization: h };
            const res = await request(s.url, { agent, headers });
            note(res, c.kind, Array.isArray(h) ? h.join(' ') : h);
          }
          fresh?.destroy();
          // Now and then a new long-lived connection too.
          if (r() < 0.02) {
            shared.destroy();
            shared = new http.Agent({ keepAlive: true, maxSockets: 1 });
          }
        }
      } finally {
        shared.destroy();
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));

    t.diagnostic(`sent ${sent}; statuses ${JSON.stringify(Object.fromEntries(statuses))}; kinds ${JSON.stringify(Object.fromEntries(kinds))}`);
    assert.ok(sent >= TOTAL);
    assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(401) ?? 0) > 0, 'both answers occur');
    assert.equal(kinds.size, 12, 'every kind of hostile input was sent');
    assert.deepEqual(
      s.logs.filter((e) => e.level === 'error'),
      [],
      'nothing hostile reached an internal error',
    );
    // Every refusal was logged with a reason.
    assert.ok(s.logs.filter((e) => e.status === 400 || e.status === 401).every((e) => typeof e.reason === 'string'));

    const agent = keepAliveAgent(s.url);
    try {
      const ok = await login(s.url, agent);
      assert.equal(ok.status, 200);
    } finally {
      agent.destroy();
    }
    await eventually(() => s.core.stats().liveContexts === 0 && s.core.stats().trackedConnections === 0, 10_000);
    await s.close();
  });
});
