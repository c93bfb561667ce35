/**
 * Fuzzing the SPNEGO decoder (FUZZ_ITERATIONS inputs, default 100,000): only
 * SpnegoDecodeError may escape, no input may take over 100 ms, none may hang. Then
 * fast-check properties: NegTokenResp / NegTokenInit round trips, and a token inside a
 * larger buffer decodes like a copy without aliasing it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SpnegoDecodeError } from '../../src/spnego/errors.js';
import { OID_KERBEROS5, OID_MS_KERBEROS5, OID_NEGOEX, OID_NTLMSSP } from '../../src/spnego/oids.js';
import {
  decodeNegotiationToken,
  encodeInitialToken,
  encodeNegTokenInit,
  encodeNegTokenResp,
  NEG_STATES,
  type NegTokenInit,
  type NegTokenResp,
} from '../../src/spnego/tokens.js';
import { ntlmCorpus } from './corpus.js';
import { assertClean, formatReport, runFuzz } from './harness.js';
import { fuzzEnv, mutate, Rng } from './mutate.js';
import { derTreeOp, spnegoSeeds } from './spnegoTargets.js';

const TARGETS = new URL('./spnegoTargets.js', import.meta.url).href;
const env = fuzzEnv();
const FC = { seed: env.seed | 0, numRuns: 1000 };

describe(`fuzz: SPNEGO decoder (${env.iterations} inputs, FUZZ_SEED=0x${env.seed.toString(16)})`, () => {
  it('decodeNegotiationToken: only SpnegoDecodeError, no input over 100 ms, no hang; decoded tokens re-encode stably', async (t) => {
    const r = await runFuzz(TARGETS, 'decodeNegotiationToken', env);
    t.diagnostic(formatReport(r));
    assertClean(r);
    for (const reached of ['decoded:init:framed', 'decoded:init', 'decoded:resp']) {
      assert.ok((r.outcomes[reached] ?? 0) > 0, `no input reached ${reached}`);
    }
  });
});

const oid = fc.constantFrom(OID_NTLMSSP, OID_KERBEROS5, OID_MS_KERBEROS5, OID_NEGOEX, '1.2.3', '2.999.1', '1.3.6.1.4.1.311.2.2.30.4294967296');
const bytes = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

describe('properties: SPNEGO round trips (fast-check)', () => {
  it('NegTokenResp: decode(encode(resp)) = resp', () => {
    fc.assert(
      fc.property(fc.option(fc.constantFrom(...NEG_STATES), { nil: undefined }), fc.option(oid, { nil: undefined }), fc.option(bytes(300), { nil: undefined }), fc.option(bytes(32), { nil: undefined }), (negState, supportedMech, responseToken, mechListMIC) => {
        const resp: NegTokenResp = {};
        if (negState !== undefined) resp.negState = negState;
        if (supportedMech !== undefined) resp.supportedMech = supportedMech;
        if (responseToken !== undefined) resp.responseToken = responseToken;
        if (mechListMIC !== undefined) resp.mechListMIC = mechListMIC;
        const d = decodeNegotiationToken(encodeNegTokenResp(resp));
        assert.equal(d.kind, 'resp');
        assert.equal(d.framed, false);
        assert.deepEqual(d.token, resp);
      }),
      FC,
    );
  });

  it('NegTokenInit (framed and bare): decode(encode(init)) = init', () => {
    fc.assert(
      fc.property(fc.array(oid, { minLength: 1, maxLength: 6 }), fc.option(fc.integer({ min: 0, max: 0x7f }), { nil: undefined }), fc.option(bytes(300), { nil: undefined }), fc.option(bytes(32), { nil: undefined }), fc.boolean(), (mechTypes, reqFlags, mechToken, mechListMIC, framed) => {
        const init: NegTokenInit = { mechTypes };
        if (reqFlags !== undefined) init.reqFlags = reqFlags;
        if (mechToken !== undefined) init.mechToken = mechToken;
        if (mechListMIC !== undefined) init.mechListMIC = mechListMIC;
        const d = decodeNegotiationToken(framed ? encodeInitialToken(init) : encodeNegTokenInit(init));
        assert.equal(d.kind, 'init');
        assert.equal(d.framed, framed);
        if (d.kind !== 'init') return;
        const { rawMechTypes, form, ...rest } = d.token;
        assert.equal(form, 'init');
        assert.deepEqual(rest, init);
        assert.ok(rawMechTypes.length > 0);
      }),
      FC,
    );
  });

  it('a token inside a larger buffer decodes like a copy, and the result does not alias it', async () => {
    const c = await ntlmCorpus();
    const seeds = spnegoSeeds(c);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), bytes(32), bytes(32), fc.boolean(), (seed, prefix, suffix, mutated) => {
        const rng = new Rng(seed);
        const base = rng.pick(seeds);
        const msg = mutated ? mutate(rng, base, c.all, [derTreeOp]).bytes : base;
        const big = Buffer.concat([prefix, msg, suffix]);
        const view = new Uint8Array(big.buffer, big.byteOffset + prefix.length, msg.length);
        const run = (input: Uint8Array): unknown => {
          try {
            return { ok: decodeNegotiationToken(input) };
          } catch (e) {
            if (e instanceof SpnegoDecodeError) return { error: e.code };
            throw e;
          }
        };
        const fromView = run(view);
        const fromCopy = run(new Uint8Array(msg));
        assert.deepEqual(fromView, fromCopy);
        big.fill(0xa5);
        assert.deepEqual(fromView, fromCopy, 'the decoded token changed when the input buffer was overwritten');
      }),
      { ...FC, numRuns: 3000 },
    );
  });
});
