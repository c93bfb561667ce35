/**
 * NegotiateServerContext on hostile final legs: whatever the client puts in the last
 * NegTokenResp — a real, anonymous or mutated AUTHENTICATE, a mechListMIC of any length or
 * none, NTLM offered first or second — step() answers `failed` with a typed reason or
 * `complete`, and never throws (docs/architecture.md: no peer bytes throw past step()).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAuthority } from '../../src/authority/memoryAuthority.js';
import { NtlmClientContext, type NtlmCredentials } from '../../src/ntlm/clientContext.js';
import { NegotiateServerContext, type NegotiateFailureReason } from '../../src/spnego/negotiateServer.js';
import { OID_KERBEROS5, OID_NTLMSSP } from '../../src/spnego/oids.js';
import { decodeNegTokenResp, encodeInitialToken, encodeNegTokenResp } from '../../src/spnego/tokens.js';
import { prng } from './helpers.js';

const authority = new MemoryAuthority('CORP').add({ domain: 'CORP', name: 'alice', password: 'Al1ce!Pass2026', sid: 'S-1-5-21-1-2-3-1104' });
const CREDENTIALS: readonly NtlmCredentials[] = [
  { anonymous: true },
  { user: 'alice', domain: 'CORP', password: 'Al1ce!Pass2026' },
  { user: 'alice', domain: 'CORP', password: 'wrong' },
  { user: 'al\u0000ice', domain: 'CORP', password: 'Al1ce!Pass2026' },
];
const REASONS: ReadonlySet<NegotiateFailureReason> = new Set<NegotiateFailureReason>([
  'malformed', 'unexpected-message', 'anonymous-refused', 'lm-refused', 'ntlmv1-refused', 'av-pair-mismatch', 'mic-missing',
  'mic-mismatch', 'logon-failure', 'mechlistmic-missing', 'mechlistmic-mismatch',
]);

function mutate(b: Buffer, rnd: () => number): Buffer {
  const out = Buffer.from(b);
  switch (Math.floor(rnd() * 4)) {
    case 0:
      return out.subarray(0, Math.floor(rnd() * out.length));
    case 1:
      for (let i = 0; i < 1 + rnd() * 4; i++) {
        const at = Math.floor(rnd() * out.length);
        out[at] = (out[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
      }
      return out;
    case 2:
      return Buffer.concat([out, Buffer.alloc(Math.floor(rnd() * 64), Math.floor(rnd() * 256))]);
    default:
      return out;
  }
}

describe('NegotiateServerContext: hostile final legs never throw', () => {
  it('2,000 seeded final legs: typed failure or completion, never an exception', async () => {
    const rnd = prng(0x5eed11);
    const seen = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const which = Math.floor(rnd() * CREDENTIALS.length);
      const creds = CREDENTIALS[which] ?? { anonymous: true };
      const ntlmFirst = rnd() < 0.5;
      const server = new NegotiateServerContext({ authority, netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP', allowAnonymous: rnd() < 0.8 });
      const client = new NtlmClientContext({ credentials: creds, workstation: 'WS01' });
      const mechTypes = ntlmFirst ? [OID_NTLMSSP] : [OID_KERBEROS5, OID_NTLMSSP];
      let step = await server.step(encodeInitialToken({ mechTypes, mechToken: ntlmFirst ? client.negotiate() : undefined }));
      if (!ntlmFirst && step.status === 'continue') step = await server.step(encodeNegTokenResp({ negState: 'accept-incomplete', responseToken: client.negotiate() }));
      assert.equal(step.status, 'continue');
      if (step.status !== 'continue') continue;
      const challenge = decodeNegTokenResp(step.token).responseToken;
      assert.ok(challenge);
      const auth = rnd() < 0.7 ? client.authenticate(challenge) : mutate(client.authenticate(challenge), rnd);
      const micKind = Math.floor(rnd() * 4);
      const mechListMIC = micKind === 0 ? undefined : micKind === 1 ? Buffer.alloc(16, Math.floor(rnd() * 256)) : micKind === 2 ? auth : Buffer.alloc(Math.floor(rnd() * 40), 7);
      let final;
      try {
        final = await server.step(encodeNegTokenResp({ negState: 'accept-incomplete', responseToken: auth, mechListMIC }));
      } catch (e) {
        assert.fail(`step() threw ${String(e)} (case ${i}: ${JSON.stringify({ credentials: which, ntlmFirst, micKind })})`);
      }
      const label = final.status === 'failed' ? final.failure.reason : final.status;
      if (final.status === 'failed') assert.ok(REASONS.has(final.failure.reason), `unexpected reason ${final.failure.reason}`);
      seen.set(label, (seen.get(label) ?? 0) + 1);
    }
    // The run reached the interesting outcomes, not only early decode failures.
    for (const must of ['complete', 'mechlistmic-mismatch', 'logon-failure']) assert.ok((seen.get(must) ?? 0) > 0, `${must}: ${JSON.stringify([...seen])}`);
  });
});
