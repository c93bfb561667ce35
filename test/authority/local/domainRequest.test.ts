/** authority/local/domainRequest.ts: the policy's view of a logon the DC validates. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { domainRequestOf, responseFacts } from '../../../src/authority/local/domainRequest.js';
import type { NtlmValidationRequest } from '../../../src/ntlm/authority.js';

describe('the policy request', () => {
  const req = (nt: Buffer, kind: NtlmValidationRequest['responseKind'] = 'NTLMv2'): NtlmValidationRequest => ({
    userName: 'alice',
    domainName: 'nosuch',
    workstation: 'WS01',
    challenge: Buffer.alloc(8),
    lmChallengeResponse: Buffer.alloc(24),
    ntChallengeResponse: nt,
    responseKind: kind,
    server: { netbiosName: 'WEB1', netbiosDomainName: 'CORP' },
  });

  it('reads nothing from NTLMv1 or an unreadable NTLMv2 response', () => {
    assert.deepEqual(responseFacts(req(Buffer.alloc(24), 'NTLMv1')), { micPresent: false, channelBindings: 'absent' });
    assert.deepEqual(responseFacts(req(Buffer.alloc(60, 7))), { micPresent: false, channelBindings: 'absent' });
  });

  it('names the account as resolved, the server as the one that asked', () => {
    const r = domainRequestOf(req(Buffer.alloc(24), 'NTLMv1'), { kind: 'domain', key: { domain: 'CORP', name: 'alice' } }, { netbiosComputerName: 'DC1', netbiosDomainName: 'CORP' });
    assert.equal(r.domain, 'CORP');
    assert.deepEqual(r.server, { netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP' });
    assert.equal(r.version, 'NTLMv1');
  });
});
