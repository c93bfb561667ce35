/** The IWA handler over real sockets with our own clients: the 401 dance, persistence, bounds, closing connections. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { NtlmClientContext } from '../../../src/ntlm/clientContext.js';
import { encodeInitialToken } from '../../../src/spnego/tokens.js';
import { createIwaHandler } from '../../../src/http/server/handler.js';
import { IwaOptionsError } from '../../../src/http/server/options.js';
import { ALICE, BOB, LOCAL, baseOptions, challengeToken, eventually, keepAliveAgent, login, parseEcho, request, startServer, wwwAuthenticate } from './helpers.js';

const negotiateHeader = (): string => `NTLM ${new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' }).negotiate().toString('base64')}`;

describe('IWA handler: the handshake', () => {
  it('answers a request without credentials with one WWW-Authenticate per provider, in configured order', async () => {
    for (const providers of [['Negotiate', 'NTLM'], ['NTLM', 'Negotiate'], ['NTLM']] as const) {
      const s = await startServer({ providers });
      try {
        const res = await request(s.url, { agent: false });
        assert.equal(res.status, 401);
        assert.deepEqual(wwwAuthenticate(res), [...providers]);
        assert.equal(res.body, '401 Unauthorized\n', 'a generic body');
      } finally {
        await s.close();
      }
    }
  });

  for (const [label, scheme, raw] of [
    ['Negotiate (SPNEGO)', 'Negotiate', false],
    ['raw NTLMSSP under Negotiate', 'Negotiate', true],
    ['NTLM', 'NTLM', false],
  ] as const) {
    it(`logs on with ${label}; the token is answered under the scheme it came with`, async () => {
      const s = await startServer();
      const agent = keepAliveAgent(s.url);
      try {
        const res = await login(s.url, agent, { scheme, raw });
        assert.equal(res.status, 200);
        const echo = parseEcho(res);
        assert.equal(echo.user, 'alice');
        assert.equal(echo.name, 'CORP\\alice');
        assert.equal(echo.ntlmVersion, 'NTLMv2');
        assert.equal(echo.authPackage, scheme === 'NTLM' ? 'NTLM' : 'Negotiate(NTLM)');
        assert.equal(echo.micPresent, true);
        assert.deepEqual(echo.groups, ['WebUsers', 'Domain Users']);
        if (scheme === 'Negotiate' && !raw) {
          assert.equal(echo.mechListMicVerified, true);
          assert.equal(res.mechListMicVerified, true, 'the final NegTokenResp came back on the 200 and verified');
        }
        const log = s.logs.find((e) => e.reason === 'authenticated');
        assert.equal(log?.user, 'CORP\\alice');
        assert.equal(log?.scheme, scheme);
      } finally {
        agent.destroy();
        await s.close();
      }
    });
  }

  it('keeps the connection authenticated for its life (no header needed), and not other connections', async () => {
    const s = await startServer();
    const agent = keepAliveAgent(s.url);
    try {
      assert.equal((await login(s.url, agent)).status, 200);
      for (let i = 0; i < 5; i++) {
        const res = await request(s.url, { agent });
        assert.equal(res.status, 200);
        assert.equal(parseEcho(res).name, 'CORP\\alice');
      }
      assert.equal((await request(s.url, { agent: false })).status, 401, 'a new connection starts unauthenticated');
      assert.equal(s.core.stats().authenticatedConnections, 1);
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  it('a POST body sent with each leg (as browsers do) is drained; the handshake stays on one connection', async () => {
    const s = await startServer();
    const agent = keepAliveAgent(s.url);
    try {
      const body = Buffer.alloc(200_000, 0x61);
      const client = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' });
      const post = (token: Buffer) => request(s.url, { agent, method: 'POST', body, headers: { authorization: `NTLM ${token.toString('base64')}`, 'content-length': body.length } });
      const first = await post(client.negotiate());
      const challenge = challengeToken(first, 'NTLM');
      assert.ok(challenge);
      const done = await post(client.authenticate(challenge));
      assert.equal(done.status, 200);
      assert.equal(s.core.stats().trackedConnections, 1);
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  it('persistence "request" wants a full handshake for every request', async () => {
    const s = await startServer({ persistence: 'request' });
    const agent = keepAliveAgent(s.url);
    try {
      assert.equal((await login(s.url, agent)).status, 200);
      assert.equal((await request(s.url, { agent })).status, 401);
      assert.equal((await login(s.url, agent, { credentials: BOB })).status, 200);
      assert.equal(s.core.stats().authenticatedConnections, 0);
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  it('re-authenticates a connection that sends new credentials; a failed attempt leaves it unauthenticated', async () => {
    const s = await startServer();
    const agent = keepAliveAgent(s.url);
    try {
      assert.equal((await login(s.url, agent)).status, 200);
      const wrong = await login(s.url, agent, { credentials: { ...BOB, password: 'nope' } });
      assert.equal(wrong.status, 401);
      assert.equal((await request(s.url, { agent })).status, 401, 'alice’s identity did not survive');
      assert.equal(parseEcho(await login(s.url, agent, { credentials: BOB })).name, 'CORP\\bob');
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  it('refuses a wrong password with 401, fresh challenges, a generic body and the reason in the log only', async () => {
    const s = await startServer();
    const agent = keepAliveAgent(s.url);
    try {
      const res = await login(s.url, agent, { credentials: { ...ALICE, password: 'wrong' } });
      assert.equal(res.status, 401);
      assert.deepEqual(wwwAuthenticate(res), ['Negotiate', 'NTLM']);
      assert.equal(res.body, '401 Unauthorized\n');
      const entry = s.logs.find((e) => e.reason === 'logon-failure');
      assert.ok(entry, JSON.stringify(s.logs));
      assert.equal(entry.user, 'CORP\\alice');
      assert.equal(entry.status, 401);
      // Nothing a token or a header carried ends up in the log.
      const text = JSON.stringify(s.logs);
      assert.doesNotMatch(text, /TlRMTVNT|YII|oX|Al1ce/);
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  it('logs a local account (WEB1\\svc) on', async () => {
    const s = await startServer();
    const agent = keepAliveAgent(s.url);
    try {
      assert.equal(parseEcho(await login(s.url, agent, { credentials: LOCAL, scheme: 'NTLM' })).name, 'WEB1\\svc');
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  it('answers 401 (not 500) to an AUTHENTICATE with no handshake in progress, and 400 to one that does not decode', async () => {
    const s = await startServer();
    const agent = keepAliveAgent(s.url);
    try {
      let auth: Buffer | undefined;
      await login(s.url, agent, { scheme: 'NTLM', onToken: (leg, t) => (leg === 2 ? (auth = t) : undefined) });
      assert.ok(auth);
      const replay = await request(s.url, { agent: false, headers: { authorization: `NTLM ${auth.toString('base64')}` } });
      assert.equal(replay.status, 401);
      assert.ok(s.logs.some((e) => e.reason === 'no-handshake-in-progress'));
      const truncated = await request(s.url, { agent: false, headers: { authorization: `NTLM ${auth.subarray(0, 40).toString('base64')}` } });
      assert.equal(truncated.status, 400);
      assert.ok(s.logs.some((e) => e.reason === 'token-malformed'));
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  it('caps the Authorization header (400) and refuses duplicated ones (400)', async () => {
    const s = await startServer({ maxAuthorizationBytes: 1024 });
    try {
      const big = await request(s.url, { agent: false, headers: { authorization: `NTLM ${'A'.repeat(2000)}` } });
      assert.equal(big.status, 400);
      const twice = await request(s.url, { agent: false, headers: ['Host', '127.0.0.1', 'Authorization', negotiateHeader(), 'Authorization', negotiateHeader()] });
      assert.equal(twice.status, 400);
      assert.deepEqual(
        s.logs.filter((e) => e.status === 400).map((e) => e.reason),
        ['authorization-too-large', 'authorization-duplicated'],
      );
    } finally {
      await s.close();
    }
  });

  it('Negotiate with a bare Kerberos token or a Kerberos-only mechanism list: 401 (well-formed, not ours), not 400', async () => {
    const s = await startServer();
    try {
      // GSS-API InitialContextToken for 1.2.840.113554.1.2.2 (krb5), TOK_ID AP-REQ, truncated body.
      const krb5 = Buffer.from([0x60, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00]);
      const bare = await request(s.url, { agent: false, headers: { authorization: `Negotiate ${krb5.toString('base64')}` } });
      assert.equal(bare.status, 401);
      assert.deepEqual(wwwAuthenticate(bare), ['Negotiate', 'NTLM']);
      const only = encodeInitialToken({ mechTypes: ['1.2.840.48018.1.2.2', '1.2.840.113554.1.2.2'] });
      const spnego = await request(s.url, { agent: false, headers: { authorization: `Negotiate ${only.toString('base64')}` } });
      assert.equal(spnego.status, 401);
      assert.deepEqual(
        s.logs.filter((e) => e.status === 401).map((e) => e.reason),
        ['unsupported-mechanism', 'unsupported-mechanism'],
      );
    } finally {
      await s.close();
    }
  });

  it('an unconfigured scheme (Basic, or NTLM when only Negotiate is offered) gets the challenges again', async () => {
    const s = await startServer({ providers: ['Negotiate'] });
    try {
      for (const authorization of ['Basic YWxpY2U6cHc=', negotiateHeader()]) {
        const res = await request(s.url, { agent: false, headers: { authorization } });
        assert.equal(res.status, 401);
        assert.deepEqual(wwwAuthenticate(res), ['Negotiate']);
      }
    } finally {
      await s.close();
    }
  });
});

describe('IWA handler: connection state and bounds', () => {
  it('a connection closed mid-handshake frees its context (stats().liveContexts back to 0)', async () => {
    const s = await startServer();
    try {
      const sockets: net.Socket[] = [];
      for (let i = 0; i < 5; i++) {
        const sock = net.connect(s.port, '127.0.0.1');
        sockets.push(sock);
        await new Promise<void>((resolve) => {
          sock.once('data', () => resolve());
          sock.write(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: ${negotiateHeader()}\r\n\r\n`);
        });
      }
      assert.equal(s.core.stats().liveContexts, 5);
      assert.equal(s.core.stats().pendingClientIps, 1);
      for (const sock of sockets) sock.destroy();
      await eventually(() => s.core.stats().liveContexts === 0 && s.core.stats().trackedConnections === 0);
      assert.equal(s.core.stats().pendingClientIps, 0);
    } finally {
      await s.close();
    }
  });

  it('expires a handshake after handshakeTimeoutMs (401, logged handshake-expired)', async () => {
    let now = Date.UTC(2026, 10, 21, 12);
    const s = await startServer({ handshakeTimeoutMs: 1000, now: () => now });
    const agent = keepAliveAgent(s.url);
    try {
      const client = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' });
      const first = await request(s.url, { agent, headers: { authorization: `NTLM ${client.negotiate().toString('base64')}` } });
      const challenge = challengeToken(first, 'NTLM');
      assert.ok(challenge);
      now += 1001;
      const late = await request(s.url, { agent, headers: { authorization: `NTLM ${client.authenticate(challenge).toString('base64')}` } });
      assert.equal(late.status, 401);
      assert.ok(s.logs.some((e) => e.reason === 'handshake-expired'), JSON.stringify(s.logs));
      assert.equal(s.core.stats().liveContexts, 0);
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  it('the expiry timer frees an abandoned handshake on an idle keep-alive connection', async () => {
    const s = await startServer({ handshakeTimeoutMs: 50 });
    const agent = keepAliveAgent(s.url);
    try {
      await request(s.url, { agent, headers: { authorization: negotiateHeader() } });
      assert.equal(s.core.stats().liveContexts, 1);
      await eventually(() => s.core.stats().liveContexts === 0);
      assert.equal(s.core.stats().trackedConnections, 1, 'the connection itself is still open');
    } finally {
      agent.destroy();
      await s.close();
    }
  });

  // The caps (eviction of the oldest half-open handshake) are tested in halfOpen.test.ts.

  it('Connection: close on a first leg: bare challenges, the connection closed, the reason logged; the last leg still works', async () => {
    const s = await startServer();
    try {
      const res = await request(s.url, { agent: false, headers: { authorization: negotiateHeader(), connection: 'close' } });
      assert.equal(res.status, 401);
      assert.deepEqual(wwwAuthenticate(res), ['Negotiate', 'NTLM'], 'no CHALLENGE the client could not use');
      assert.equal(res.headers.connection, 'close');
      assert.ok(s.logs.some((e) => e.reason === 'handshake-on-closing-connection'));
      assert.equal(s.core.stats().liveContexts, 0);
      // Keep-alive for the handshake, `Connection: close` on the AUTHENTICATE: fine.
      const agent = keepAliveAgent(s.url);
      try {
        const client = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' });
        const first = await request(s.url, { agent, headers: { authorization: `NTLM ${client.negotiate().toString('base64')}` } });
        const challenge = challengeToken(first, 'NTLM');
        assert.ok(challenge);
        const auth = client.authenticate(challenge).toString('base64');
        const ok = await request(s.url, { agent, headers: { authorization: `NTLM ${auth}`, connection: 'close' } });
        assert.equal(ok.status, 200);
        assert.equal(parseEcho(ok).name, 'CORP\\alice');
      } finally {
        agent.destroy();
      }
    } finally {
      await s.close();
    }
  });

  it('HTTP/1.0: without keep-alive the handshake cannot start; with Connection: keep-alive it completes', async () => {
    const s = await startServer();
    try {
      const exchange = (sock: net.Socket, text: string): Promise<string> =>
        new Promise((resolve) => {
          let buf = '';
          const onData = (d: Buffer): void => {
            buf += d.toString('latin1');
            const head = buf.indexOf('\r\n\r\n');
            const m = /content-length: (\d+)/i.exec(buf);
            if (head >= 0 && m && buf.length >= head + 4 + Number(m[1])) {
              sock.off('data', onData);
              resolve(buf);
            }
          };
          sock.on('data', onData);
          // node answers HTTP/1.0 without Content-Length by closing the connection.
          sock.once('end', () => resolve(buf));
          sock.write(text);
        });
      const plain = net.connect(s.port, '127.0.0.1');
      const closed = new Promise((r) => plain.once('close', r));
      const r1 = await exchange(plain, `GET / HTTP/1.0\r\nAuthorization: ${negotiateHeader()}\r\n\r\n`);
      assert.match(r1, /^HTTP\/1\.1 401/);
      assert.doesNotMatch(r1, /WWW-Authenticate: NTLM \S/, 'no challenge token');
      await closed;

      const keep = net.connect(s.port, '127.0.0.1');
      try {
        const client = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' });
        const r2 = await exchange(keep, `GET / HTTP/1.0\r\nConnection: keep-alive\r\nAuthorization: NTLM ${client.negotiate().toString('base64')}\r\n\r\n`);
        const m = /WWW-Authenticate: NTLM (\S+)/.exec(r2);
        assert.ok(m?.[1], r2);
        const r3 = await exchange(keep, `GET / HTTP/1.0\r\nConnection: keep-alive\r\nAuthorization: NTLM ${client.authenticate(Buffer.from(m[1], 'base64')).toString('base64')}\r\n\r\n`);
        assert.match(r3, /^HTTP\/1\.1 200/);
        assert.match(r3, /CORP\\\\alice/);
      } finally {
        keep.destroy();
      }
    } finally {
      await s.close();
    }
  });
});

describe('IWA handler: options and wiring', () => {
  it('refuses bad options at creation, listing every problem', () => {
    assert.throws(
      () => createIwaHandler({ ...baseOptions(), providers: ['Kerberos' as 'NTLM', 'NTLM', 'NTLM'], maxPendingPerIp: 0, allow: { users: ['alice'] } }),
      (e: unknown) => e instanceof IwaOptionsError && e.problems.length === 4,
    );
  });

  it('createIwaHandler(…)(req, res, next) calls next only for authenticated requests, and never throws into node', async () => {
    const handler = createIwaHandler(baseOptions());
    let nexts = 0;
    // Connect-style next(err) reads an argument as an error: next is called with none, on the
    // path that waited for the logon and on the same-tick path of an authenticated connection.
    const nextArgs: number[] = [];
    const server = http.createServer((req, res) =>
      handler(req, res, (...args: unknown[]) => {
        nexts++;
        nextArgs.push(args.length);
        if (req.url === '/boom') throw new Error('application bug');
        res.end(req.ntlmgate?.name);
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
    const agent = keepAliveAgent(url);
    try {
      assert.equal((await request(url, { agent: false })).status, 401);
      assert.equal(nexts, 0);
      const ok = await login(url, agent);
      assert.equal(ok.body, 'CORP\\alice');
      assert.equal((await request(`${url}boom`, { agent })).status, 500);
      assert.equal(nexts, 2);
      assert.deepEqual(nextArgs, [0, 0]);
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('uses the requestId hook in logs', async () => {
    let n = 0;
    const s = await startServer({ requestId: () => `req-${++n}` });
    try {
      await request(s.url, { agent: false });
      assert.equal(s.logs[0]?.requestId, 'req-1');
    } finally {
      await s.close();
    }
  });
});
