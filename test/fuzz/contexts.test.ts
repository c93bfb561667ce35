/**
 * Fuzzing the contexts (FUZZ_ITERATIONS inputs per target, default 100,000), a fresh
 * context per input:
 *  - NtlmClientContext: after negotiate(), authenticate(mutated CHALLENGE) may only throw
 *    NtlmDecodeError, and whatever it returns must decode as an AUTHENTICATE;
 *  - NtlmServerContext: step(mutated NEGOTIATE), and step(mutated AUTHENTICATE) after a
 *    valid NEGOTIATE, never throw or reject; they return continue/complete/failed with a
 *    known reason. An altered NTLMv2 AUTHENTICATE protected by a MIC never logs on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ntlmCorpus } from './corpus.js';
import { assertClean, formatReport, runFuzz } from './harness.js';
import { fuzzEnv } from './mutate.js';

const TARGETS = new URL('./ntlmTargets.js', import.meta.url).href;
const env = fuzzEnv();

describe(`fuzz: NTLM contexts (${env.iterations} inputs each, FUZZ_SEED=0x${env.seed.toString(16)})`, () => {
  it('the seed scenarios log on unmutated (NTLMv2 + MIC + CB, NTLMv1, NTLMv1-ESS, LM_KEY, OEM, anonymous)', async (t) => {
    const c = await ntlmCorpus();
    assert.ok(c.scenarios.length >= 10);
    t.diagnostic(`scenarios: ${c.scenarios.map((s) => s.name).join('; ')}`);
    t.diagnostic(
      `seeds: ${c.negotiate.length} NEGOTIATE, ${c.challenge.length} CHALLENGE, ${c.authenticate.length} AUTHENTICATE, ` +
        `${c.avPairs.length} AV pair lists, ${c.ntlmV2Responses.length} NTLMv2 responses`,
    );
  });

  it('NtlmClientContext.authenticate(mutated CHALLENGE): only NtlmDecodeError, no input over 100 ms, no hang', async (t) => {
    const r = await runFuzz(TARGETS, 'NtlmClientContext.authenticate', env);
    t.diagnostic(formatReport(r));
    assertClean(r);
    assert.ok(Object.keys(r.outcomes).some((k) => k.startsWith('authenticated:NTLMv2')), 'no input got as far as an NTLMv2 AUTHENTICATE');
  });

  it('NtlmServerContext.step(mutated NEGOTIATE): never throws, only known failure reasons', async (t) => {
    const r = await runFuzz(TARGETS, 'NtlmServerContext.step(NEGOTIATE)', env);
    t.diagnostic(formatReport(r));
    assertClean(r);
    assert.ok((r.outcomes.continue ?? 0) > 0);
  });

  it('NtlmServerContext.step(mutated AUTHENTICATE): never throws, only known failure reasons, MIC-protected seeds stay protected', async (t) => {
    const r = await runFuzz(TARGETS, 'NtlmServerContext.step(AUTHENTICATE)', env);
    t.diagnostic(formatReport(r));
    assertClean(r);
    for (const reached of ['complete:NTLMv2', 'complete:NTLMv1', 'failed:mic-mismatch', 'failed:logon-failure', 'failed:malformed']) {
      assert.ok((r.outcomes[reached] ?? 0) > 0, `no input reached ${reached}`);
    }
  });
});
