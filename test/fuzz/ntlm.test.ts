/**
 * Fuzzing the NTLM decoders (FUZZ_ITERATIONS inputs each, default 100,000): only
 * NtlmDecodeError may escape, and no input may take longer than 100 ms or hang. Then
 * fast-check properties: encode → decode round trips, and decoders that never read
 * outside the bytes they are given nor alias them.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AvId, decodeAvPairs, encodeAvPairs, type AvPair } from '../../src/ntlm/avPairs.js';
import { NtlmDecodeError } from '../../src/ntlm/errors.js';
import { hasFlag, NegotiateFlags as F } from '../../src/ntlm/flags.js';
import { decodeAuthenticate, encodeAuthenticate } from '../../src/ntlm/messages/authenticate.js';
import { decodeChallenge, encodeChallenge } from '../../src/ntlm/messages/challenge.js';
import { decodeMessage } from '../../src/ntlm/messages/index.js';
import { decodeNegotiate, encodeNegotiate } from '../../src/ntlm/messages/negotiate.js';
import { parseNtlmV2Response } from '../../src/ntlm/responses.js';
import type { Version } from '../../src/ntlm/version.js';
import { ntlmCorpus, type NtlmCorpus } from './corpus.js';
import { assertClean, formatReport, runFuzz } from './harness.js';
import { fuzzEnv, mutate, Rng } from './mutate.js';

const TARGETS = new URL('./ntlmTargets.js', import.meta.url).href;
const env = fuzzEnv();

describe(`fuzz: NTLM decoders (${env.iterations} inputs each, FUZZ_SEED=0x${env.seed.toString(16)})`, () => {
  for (const name of ['decodeNegotiate', 'decodeChallenge', 'decodeAuthenticate', 'decodeMessage', 'decodeAvPairs', 'parseNtlmV2Response']) {
    it(`${name}: only NtlmDecodeError, no input over 100 ms, no hang`, async (t) => {
      const r = await runFuzz(TARGETS, name, env);
      t.diagnostic(formatReport(r));
      assertClean(r);
      assert.ok((r.outcomes.decoded ?? 0) > 0, `${name}: no input decoded at all, the corpus is not reaching the decoder`);
    });
  }
});

// ---------------------------------------------------------------------------
// Properties.

const FC = { seed: env.seed | 0, numRuns: 1000 };
const ZERO_VERSION: Version = { major: 0, minor: 0, build: 0, revision: 0 };

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (min: number, max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
/** Any UTF-16 code units, lone surrogates included: UTF-16LE strings round-trip unit for unit. */
const wide = fc.string({ unit: 'binary', maxLength: 40 });
const version: fc.Arbitrary<Version> = fc.record({
  major: fc.integer({ min: 0, max: 255 }),
  minor: fc.integer({ min: 0, max: 255 }),
  build: fc.integer({ min: 0, max: 0xffff }),
  revision: fc.integer({ min: 0, max: 255 }),
}, { noNullPrototype: true });
const pair = (id: fc.Arbitrary<number>, value: fc.Arbitrary<Buffer>): fc.Arbitrary<AvPair> =>
  fc.tuple(id, value).map(([i, v]) => ({ id: i, value: v }));
const avPair: fc.Arbitrary<AvPair> = fc.oneof(
  pair(
    fc.constantFrom(AvId.MsvAvNbComputerName, AvId.MsvAvNbDomainName, AvId.MsvAvDnsComputerName, AvId.MsvAvDnsDomainName, AvId.MsvAvDnsTreeName, AvId.MsvAvTargetName),
    wide.map((s) => Buffer.from(s, 'utf16le')),
  ),
  pair(fc.constant(AvId.MsvAvFlags), bytes(4, 4)),
  pair(fc.constant(AvId.MsvAvTimestamp), bytes(8, 8)),
  pair(fc.constant(AvId.MsvAvChannelBindings), bytes(16, 16)),
  pair(fc.constant(AvId.MsvAvSingleHost), bytes(48, 80)),
  pair(fc.integer({ min: 0x000b, max: 0xffff }), bytes(0, 64)),
);
const avPairs = fc.array(avPair, { maxLength: 64 });

describe('properties: NTLM encode → decode round trips (fast-check)', () => {
  it('NEGOTIATE', () => {
    fc.assert(
      fc.property(u32, fc.option(latin1, { nil: undefined }), fc.option(latin1, { nil: undefined }), fc.option(version, { nil: undefined }), (flags, domainName, workstation, v) => {
        const m = decodeNegotiate(encodeNegotiate({ flags, domainName, workstation, version: v }));
        let want = flags;
        if (domainName !== undefined) want |= F.NEGOTIATE_OEM_DOMAIN_SUPPLIED;
        if (workstation !== undefined) want |= F.NEGOTIATE_OEM_WORKSTATION_SUPPLIED;
        want >>>= 0;
        assert.equal(m.flags, want);
        assert.equal(m.domainName, hasFlag(want, F.NEGOTIATE_OEM_DOMAIN_SUPPLIED) ? (domainName ?? '') : undefined);
        assert.equal(m.workstation, hasFlag(want, F.NEGOTIATE_OEM_WORKSTATION_SUPPLIED) ? (workstation ?? '') : undefined);
        assert.deepEqual(m.version, hasFlag(want, F.NEGOTIATE_VERSION) ? (v ?? ZERO_VERSION) : undefined);
      }),
      FC,
    );
  });

  it('CHALLENGE (ChallengeInput with arbitrary AV pair lists)', () => {
    fc.assert(
      fc.property(u32, wide, latin1, bytes(8, 8), avPairs, fc.option(version, { nil: undefined }), (flags, wideName, oemName, serverChallenge, targetInfo, v) => {
        const unicode = hasFlag(flags, F.NEGOTIATE_UNICODE);
        const targetName = unicode ? wideName : oemName;
        const m = decodeChallenge(encodeChallenge({ flags, targetName, serverChallenge, targetInfo, version: v }));
        assert.equal(m.flags, flags);
        assert.equal(m.targetName, targetName);
        assert.deepEqual(m.serverChallenge, serverChallenge);
        const withInfo = hasFlag(flags, F.NEGOTIATE_TARGET_INFO);
        assert.deepEqual(m.targetInfo, withInfo ? targetInfo : []);
        assert.deepEqual(m.targetInfoRaw, withInfo ? encodeAvPairs(targetInfo) : Buffer.alloc(0));
        assert.deepEqual(m.version, hasFlag(flags, F.NEGOTIATE_VERSION) ? (v ?? ZERO_VERSION) : undefined);
      }),
      FC,
    );
  });

  const authInput = fc.record({
    flags: u32,
    lm: bytes(0, 64),
    nt: bytes(0, 400),
    wideNames: fc.tuple(wide, wide, wide),
    oemNames: fc.tuple(latin1, latin1, latin1),
    key: fc.oneof(bytes(0, 0), bytes(16, 16)),
    version: fc.option(version, { nil: undefined }),
    mic: fc.option(bytes(16, 16), { nil: undefined }),
  });
  const encodeAuth = (a: typeof authInput extends fc.Arbitrary<infer T> ? T : never): { raw: Buffer; names: readonly string[] } => {
    const names = hasFlag(a.flags, F.NEGOTIATE_UNICODE) ? a.wideNames : a.oemNames;
    const raw = encodeAuthenticate({
      flags: a.flags,
      lmChallengeResponse: a.lm,
      ntChallengeResponse: a.nt,
      domainName: names[0],
      userName: names[1],
      workstation: names[2],
      encryptedRandomSessionKey: a.key,
      version: a.version,
      mic: a.mic,
    });
    return { raw, names };
  };

  it('AUTHENTICATE', () => {
    fc.assert(
      fc.property(authInput, (a) => {
        const { raw, names } = encodeAuth(a);
        const m = decodeAuthenticate(raw);
        assert.equal(m.flags, a.flags);
        assert.deepEqual([m.domainName, m.userName, m.workstation], [...names]);
        assert.deepEqual(m.lmChallengeResponse, a.lm);
        assert.deepEqual(m.ntChallengeResponse, a.nt);
        assert.deepEqual(m.encryptedRandomSessionKey, a.key);
        assert.deepEqual(m.version, hasFlag(a.flags, F.NEGOTIATE_VERSION) ? (a.version ?? ZERO_VERSION) : undefined);
        assert.deepEqual(m.mic, a.mic);
        assert.deepEqual(m.raw, raw);
      }),
      FC,
    );
  });

  it('AV pair lists, with and without padding after MsvAvEOL', () => {
    fc.assert(
      fc.property(avPairs, bytes(0, 16), (pairs, padding) => {
        assert.deepEqual(decodeAvPairs(encodeAvPairs(pairs)), pairs);
        assert.deepEqual(decodeAvPairs(Buffer.concat([encodeAvPairs(pairs), padding])), pairs);
      }),
      FC,
    );
  });

  it('decodeAuthenticate never reads past its message: trailing garbage changes nothing but raw', () => {
    fc.assert(
      fc.property(authInput, bytes(1, 200), (a, garbage) => {
        const { raw } = encodeAuth(a);
        const names = hasFlag(a.flags, F.NEGOTIATE_UNICODE) ? a.wideNames : a.oemNames;
        // With every field empty there is no payload to tell where the header ends; see the report.
        fc.pre(a.lm.length + a.nt.length + a.key.length + names.join('').length > 0);
        const plain = { ...decodeAuthenticate(raw), raw: undefined };
        const padded = { ...decodeAuthenticate(Buffer.concat([raw, garbage])), raw: undefined };
        assert.deepEqual(padded, plain);
      }),
      FC,
    );
  });
});

type Outcome = { ok: unknown } | { error: string };

function outcome(f: () => unknown): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    if (e instanceof NtlmDecodeError) return { error: e.code };
    throw e;
  }
}

describe('properties: decoders read only their view and return copies (fast-check)', () => {
  let corpus: NtlmCorpus;
  before(async () => {
    corpus = await ntlmCorpus();
  });

  const decoders: ReadonlyArray<[string, (c: NtlmCorpus) => Buffer[], (view: Uint8Array) => unknown]> = [
    ['decodeNegotiate', (c) => c.negotiate, (v) => decodeNegotiate(v)],
    ['decodeChallenge', (c) => c.challenge, (v) => decodeChallenge(v)],
    ['decodeAuthenticate', (c) => c.authenticate, (v) => decodeAuthenticate(v)],
    ['decodeMessage', (c) => c.all, (v) => decodeMessage(v)],
    ['decodeAvPairs', (c) => c.avPairs, (v) => decodeAvPairs(Buffer.from(v.buffer, v.byteOffset, v.byteLength))],
    ['parseNtlmV2Response', (c) => c.ntlmV2Responses, (v) => parseNtlmV2Response(Buffer.from(v.buffer, v.byteOffset, v.byteLength))],
  ];

  for (const [name, seeds, decode] of decoders) {
    it(`${name}: a message inside a larger buffer decodes like a copy, and the result does not alias it`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffffffff }), bytes(0, 32), bytes(0, 32), fc.boolean(), (seed, prefix, suffix, mutated) => {
          const rng = new Rng(seed);
          const base = rng.pick(seeds(corpus));
          const msg = mutated ? mutate(rng, base, corpus.all).bytes : base;
          const big = Buffer.concat([prefix, msg, suffix]);
          const view = new Uint8Array(big.buffer, big.byteOffset + prefix.length, msg.length);
          const fromView = outcome(() => decode(view));
          const fromCopy = outcome(() => decode(new Uint8Array(msg)));
          assert.deepEqual(fromView, fromCopy);
          big.fill(0xa5);
          assert.deepEqual(fromView, fromCopy, 'the decoded value changed when the input buffer was overwritten');
        }),
        { ...FC, numRuns: 2000 },
      );
    });
  }
});
