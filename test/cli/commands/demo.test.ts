/** The demo handshake in-process (no spawning): what it reports, and the text it prints. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEMO, formatDemoText, runDemoHandshake } from '../../../src/cli/commands/demo.js';
import { channelBindingsHash, tlsServerEndPointData } from '../../../src/ntlm/channelBindings.js';

describe('runDemoHandshake', () => {
  it('authenticates alice with NTLMv2, MIC and channel bindings, and seals "hello"', async () => {
    const d = await runDemoHandshake();
    const certHash = createHash('sha256').update(DEMO.certificateLabel).digest();
    const cbHash = channelBindingsHash({ applicationData: tlsServerEndPointData(certHash) }).toString('hex');
    assert.equal(d.setup.channelBindings.hash, cbHash);
    assert.deepEqual(
      d.legs.map((l) => [l.from, l.header.split(' ').slice(0, 2).join(' ')]),
      [
        ['server', 'WWW-Authenticate: NTLM'],
        ['client', 'Authorization: NTLM'],
        ['server', 'WWW-Authenticate: NTLM'],
        ['client', 'Authorization: NTLM'],
      ],
    );
    const chal = d.legs[2]?.token?.ntlm;
    assert.ok(chal && chal.type === 'CHALLENGE');
    assert.equal(chal.targetName, 'CORP');
    assert.deepEqual(
      chal.avPairs.map((p) => [p.id, p.value]).slice(0, 2),
      [
        ['MsvAvNbDomainName', 'CORP'],
        ['MsvAvNbComputerName', 'WEB1'],
      ],
    );
    const auth = d.legs[3]?.token?.ntlm;
    assert.ok(auth && auth.type === 'AUTHENTICATE');
    assert.equal(auth.responseKind, 'NTLMv2');
    assert.equal(auth.workstation, 'WS01');
    assert.equal(auth.ntlmv2?.channelBindings, cbHash);
    assert.equal(auth.ntlmv2?.msvAvFlags?.micAnnounced, true);
    assert.match(auth.mic ?? '', /^[0-9a-f]{32}$/);
    assert.notEqual(auth.mic, '0'.repeat(32));
    assert.equal(d.result.authenticated, true);
    assert.equal(d.result.targetName, DEMO.targetSpn);
    assert.ok(d.result.flags?.names.includes('NEGOTIATE_SEAL'));
    assert.ok(d.sealed?.ok);
    assert.equal(d.sealed?.signature.length, 32);
  });

  it('a wrong password ends in logon-failure, no session', async () => {
    const d = await runDemoHandshake({ password: 'wrong' });
    assert.equal(d.result.authenticated, false);
    assert.equal(d.result.failure?.reason, 'logon-failure');
    assert.equal(d.sealed, null);
    assert.equal(d.legs.length, 4, 'all legs were still exchanged');
    assert.match(formatDemoText(d), /^Result: logon refused \(HTTP\/1\.1 401 Unauthorized\)$/m);
  });
});
