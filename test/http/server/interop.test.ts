/** Real third-party clients log on to the handler over real sockets: curl (--ntlm) and Python requests + requests_ntlm. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, BOB, curlNtlm, requestsNtlm, skipUnlessCurl, skipUnlessRequestsNtlm, startServer, type Echo } from './helpers.js';

describe('curl --ntlm (32-byte NEGOTIATE, no MIC)', { skip: skipUnlessCurl() }, () => {
  for (const providers of [['Negotiate', 'NTLM'], ['NTLM']] as const) {
    it(`logs alice and bob on and sees their own identity (providers ${providers.join(', ')})`, async () => {
      const s = await startServer({ providers });
      try {
        for (const who of [ALICE, BOB]) {
          const r = await curlNtlm(s.url, who);
          assert.equal(r.exitCode, 0, r.stderr);
          assert.equal(r.status, 200, r.body);
          const echo = JSON.parse(r.body) as Echo;
          assert.equal(echo.user, who.user);
          assert.equal(echo.name, `CORP\\${who.user}`);
          assert.equal(echo.authPackage, 'NTLM');
          assert.equal(echo.ntlmVersion, 'NTLMv2');
          assert.equal(echo.micPresent, false, 'curl sends no MIC');
        }
      } finally {
        await s.close();
      }
    });
  }

  it('a wrong password: 401 after the handshake, logged as logon-failure', async () => {
    const s = await startServer();
    try {
      const r = await curlNtlm(s.url, { ...ALICE, password: 'wrong' });
      assert.equal(r.status, 401);
      assert.ok(s.logs.some((e) => e.reason === 'logon-failure' && e.user === 'CORP\\alice'));
    } finally {
      await s.close();
    }
  });
});

describe('Python requests + requests_ntlm', { skip: skipUnlessRequestsNtlm() }, () => {
  it('logs alice and bob on after the bare 401 (it picks NTLM from "Negotiate, NTLM") and sees their own identity', async () => {
    const s = await startServer();
    try {
      for (const who of [ALICE, BOB]) {
        const r = await requestsNtlm(s.url, who);
        assert.equal(r.exitCode, 0, r.stderr);
        assert.equal(r.status, 200, r.body);
        const echo = JSON.parse(r.body) as Echo;
        assert.equal(echo.user, who.user);
        assert.equal(echo.name, `CORP\\${who.user}`);
        assert.equal(echo.ntlmVersion, 'NTLMv2');
      }
    } finally {
      await s.close();
    }
  });

  it('logs on under Negotiate only (raw NTLMSSP under the Negotiate scheme)', async () => {
    const s = await startServer({ providers: ['Negotiate'] });
    try {
      const r = await requestsNtlm(s.url, ALICE);
      assert.equal(r.status, 200, r.stderr || r.body);
      const echo = JSON.parse(r.body) as Echo;
      assert.equal(echo.user, 'alice');
      assert.equal(echo.authPackage, 'Negotiate(NTLM)');
    } finally {
      await s.close();
    }
  });

  it('a wrong password: 401', async () => {
    const s = await startServer();
    try {
      const r = await requestsNtlm(s.url, { ...BOB, password: 'nope' });
      assert.equal(r.status, 401);
    } finally {
      await s.close();
    }
  });
});
