/**
 * Headless Chromium (Playwright driving Debian's /usr/bin/chromium) logs on to the IWA server
 * with the credentials a user would type into its prompt. Chromium on Linux never sends a
 * Negotiate leg here and logs on with its portable NTLM (test/helpers/chromium.ts has what we
 * found out about it). Over HTTPS it sends the tls-server-end-point channel bindings of the
 * certificate it saw, so Extended Protection lets it in under accept and require — and refuses
 * it when a TLS-terminating relay with another certificate sits in between.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Browser } from 'playwright-core';
import { tlsServerEndPointData } from '../../../src/ntlm/channelBindings.js';
import { fetchFrom, launchChromium, open, skipUnlessChromium, withContext, type BrowserCredentials, type PageResult } from '../../helpers/chromium.js';
import {
  ALICE,
  BOB,
  keepAliveAgent,
  login,
  makeCertificate,
  skipUnlessOpenssl,
  startServer,
  type Echo,
  type TestCertificate,
  type TestServer,
} from './helpers.js';

const originOf = (url: string): string => new URL(url).origin;

function echoOf(r: PageResult, s: TestServer): Echo {
  assert.equal(r.status, 200, `${r.status} ${r.body}; server log: ${JSON.stringify(s.logs)}`);
  return JSON.parse(r.body) as Echo;
}

// alice as `DOMAIN\user`, bob as a bare user name: Chromium's NTLM takes both (see chromium.ts).
const ALICE_LOGIN: BrowserCredentials = { username: `${ALICE.domain}\\${ALICE.user}`, password: ALICE.password };
const USERS: readonly { readonly who: typeof ALICE | typeof BOB; readonly login: BrowserCredentials }[] = [
  { who: ALICE, login: ALICE_LOGIN },
  { who: BOB, login: { username: BOB.user, password: BOB.password } },
];

describe('headless Chromium (Playwright)', { skip: skipUnlessChromium(), timeout: 120_000 }, () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  const chromium = (): Browser => {
    if (!browser) throw new Error('Chromium did not start');
    return browser;
  };

  describe('plain HTTP', () => {
    it('alice and bob, each in their own context, log on with NTLM and see their own identity; a later fetch keeps it', async () => {
      const s = await startServer();
      try {
        for (const { who, login: credentials } of USERS) {
          await withContext(chromium(), originOf(s.url), credentials, async (page) => {
            const echo = echoOf(await open(page, s.url), s);
            assert.equal(echo.user, who.user);
            assert.equal(echo.name, `CORP\\${who.user}`);
            assert.equal(echo.authPackage, 'NTLM');
            assert.equal(echo.ntlmVersion, 'NTLMv2');
            assert.equal(echo.micPresent, true);
            // No channel, so Chromium's MsvAvChannelBindings is all zeros (taken as absent).
            assert.equal(echo.channelBindings, 'zero');
            assert.equal(echo.channelBindingsVerified, false);
            const again = echoOf(await fetchFrom(page, `${s.url}again`), s);
            assert.equal(again.name, `CORP\\${who.user}`);
          });
          const logon = s.logs.find((e) => e.reason === 'authenticated' && e.user === `CORP\\${who.user}`);
          assert.equal(logon?.scheme, 'NTLM');
          // Later requests (the fetch, the favicon) ride on the authenticated keep-alive connection.
          assert.ok(
            s.logs.some((e) => e.reason === 'connection-authenticated' && e.user === `CORP\\${who.user}`),
            JSON.stringify(s.logs),
          );
        }
        assert.ok(!s.logs.some((e) => e.scheme === 'Negotiate'), `Chromium sent no Negotiate leg: ${JSON.stringify(s.logs)}`);
      } finally {
        await s.close();
      }
    });

    it('a wrong password: the page stays 401, logged as logon-failure for CORP\\alice', async () => {
      const s = await startServer();
      try {
        const r = await withContext(chromium(), originOf(s.url), { username: 'CORP\\alice', password: 'not-her-password' }, (page) => open(page, s.url));
        assert.equal(r.status, 401);
        assert.ok(
          s.logs.some((e) => e.reason === 'logon-failure' && e.user === 'CORP\\alice'),
          JSON.stringify(s.logs),
        );
        assert.ok(!s.logs.some((e) => e.reason === 'authenticated'));
      } finally {
        await s.close();
      }
    });

    it('a server offering Negotiate alone: Chromium sends no token at all and the page stays 401', async () => {
      const s = await startServer({ providers: ['Negotiate'] });
      try {
        const r = await withContext(chromium(), originOf(s.url), ALICE_LOGIN, (page) => open(page, s.url));
        assert.equal(r.status, 401);
        assert.ok(s.logs.length > 0 && s.logs.every((e) => e.reason === 'no-credentials'), JSON.stringify(s.logs));
      } finally {
        await s.close();
      }
    });
  });

  describe('HTTPS with Extended Protection', { skip: skipUnlessOpenssl() }, () => {
    let cert: TestCertificate;
    let relayCert: TestCertificate;
    before(() => {
      cert = makeCertificate();
      relayCert = makeCertificate();
    });
    after(() => {
      cert.cleanup();
      relayCert.cleanup();
    });

    for (const mode of ['accept', 'require'] as const) {
      it(`${mode}: Chromium logs alice and bob on with verified channel bindings; our NTLM client with wrong bindings is refused`, async () => {
        const s = await startServer({ extendedProtection: mode }, { tls: cert });
        const agent = keepAliveAgent(s.url, cert.cert);
        try {
          for (const { who, login: credentials } of USERS) {
            const echo = echoOf(await withContext(chromium(), originOf(s.url), credentials, (page) => open(page, s.url)), s);
            assert.equal(echo.name, `CORP\\${who.user}`);
            assert.equal(echo.authPackage, 'NTLM');
            assert.equal(echo.channelBindings, 'present');
            assert.equal(echo.channelBindingsVerified, true);
          }
          // The NTLM scheme, as Chromium uses it, with bindings for some other certificate.
          const wrong = { applicationData: tlsServerEndPointData(Buffer.alloc(32, 0x5a)) };
          const bad = await login(s.url, agent, { scheme: 'NTLM', credentials: BOB, channelBindings: wrong, ca: cert.cert });
          assert.equal(bad.status, 401);
          const refusal = s.logs.find((e) => e.reason === 'channel-binding-mismatch');
          assert.equal(refusal?.user, 'CORP\\bob', JSON.stringify(s.logs));
          assert.equal(refusal?.scheme, 'NTLM');
        } finally {
          agent.destroy();
          await s.close();
        }
      });
    }

    it('through a TLS-terminating relay with its own certificate: off lets Chromium in, accept and require refuse it (channel-binding-mismatch)', async () => {
      for (const mode of ['off', 'accept', 'require'] as const) {
        const s = await startServer({ extendedProtection: mode }, { tls: cert });
        const relay = await startRelay(s.url, relayCert, cert.cert);
        try {
          const r = await withContext(chromium(), originOf(relay.url), ALICE_LOGIN, (page) => open(page, relay.url));
          if (mode === 'off') {
            // The relay works: the logon goes through, the bindings (for the relay's certificate) unchecked.
            const echo = echoOf(r, s);
            assert.equal(echo.name, 'CORP\\alice');
            assert.equal(echo.channelBindings, 'present');
            assert.equal(echo.channelBindingsVerified, false);
          } else {
            assert.equal(r.status, 401, `${mode}: ${r.body}`);
            const refusal = s.logs.find((e) => e.reason === 'channel-binding-mismatch');
            assert.equal(refusal?.user, 'CORP\\alice', `${mode}: ${JSON.stringify(s.logs)}`);
            assert.ok(!s.logs.some((e) => e.reason === 'authenticated'), mode);
          }
        } finally {
          await relay.close();
          await s.close();
        }
      }
    });
  });
});

/**
 * What an attacker relaying a victim's logon runs: TLS terminated with its own certificate,
 * each client connection forwarded over one upstream connection of its own (so the
 * connection-bound NTLM handshake survives), headers and status passed through unchanged.
 */
async function startRelay(target: string, own: TestCertificate, targetCa: string): Promise<{ readonly url: string; close(): Promise<void> }> {
  const upstreams = new WeakMap<Socket, https.Agent>();
  const upstreamFor = (socket: Socket): https.Agent => {
    const known = upstreams.get(socket);
    if (known) return known;
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: targetCa });
    socket.once('close', () => agent.destroy());
    upstreams.set(socket, agent);
    return agent;
  };
  const server = https.createServer({ key: own.key, cert: own.cert }, (req, res) => {
    const upstream = https.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers, agent: upstreamFor(req.socket) }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
