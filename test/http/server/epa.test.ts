/**
 * Extended Protection over HTTPS with a real certificate (openssl CLI): the server binds to
 * its own certificate's tls-server-end-point hash; accept lets clients without bindings in
 * (curl), require does not, and wrong bindings (a relay's channel) are refused under both.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tlsServerEndPointHash } from '../../../src/crypto/certificateHash.js';
import { tlsServerEndPointData } from '../../../src/ntlm/channelBindings.js';
import {
  ALICE,
  BOB,
  curlNtlm,
  keepAliveAgent,
  login,
  makeCertificate,
  parseEcho,
  request,
  requestsNtlm,
  skipUnlessCurl,
  skipUnlessOpenssl,
  skipUnlessRequestsNtlm,
  startServer,
  type TestCertificate,
} from './helpers.js';

const skip = skipUnlessOpenssl();

describe('Extended Protection (HTTPS, tls-server-end-point)', { skip }, () => {
  let cert: TestCertificate;
  before(() => {
    cert = makeCertificate();
  });
  after(() => cert.cleanup());

  const right = () => ({ applicationData: tlsServerEndPointData(tlsServerEndPointHash(cert.cert)) });
  // What a client connected to a relay would bind to: some other certificate's hash.
  const wrong = () => ({ applicationData: tlsServerEndPointData(Buffer.alloc(32, 0x5a)) });

  for (const mode of ['accept', 'require'] as const) {
    it(`${mode}: our client with the right bindings logs on (verified); wrong bindings → 401 channel-binding-mismatch`, async () => {
      const s = await startServer({ extendedProtection: mode }, { tls: cert });
      const agent = keepAliveAgent(s.url, cert.cert);
      try {
        for (const scheme of ['Negotiate', 'NTLM'] as const) {
          const ok = await login(s.url, agent, { scheme, channelBindings: right(), ca: cert.cert });
          assert.equal(ok.status, 200, `${scheme}: ${ok.body}`);
          const echo = parseEcho(ok);
          assert.equal(echo.channelBindings, 'present');
          assert.equal(echo.channelBindingsVerified, true);
        }
        const bad = await login(s.url, agent, { credentials: BOB, channelBindings: wrong(), ca: cert.cert });
        assert.equal(bad.status, 401);
        assert.ok(s.logs.some((e) => e.reason === 'channel-binding-mismatch' && e.user === 'CORP\\bob'), JSON.stringify(s.logs));
        assert.equal(s.core.stats().certificates, 1, 'the certificate hash is computed once');
      } finally {
        agent.destroy();
        await s.close();
      }
    });
  }

  it('accept: a client without bindings (our client, curl) logs on', { skip: skipUnlessCurl() }, async () => {
    const s = await startServer({ extendedProtection: 'accept' }, { tls: cert });
    const agent = keepAliveAgent(s.url, cert.cert);
    try {
      const ours = await login(s.url, agent, { ca: cert.cert });
      assert.equal(ours.status, 200);
      assert.equal(parseEcho(ours).channelBindingsVerified, false);
      const r = await curlNtlm(s.url, ALICE, ['--cacert', cert.certFile]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.status, 200, r.body);
      assert.equal((JSON.parse(r.body) as { user: string }).user, 'alice');
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  it('require: curl (no bindings) is refused with 401, logged channel-binding-missing', { skip: skipUnlessCurl() }, async () => {
    const s = await startServer({ extendedProtection: 'require' }, { tls: cert });
    try {
      const r = await curlNtlm(s.url, ALICE, ['--cacert', cert.certFile]);
      assert.equal(r.status, 401);
      assert.ok(s.logs.some((e) => e.reason === 'channel-binding-missing'));
    } finally {
      await s.close();
    }
  });

  it('require: Python requests_ntlm (it sends the certificate hash) logs on', { skip: skipUnlessRequestsNtlm() }, async () => {
    const s = await startServer({ extendedProtection: 'require' }, { tls: cert });
    try {
      const r = await requestsNtlm(s.url, ALICE, cert.certFile);
      assert.equal(r.status, 200, r.stderr || r.body);
      const echo = JSON.parse(r.body) as { user: string; channelBindingsVerified: boolean };
      assert.equal(echo.user, 'alice');
      assert.equal(echo.channelBindingsVerified, true);
    } finally {
      await s.close();
    }
  });

  it('off: bindings are not checked (wrong ones pass), as IIS with Extended Protection off', async () => {
    const s = await startServer({ extendedProtection: 'off' }, { tls: cert });
    const agent = keepAliveAgent(s.url, cert.cert);
    try {
      const r = await login(s.url, agent, { channelBindings: wrong(), ca: cert.cert });
      assert.equal(r.status, 200);
      assert.equal(parseEcho(r).channelBindingsVerified, false);
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  for (const mode of ['accept', 'require'] as const) {
    it(`plain HTTP under ${mode}: a logon without bindings is accepted (no channel); one whose bindings name a certificate (relayed from TLS) is refused`, async () => {
      const s = await startServer({ extendedProtection: mode });
      const agent = keepAliveAgent(s.url);
      try {
        assert.equal((await login(s.url, agent)).status, 200);
        for (const bindings of [right(), wrong()]) {
          const relayed = await login(s.url, keepAliveAgent(s.url), { credentials: BOB, channelBindings: bindings });
          assert.equal(relayed.status, 401);
        }
        assert.equal(s.logs.filter((e) => e.reason === 'channel-binding-mismatch' && e.user === 'CORP\\bob').length, 2, JSON.stringify(s.logs));
      } finally {
        agent.destroy();
        await s.close();
      }
    });
  }

  it('plain HTTP under off: bindings are ignored, as on TLS', async () => {
    const s = await startServer({ extendedProtection: 'off' });
    try {
      assert.equal((await login(s.url, keepAliveAgent(s.url), { channelBindings: wrong() })).status, 200);
    } finally {
      await s.close();
    }
  });

  it('a mode per connection: the function decides for each socket', async () => {
    const s = await startServer({ extendedProtection: (socket) => (socket.remotePort !== undefined && seenPorts.has(socket.remotePort) ? 'off' : 'require') });
    const seenPorts = new Set<number>();
    const offAgent = keepAliveAgent(s.url);
    try {
      // First connection: require → bindings naming a certificate refused on plain HTTP.
      assert.equal((await login(s.url, keepAliveAgent(s.url), { channelBindings: wrong() })).status, 401);
      // A connection the function puts under off: the same logon passes.
      const probe = await request(s.url, { agent: offAgent });
      assert.equal(probe.status, 401);
      const sockets = (offAgent as unknown as { freeSockets: Record<string, { localPort?: number }[]> }).freeSockets;
      for (const list of Object.values(sockets)) for (const sock of list) if (sock.localPort !== undefined) seenPorts.add(sock.localPort);
      assert.equal((await login(s.url, offAgent, { channelBindings: wrong() })).status, 200);
    } finally {
      offAgent.destroy();
      await s.close();
    }
  });
});
