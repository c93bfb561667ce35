/** Signed identity headers for the reverse-proxy case: sign, verify (constant time, max age), strip. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_STRIPPED_HEADERS,
  IDENTITY_HEADERS,
  IdentityHeaderMatcher,
  hasIdentityHeaders,
  signIdentityHeaders,
  stripIdentityHeaders,
  verifyIdentityHeaders,
} from '../../../src/http/server/identityHeaders.js';
import { iwa } from '../../../src/http/server/handler.js';
import { IwaOptionsError } from '../../../src/http/server/options.js';
import { baseOptions, keepAliveAgent, login, request } from './helpers.js';

const SECRET = 'k'.repeat(32);
const T0 = Date.UTC(2026, 10, 21, 12);
const ID = { name: 'CORP\\alice', groups: ['WebUsers', 'Domain Users', 'R&D, Berlin', 'Ärzte'], authPackage: 'Negotiate(NTLM)' };

/** A v1 header set as an edge before v2 signed it: the NTLM version in place of the package (written out here, not by the code under test). */
function signV1(name: string, groups: string, version: string, timestamp: string, secret = SECRET): Record<string, string> {
  const canonical = ['ntlmgate-identity-v1', name, groups, version, timestamp].join('\n');
  const signature = `v1=${createHmac('sha256', secret).update(canonical, 'utf8').digest('base64url')}`;
  return { 'X-NTLMGate-User': name, 'X-NTLMGate-Groups': groups, 'X-NTLMGate-Version': version, 'X-NTLMGate-Timestamp': timestamp, 'X-NTLMGate-Signature': signature };
}

describe('signIdentityHeaders / verifyIdentityHeaders', () => {
  it('round-trips (v2: the package signed), with commas, spaces and non-ASCII in group names', () => {
    const h = signIdentityHeaders(ID, SECRET, { now: () => T0 });
    assert.equal(h[IDENTITY_HEADERS.user], 'CORP\\alice', 'DOMAIN\\user stays readable');
    assert.equal(h[IDENTITY_HEADERS.groups], 'WebUsers,Domain%20Users,R&D%2C%20Berlin,%C3%84rzte');
    assert.equal(h[IDENTITY_HEADERS.package], 'Negotiate(NTLM)');
    assert.equal(h[IDENTITY_HEADERS.version], undefined, 'v2 sends no NTLM version');
    assert.equal(h[IDENTITY_HEADERS.timestamp], String(T0 / 1000));
    assert.match(h[IDENTITY_HEADERS.signature] ?? '', /^v2=[A-Za-z0-9_-]{43}$/);
    // The canonical string, independently: a verifier in another language computes the same MAC.
    const canonical = ['ntlmgate-identity-v2', h[IDENTITY_HEADERS.user], h[IDENTITY_HEADERS.groups], 'Negotiate(NTLM)', String(T0 / 1000)].join('\n');
    assert.equal(h[IDENTITY_HEADERS.signature], `v2=${createHmac('sha256', SECRET).update(canonical, 'utf8').digest('base64url')}`);
    const v = verifyIdentityHeaders(h, SECRET, { now: () => T0 + 10_000 });
    assert.deepEqual(v, {
      ok: true,
      identity: { name: 'CORP\\alice', domain: 'CORP', user: 'alice', groups: ID.groups, format: 2, authPackage: 'Negotiate(NTLM)', mechanism: 'NTLM', timestamp: T0 / 1000 },
    });
    const other = verifyIdentityHeaders(signIdentityHeaders({ ...ID, authPackage: 'Negotiate(Kerberos)' }, SECRET, { now: () => T0 }), SECRET, { now: () => T0 });
    assert.equal(other.ok && other.identity.mechanism, 'Kerberos');
  });

  it('still verifies a v1 set (the NTLM version signed) during the change', () => {
    const h = signV1('CORP\\alice', 'WebUsers,Domain%20Users', 'NTLMv2', String(T0 / 1000));
    const v = verifyIdentityHeaders(h, SECRET, { now: () => T0 });
    assert.deepEqual(v, { ok: true, identity: { name: 'CORP\\alice', domain: 'CORP', user: 'alice', groups: ['WebUsers', 'Domain Users'], format: 1, ntlmVersion: 'NTLMv2', timestamp: T0 / 1000 } });
    const reason = (headers: Record<string, string>): string => {
      const r = verifyIdentityHeaders(headers, SECRET, { now: () => T0 });
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason({ ...h, 'X-NTLMGate-Version': 'NTLMv1' }), 'bad-signature');
    assert.equal(reason({ ...h, 'X-NTLMGate-User': 'CORP\\admin' }), 'bad-signature');
    assert.equal(reason(signV1('CORP\\alice', '', 'NTLMv2', String(T0 / 1000), 'x'.repeat(32))), 'bad-signature');
    // The prefix picks the set: a v1 MAC relabelled v2 is checked over the v2 string, and fails.
    const relabelled = { ...h, 'X-NTLMGate-Package': 'NTLMv2', 'X-NTLMGate-Signature': h['X-NTLMGate-Signature']!.replace(/^v1=/, 'v2=') };
    assert.equal(reason(relabelled), 'bad-signature');
    const noVersion = Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'X-NTLMGate-Version'));
    assert.equal(reason(noVersion), 'missing');
  });

  it('verifies headers as node:http delivers them (lower-case keys) and as a fetch Headers', () => {
    const h = signIdentityHeaders(ID, SECRET, { now: () => T0 });
    const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
    assert.equal(verifyIdentityHeaders(lower, SECRET, { now: () => T0 }).ok, true);
    assert.equal(verifyIdentityHeaders(new Headers(h), SECRET, { now: () => T0 }).ok, true);
  });

  it('refuses tampering, a wrong secret, a missing header, duplicates, expiry and the future', () => {
    const h = signIdentityHeaders(ID, SECRET, { now: () => T0 });
    const at = { now: () => T0 };
    const reason = (headers: Record<string, string | string[]>, secret = SECRET, o = at): string => {
      const v = verifyIdentityHeaders(headers, secret, o);
      return v.ok ? 'ok' : v.reason;
    };
    assert.equal(reason({ ...h, [IDENTITY_HEADERS.user]: 'CORP\\admin' }), 'bad-signature');
    assert.equal(reason({ ...h, [IDENTITY_HEADERS.groups]: 'WebUsers,Domain%20Admins' }), 'bad-signature');
    assert.equal(reason({ ...h, [IDENTITY_HEADERS.package]: 'Negotiate(Kerberos)' }), 'bad-signature');
    assert.equal(reason({ ...h, [IDENTITY_HEADERS.timestamp]: String(T0 / 1000 + 1) }), 'bad-signature');
    assert.equal(reason(h, 'x'.repeat(32)), 'bad-signature');
    const missing = Object.fromEntries(Object.entries(h).filter(([k]) => k !== IDENTITY_HEADERS.groups));
    assert.equal(reason(missing), 'missing');
    const noPackage = Object.fromEntries(Object.entries(h).filter(([k]) => k !== IDENTITY_HEADERS.package));
    assert.equal(reason({ ...noPackage, [IDENTITY_HEADERS.version]: 'NTLMv2' }), 'missing', 'a v2 signature reads the package, never the version');
    assert.equal(reason({ ...h, 'x-ntlmgate-user': 'CORP\\mallory' }), 'duplicated', 'the same header under two spellings');
    assert.equal(reason({ ...h, [IDENTITY_HEADERS.user]: ['CORP\\alice', 'CORP\\alice'] }), 'duplicated');
    assert.equal(reason({ ...h, [IDENTITY_HEADERS.signature]: `${h[IDENTITY_HEADERS.signature]}!` }), 'malformed');
    assert.equal(reason({ ...h, [IDENTITY_HEADERS.signature]: (h[IDENTITY_HEADERS.signature] ?? '').replace(/^v2=/, 'v3=') }), 'malformed');
    assert.equal(reason(h, SECRET, { now: () => T0 + 61_000 }), 'expired');
    assert.equal(reason(h, SECRET, { now: () => T0 - 6_000 }), 'not-yet-valid');
    assert.equal(verifyIdentityHeaders(h, SECRET, { now: () => T0 + 300_000, maxAgeSeconds: 600 }).ok, true);
  });

  it('refuses secrets shorter than 32 bytes', () => {
    assert.throws(() => signIdentityHeaders(ID, 'short'), RangeError);
    assert.throws(() => verifyIdentityHeaders({}, Buffer.alloc(16)), RangeError);
  });
});

describe('stripIdentityHeaders', () => {
  it('removes every X-NTLMGate-* header from headers, rawHeaders and headersDistinct', () => {
    const req = {
      headers: { host: 'x', 'x-ntlmgate-user': 'CORP\\admin', 'x-ntlmgate-signature': 'v1=forged', 'x-other': '1' } as Record<string, unknown>,
      rawHeaders: ['Host', 'x', 'X-NTLMGate-User', 'CORP\\admin', 'x-ntlmgate-SIGNATURE', 'v1=forged', 'X-Other', '1'],
    };
    assert.deepEqual(stripIdentityHeaders(req).sort(), ['x-ntlmgate-signature', 'x-ntlmgate-user']);
    assert.deepEqual(req.headers, { host: 'x', 'x-other': '1' });
    assert.deepEqual(req.rawHeaders, ['Host', 'x', 'X-Other', '1']);
  });

  it('removes the spellings a CGI/WSGI/PHP upstream reads as the same variable, and the identity headers upstreams trust', () => {
    const forged = ['X_NTLMGate_User', 'x-ntlmgate_groups', 'X_NTLMGATE-SIGNATURE', 'X-Forwarded-User', 'x_forwarded_user', 'X-Remote-User', 'REMOTE_USER', 'Remote-User', 'X-Authenticated-User', 'x_authenticated-USER'];
    const kept = ['Host', 'X-Other', 'X-Forwarded-For', 'X-Forwarded-Userx', 'Remote-Users', 'X-NTLMGateUser', 'User'];
    const req = {
      headers: Object.fromEntries([...forged, ...kept].map((n) => [n.toLowerCase(), 'v'])) as Record<string, unknown>,
      rawHeaders: [...forged, ...kept].flatMap((n) => [n, 'v']),
    };
    assert.equal(hasIdentityHeaders(req), true);
    assert.deepEqual(stripIdentityHeaders(req).sort(), [...new Set(forged.map((n) => n.toLowerCase()))].sort());
    assert.deepEqual(Object.keys(req.headers).sort(), kept.map((n) => n.toLowerCase()).sort());
    assert.deepEqual(req.rawHeaders, kept.flatMap((n) => [n, 'v']));
    assert.equal(hasIdentityHeaders(req), false, 'nothing left to strip');
  });

  it('the list is configurable: extra names, or none but ntlmgate\'s own', () => {
    const custom = new IdentityHeaderMatcher([...DEFAULT_STRIPPED_HEADERS, 'X-Webauth-User']);
    assert.equal(custom.matches('x_webauth_user'), true);
    assert.equal(DEFAULT_STRIPPED_HEADERS.some((n) => n.toLowerCase() === 'x-webauth-user'), false);
    const own = new IdentityHeaderMatcher([]);
    assert.equal(own.matches('X-Forwarded-User'), false);
    assert.equal(own.matches('X_NTLMGate_User'), true, 'ntlmgate\'s own names are always stripped');
    const req = { headers: { 'x-forwarded-user': 'CORP\\admin' } as Record<string, unknown>, rawHeaders: ['X-Forwarded-User', 'CORP\\admin'] };
    assert.deepEqual(stripIdentityHeaders(req, own), []);
    assert.deepEqual(stripIdentityHeaders(req, custom), ['x-forwarded-user']);
  });

  it('the stripHeaders option is checked when the handler is made: header names only', () => {
    assert.throws(
      () => iwa(baseOptions({ stripHeaders: ['X-Webauth-User', 'X User'] })),
      (e: unknown) => e instanceof IwaOptionsError && e.problems.some((p) => p === 'stripHeaders: "X User" is not a header name'),
    );
  });

  it('the handler strips the stripHeaders list it was given (and X-NTLMGate-*), nothing else', async () => {
    const seen: Record<string, unknown>[] = [];
    const app = iwa(baseOptions({ stripHeaders: ['X-Webauth-User'] }))((req, res) => {
      seen.push({ ...req.headers });
      res.end();
    });
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const agent = keepAliveAgent(url);
    try {
      const ok = await login(url, agent, { headers: { X_Webauth_User: 'admin', 'X-NTLMGate-User': 'admin', 'X-Forwarded-User': 'kept' } });
      assert.equal(ok.status, 200);
      assert.equal(seen[0]?.['x_webauth_user'], undefined);
      assert.equal(seen[0]?.['x-ntlmgate-user'], undefined);
      assert.equal(seen[0]?.['x-forwarded-user'], 'kept', 'not on this handler\'s list');
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('the handler strips what the client sent before the application sees the request (logged)', async () => {
    const seen: (string | undefined)[] = [];
    const logs: string[] = [];
    const app = iwa(baseOptions({ log: (e) => logs.push(e.reason ?? '') }))((req, res) => {
      seen.push(req.headers['x-ntlmgate-user'] as string | undefined, req.headersDistinct['x-ntlmgate-user']?.[0], req.rawHeaders.find((h) => /ntlmgate/i.test(h)));
      // The reverse-proxy case: the upstream gets our signed set for the authenticated user.
      const id = req.ntlmgate;
      res.end(id ? JSON.stringify(signIdentityHeaders(id, SECRET)) : '');
    });
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const agent = keepAliveAgent(url);
    try {
      const forged = { 'X-NTLMGate-User': 'CORP\\admin', 'X-NTLMGate-Groups': 'Domain%20Admins' };
      assert.equal((await request(url, { agent: false, headers: forged })).status, 401);
      const ok = await login(url, agent, { headers: forged });
      assert.equal(ok.status, 200);
      assert.deepEqual(seen, [undefined, undefined, undefined]);
      assert.ok(logs.includes('identity-headers-stripped'));
      const signed = JSON.parse(ok.body) as Record<string, string>;
      const v = verifyIdentityHeaders(signed, SECRET);
      assert.ok(v.ok);
      assert.equal(v.identity.name, 'CORP\\alice');
      assert.deepEqual(v.identity.groups, ['WebUsers', 'Domain Users']);
      assert.equal(v.identity.authPackage, 'Negotiate(NTLM)', 'the edge signs v2: the package');
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
