/**
 * The NTLM fuzz targets: every decoder, the client context's authenticate() and the
 * server context's two steps. Decoders may throw NtlmDecodeError (with a known code) and
 * nothing else; the client may throw NtlmDecodeError; the server never throws or rejects.
 */
import assert from 'node:assert/strict';
import { decodeAvPairs, AvId } from '../../src/ntlm/avPairs.js';
import { NtlmClientContext } from '../../src/ntlm/clientContext.js';
import { NtlmDecodeError, type NtlmDecodeErrorCode } from '../../src/ntlm/errors.js';
import { decodeAuthenticate, MIC_OFFSET } from '../../src/ntlm/messages/authenticate.js';
import { decodeChallenge } from '../../src/ntlm/messages/challenge.js';
import { decodeMessage } from '../../src/ntlm/messages/index.js';
import { decodeNegotiate } from '../../src/ntlm/messages/negotiate.js';
import { MAX_AV_PAIRS } from '../../src/ntlm/limits.js';
import { parseNtlmV2Response } from '../../src/ntlm/responses.js';
import { NtlmServerContext, type NtlmFailureReason, type NtlmServerStep } from '../../src/ntlm/serverContext.js';
import { CLIENT_PROFILES, ntlmCorpus, SERVER_PROFILES, serverOptions, type NtlmCorpus } from './corpus.js';
import type { FuzzTarget } from './harness.js';
import {
  randomAuthenticate,
  randomAvPairs,
  randomChallenge,
  randomMessage,
  randomNegotiate,
  randomNtlmV2Response,
  type FuzzInput,
} from './mutate.js';

/** Record<…, true> so the compiler flags a code or reason added to src but missing here. */
const DECODE_CODES: Record<NtlmDecodeErrorCode, true> = {
  TOO_SHORT: true,
  TOO_LARGE: true,
  BAD_SIGNATURE: true,
  BAD_MESSAGE_TYPE: true,
  FIELD_OUT_OF_BOUNDS: true,
  FIELD_TOO_LONG: true,
  BAD_AV_PAIR: true,
  BAD_STRING: true,
  BAD_RESPONSE: true,
};

export const FAILURE_REASONS: Record<NtlmFailureReason, true> = {
  malformed: true,
  'unexpected-message': true,
  'challenge-expired': true,
  'challenge-reused': true,
  'anonymous-refused': true,
  'lm-refused': true,
  'ntlmv1-refused': true,
  'av-pair-mismatch': true,
  'mic-missing': true,
  'mic-mismatch': true,
  'channel-binding-missing': true,
  'channel-binding-mismatch': true,
  'target-name-missing': true,
  'target-name-mismatch': true,
  'logon-failure': true,
  'authority-error': true,
};

/** Returns the outcome label for an allowed NtlmDecodeError; rethrows anything else. */
export function allowDecodeError(e: unknown): string {
  if (e instanceof NtlmDecodeError && Object.hasOwn(DECODE_CODES, e.code)) return `NtlmDecodeError:${e.code}`;
  throw e;
}

function decoderTarget(name: string, spec: FuzzTarget['spec'], decode: (b: Buffer) => void): FuzzTarget {
  return {
    name,
    spec,
    run(input) {
      try {
        decode(input.bytes);
        return 'decoded';
      } catch (e) {
        return allowDecodeError(e);
      }
    },
  };
}

/** A server step must be one of the allowed results, and a failure must carry a known reason. */
export function checkStep(r: NtlmServerStep, allowed: readonly NtlmServerStep['status'][]): string {
  assert.ok(allowed.includes(r.status), `unexpected step status ${r.status}`);
  if (r.status === 'failed') {
    assert.ok(Object.hasOwn(FAILURE_REASONS, r.failure.reason), `unknown failure reason ${String(r.failure.reason)}`);
    assert.equal(typeof r.failure.message, 'string');
    return `failed:${r.failure.reason}`;
  }
  if (r.status === 'complete') return `complete:${r.result.version}`;
  return 'continue';
}

function targets(c: NtlmCorpus): FuzzTarget[] {
  const decoders: FuzzTarget[] = [
    decoderTarget('decodeNegotiate', { primary: c.negotiate, donors: c.all, structured: randomNegotiate }, (b) => {
      decodeNegotiate(b);
    }),
    decoderTarget('decodeChallenge', { primary: c.challenge, donors: c.all, structured: randomChallenge }, (b) => {
      const m = decodeChallenge(b);
      assert.equal(m.serverChallenge.length, 8);
    }),
    decoderTarget('decodeAuthenticate', { primary: c.authenticate, donors: c.all, structured: randomAuthenticate }, (b) => {
      const m = decodeAuthenticate(b);
      assert.ok(m.raw.equals(b), 'raw must be the message as received');
      assert.ok(m.encryptedRandomSessionKey.length === 0 || m.encryptedRandomSessionKey.length === 16);
      if (m.mic !== undefined) assert.ok(m.mic.length === 16 && m.micOffset === MIC_OFFSET);
    }),
    decoderTarget('decodeMessage', { primary: c.all, structured: randomMessage }, (b) => {
      const m = decodeMessage(b);
      assert.equal(m.type, (['NEGOTIATE', 'CHALLENGE', 'AUTHENTICATE'] as const)[b.readUInt32LE(8) - 1]);
    }),
    decoderTarget('decodeAvPairs', { primary: c.avPairs, donors: c.avPairs, structured: randomAvPairs, headerBytes: 64, ntlmHeaders: false }, (b) => {
      const pairs = decodeAvPairs(b);
      assert.ok(pairs.length <= MAX_AV_PAIRS);
      assert.ok(pairs.every((p) => p.id !== AvId.MsvAvEOL));
    }),
    decoderTarget(
      'parseNtlmV2Response',
      { primary: c.ntlmV2Responses, donors: c.avPairs, structured: (rng) => randomNtlmV2Response(rng), headerBytes: 64, ntlmHeaders: false },
      (b) => {
        const r = parseNtlmV2Response(b);
        assert.ok(r.respType === 1 && r.hiRespType === 1 && r.clientChallenge.length === 8 && r.ntProofStr.length === 16);
      },
    ),
  ];

  const client: FuzzTarget = {
    name: 'NtlmClientContext.authenticate',
    spec: { primary: c.challenge, donors: c.all, structured: randomChallenge, variants: CLIENT_PROFILES.length },
    run(input: FuzzInput) {
      const profile = CLIENT_PROFILES[input.variant];
      assert.ok(profile);
      const ctx = new NtlmClientContext(profile.options());
      ctx.negotiate();
      let auth: Buffer;
      try {
        auth = ctx.authenticate(input.bytes);
      } catch (e) {
        return allowDecodeError(e);
      }
      // What the client sends must itself decode.
      try {
        decodeAuthenticate(auth);
      } catch (e) {
        const why = e instanceof NtlmDecodeError ? `${e.code}: ${e.message}` : String(e);
        throw new Error(`the client produced an AUTHENTICATE (${auth.length} bytes) that decodeAuthenticate rejects: ${why}`);
      }
      return `authenticated:${ctx.result.version}`;
    },
  };

  const serverNegotiate: FuzzTarget = {
    name: 'NtlmServerContext.step(NEGOTIATE)',
    spec: { primary: c.negotiate, donors: c.all, structured: randomMessage, variants: SERVER_PROFILES.length },
    async run(input) {
      const profile = SERVER_PROFILES[input.variant] ?? 'lenient';
      const server = new NtlmServerContext(serverOptions(profile));
      const r = await server.step(input.bytes);
      const label = checkStep(r, ['continue', 'failed']);
      if (r.status === 'continue') decodeChallenge(r.token);
      return label;
    },
  };

  const scenarios = c.scenarios;
  const v2Seeds = new Set(scenarios.filter((s) => s.micProtected).map((s) => s.authenticate.toString('hex')));
  const serverAuthenticate: FuzzTarget = {
    name: 'NtlmServerContext.step(AUTHENTICATE)',
    spec: { primary: scenarios.map((s) => s.authenticate), donors: c.all, structured: randomAuthenticate, variants: scenarios.length },
    async run(input) {
      const sc = scenarios[input.origin >= 0 ? input.origin : input.variant];
      assert.ok(sc);
      const server = sc.newServer();
      const first = await server.step(sc.negotiate);
      assert.ok(first.status === 'continue' && first.token.equals(sc.challenge), 'harness: the server is not deterministic');
      const r = await server.step(input.bytes);
      const label = checkStep(r, ['complete', 'failed']);
      // Every NTLMv2 seed carries a MIC, so an NTLMv2 logon must come from an untouched seed.
      if (r.status === 'complete' && r.result.version === 'NTLMv2' && !v2Seeds.has(input.bytes.toString('hex'))) {
        throw new Error(`integrity: an altered NTLMv2 AUTHENTICATE with a MIC logged on (scenario "${sc.name}")`);
      }
      return label;
    },
  };

  return [...decoders, client, serverNegotiate, serverAuthenticate];
}

export async function loadTargets(): Promise<ReadonlyMap<string, FuzzTarget>> {
  const c = await ntlmCorpus();
  return new Map(targets(c).map((t) => [t.name, t]));
}
