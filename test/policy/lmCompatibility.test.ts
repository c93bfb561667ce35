/**
 * LmCompatibilityLevel has one meaning per side (src/policy/lmCompatibility.ts, S1). The NTLM
 * contexts act on the level they are given (what the client builds, what the acceptor refuses
 * before its authority); here real handshakes at every level are checked against the policy's
 * tables, so the engine and the decisions cannot drift apart.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NtlmServerStep } from '../../src/ntlm/serverContext.js';
import { acceptorAccepts, acceptorAcceptsAt, acceptorLmLevel, clientLmLevel, clientResponseClass, clientSendsAt } from '../../src/policy/lmCompatibility.js';
import { DEFAULT_POLICY } from '../../src/policy/policy.js';
import { loadPolicy } from '../../src/policy/load.js';
import type { LmCompatibilityLevelValue } from '../../src/policy/settings.js';
import { handshake } from '../helpers/handshake.js';

const LEVELS = [0, 1, 2, 3, 4, 5] as const satisfies readonly LmCompatibilityLevelValue[];

/** Drops the NT response from an AUTHENTICATE: an LM-only logon, as Windows 9x sent. */
function lmOnly(authenticate: Buffer): Buffer {
  const copy = Buffer.from(authenticate);
  copy.writeUInt16LE(0, 20);
  copy.writeUInt16LE(0, 22);
  return copy;
}

function accepted(step: NtlmServerStep): boolean {
  if (step.status === 'continue') assert.fail('the AUTHENTICATE left the acceptor waiting');
  return step.status === 'complete';
}

describe('LmCompatibilityLevel: the policy tables against real handshakes', () => {
  it('defaults: 5 on the acceptor (ours), 3 on the client (Windows); a configured level applies to both', () => {
    assert.equal(acceptorLmLevel(DEFAULT_POLICY), 5);
    assert.equal(clientLmLevel(DEFAULT_POLICY), 3);
    const two = loadPolicy({ LmCompatibilityLevel: 2 });
    assert.equal(acceptorLmLevel(two), 2);
    assert.equal(clientLmLevel(two), 2);
    assert.equal(acceptorAccepts(DEFAULT_POLICY, 'LM'), false);
    assert.equal(acceptorAccepts(two, 'LM'), true);
  });

  for (const level of LEVELS) {
    it(`a client at level ${level} sends what clientSendsAt says, and clientResponseClass predicts it`, async () => {
      const hs = await handshake({ lmCompatibilityLevel: level }, { lmCompatibilityLevel: 0 });
      const sent = hs.client.result.version;
      assert.ok(clientSendsAt(level, sent), `level ${level} sent ${sent}`);
      const predicted = clientResponseClass(loadPolicy({ LmCompatibilityLevel: level }));
      assert.equal(predicted === 'NTLMv2', sent === 'NTLMv2');
    });

    it(`an acceptor at level ${level} refuses exactly what acceptorAcceptsAt refuses`, async () => {
      const v1 = await handshake({ lmCompatibilityLevel: 0 }, { lmCompatibilityLevel: level });
      const ess = await handshake({ lmCompatibilityLevel: 1 }, { lmCompatibilityLevel: level });
      const v2 = await handshake({ lmCompatibilityLevel: 3 }, { lmCompatibilityLevel: level });
      const lm = await handshake({ lmCompatibilityLevel: 0 }, { lmCompatibilityLevel: level }, { authenticate: lmOnly });
      assert.equal(accepted(v1.final), acceptorAcceptsAt(level, 'NTLMv1'), 'NTLMv1');
      assert.equal(accepted(ess.final), acceptorAcceptsAt(level, 'NTLMv1-ESS'), 'NTLMv1-ESS');
      assert.equal(accepted(v2.final), acceptorAcceptsAt(level, 'NTLMv2'), 'NTLMv2');
      assert.equal(accepted(lm.final), acceptorAcceptsAt(level, 'LM'), 'LM');
    });
  }
});
