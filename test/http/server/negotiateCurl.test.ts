/**
 * curl --negotiate with gss-ntlmssp as its GSSAPI mechanism: a real SPNEGO initiator (MIT
 * krb5's mechglue) carrying NTLM, the password read from NTLM_USER_FILE. No Kerberos
 * credentials are reachable, so the NegTokenInit offers NTLM alone. gss-ntlmssp sends a
 * 40-byte NEGOTIATE with the Version field, a MIC and a mechListMIC, and no channel bindings;
 * curl 7.88 does not pass the final SPNEGO token of the 200 back to GSSAPI.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ALICE,
  BOB,
  curlNegotiate,
  makeCertificate,
  skipUnlessCurlNegotiate,
  skipUnlessOpenssl,
  startServer,
  type Credentials,
  type Echo,
  type TestServer,
  type TestCertificate,
  type ToolResult,
} from './helpers.js';

describe('curl --negotiate with gss-ntlmssp (NTLM inside SPNEGO)', { skip: skipUnlessCurlNegotiate() }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ntlmgate-negotiate-curl-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let runs = 0;
  /** curl with a fresh GSSNTLMSSP_DEBUG log; `explain` names the result, curl's stderr and gss-ntlmssp's trace for assertion messages. */
  async function curl(s: TestServer, who: Credentials, extra: readonly string[] = []): Promise<ToolResult & { explain: string }> {
    const debugLog = join(dir, `gssntlmssp-${++runs}.log`);
    const r = await curlNegotiate(s.url, who, { extra, debugLog });
    const trace = existsSync(debugLog) ? readFileSync(debugLog, 'utf8') : '(no gss-ntlmssp trace)';
    return { ...r, explain: `exit ${r.exitCode}, HTTP ${r.status}: ${r.body}\n${r.stderr}\ngss-ntlmssp:\n${trace}\nserver log: ${JSON.stringify(s.logs)}` };
  }

  for (const providers of [['Negotiate', 'NTLM'], ['Negotiate']] as const) {
    it(`logs alice and bob on and each sees their own identity (providers ${providers.join(', ')})`, async () => {
      const s = await startServer({ providers });
      try {
        for (const who of [ALICE, BOB]) {
          const r = await curl(s, who);
          assert.equal(r.exitCode, 0, r.explain);
          assert.equal(r.status, 200, r.explain);
          const echo = JSON.parse(r.body) as Echo;
          assert.equal(echo.user, who.user);
          assert.equal(echo.name, `CORP\\${who.user}`);
          assert.equal(echo.authPackage, 'Negotiate(NTLM)');
          assert.equal(echo.ntlmVersion, 'NTLMv2');
          assert.equal(echo.micPresent, true, 'gss-ntlmssp sends a MIC');
          // Only a SPNEGO exchange (not raw NTLMSSP under Negotiate) carries a mechListMIC.
          assert.equal(echo.mechListMicVerified, true);
          assert.equal(echo.channelBindings, 'absent');
          const logon = s.logs.find((e) => e.reason === 'authenticated' && e.user === `CORP\\${who.user}`);
          assert.equal(logon?.scheme, 'Negotiate', r.explain);
        }
        assert.ok(!s.logs.some((e) => e.scheme === 'NTLM'), 'no leg under the NTLM scheme');
      } finally {
        await s.close();
      }
    });
  }

  it('a wrong password in NTLM_USER_FILE: 401, logged as logon-failure under Negotiate', async () => {
    const s = await startServer();
    try {
      const r = await curl(s, { ...ALICE, password: 'not-her-password' });
      assert.equal(r.status, 401, r.explain);
      const failure = s.logs.find((e) => e.reason === 'logon-failure');
      assert.equal(failure?.user, 'CORP\\alice', r.explain);
      assert.equal(failure?.scheme, 'Negotiate');
      assert.ok(!s.logs.some((e) => e.reason === 'authenticated'));
    } finally {
      await s.close();
    }
  });

  describe('over HTTPS with Extended Protection (curl passes no channel bindings to GSSAPI)', { skip: skipUnlessOpenssl() }, () => {
    let cert: TestCertificate;
    before(() => {
      cert = makeCertificate();
    });
    after(() => cert.cleanup());

    it('accept: logs on, the bindings recorded as absent and not verified', async () => {
      const s = await startServer({ extendedProtection: 'accept' }, { tls: cert });
      try {
        const r = await curl(s, ALICE, ['--cacert', cert.certFile]);
        assert.equal(r.status, 200, r.explain);
        const echo = JSON.parse(r.body) as Echo;
        assert.equal(echo.user, 'alice');
        assert.equal(echo.authPackage, 'Negotiate(NTLM)');
        assert.equal(echo.channelBindings, 'absent');
        assert.equal(echo.channelBindingsVerified, false);
      } finally {
        await s.close();
      }
    });

    it('require: refused with 401, logged channel-binding-missing', async () => {
      const s = await startServer({ extendedProtection: 'require' }, { tls: cert });
      try {
        const r = await curl(s, ALICE, ['--cacert', cert.certFile]);
        assert.equal(r.status, 401, r.explain);
        const refusal = s.logs.find((e) => e.reason === 'channel-binding-missing');
        assert.equal(refusal?.user, 'CORP\\alice', r.explain);
        assert.equal(refusal?.scheme, 'Negotiate');
      } finally {
        await s.close();
      }
    });
  });
});
