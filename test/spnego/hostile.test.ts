// Hostile input: decoders must only ever throw SpnegoDecodeError, and quickly.
// The whole file has a 5-second budget (checked by the last test).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SpnegoDecodeError } from '../../src/spnego/errors.js';
import {
  decodeNegotiationToken,
  encodeInitialToken,
  encodeNegTokenInit,
  encodeNegTokenInit2,
  encodeNegTokenResp,
} from '../../src/spnego/tokens.js';
import type { DecodedNegotiationToken } from '../../src/spnego/tokens.js';
import { isValidOid } from '../../src/spnego/der.js';
import { OID_KERBEROS5, OID_MS_KERBEROS5, OID_NEGOEX, OID_NTLMSSP } from '../../src/spnego/oids.js';
import { assertDecodeError, derLength, hex, prng, tlv, withoutRaw } from './helpers.js';

const started = performance.now();

const NTLM = Buffer.concat([Buffer.from('NTLMSSP\0', 'latin1'), hex('01000000 978208e2'), Buffer.alloc(24)]);
const VALID: Buffer[] = [
  encodeInitialToken({ mechTypes: [OID_NTLMSSP], mechToken: NTLM }),
  encodeInitialToken({ mechTypes: [OID_MS_KERBEROS5, OID_KERBEROS5, OID_NEGOEX, OID_NTLMSSP], reqFlags: 0x42, mechToken: Buffer.alloc(300, 0x61), mechListMIC: Buffer.alloc(16, 1) }),
  encodeNegTokenInit({ mechTypes: [OID_KERBEROS5], mechToken: Buffer.alloc(5) }),
  encodeNegTokenInit2({ mechTypes: [OID_MS_KERBEROS5, OID_KERBEROS5, OID_NTLMSSP] }),
  encodeNegTokenInit2({ mechTypes: [OID_NTLMSSP], negHints: { hintName: 'h', hintAddress: Buffer.from([1, 2]) }, mechListMIC: Buffer.alloc(4) }),
  encodeNegTokenResp({ negState: 'accept-completed' }),
  encodeNegTokenResp({ negState: 'accept-incomplete', supportedMech: OID_NTLMSSP, responseToken: NTLM, mechListMIC: Buffer.alloc(16, 9) }),
  encodeNegTokenResp({ negState: 'request-mic', mechListMIC: Buffer.alloc(16, 7) }),
  hex('a1 0b 30 09 a0 03 0a 01 00 a5 02 30 00'), // with an ignored extension field
];

/** Decodes; a non-SpnegoDecodeError exception fails the test with the offending input. */
function tryDecode(buf: Buffer): DecodedNegotiationToken | undefined {
  try {
    return decodeNegotiationToken(buf);
  } catch (e) {
    if (e instanceof SpnegoDecodeError) return undefined;
    assert.fail(`decoder threw ${String(e)} for input ${buf.toString('hex')}`);
  }
}

/** For inputs that do decode: re-encoding the result and decoding again is stable. */
function checkStable(buf: Buffer, r: DecodedNegotiationToken): void {
  if (r.kind === 'resp') {
    if (r.token.supportedMech !== undefined && !isValidOid(r.token.supportedMech)) return;
    assert.deepEqual(decodeNegotiationToken(encodeNegTokenResp(r.token)).token, r.token, buf.toString('hex'));
    return;
  }
  if (!r.token.mechTypes.every(isValidOid)) return;
  const t = withoutRaw(r.token);
  const again = decodeNegotiationToken(r.framed ? encodeInitialToken(t) : encodeNegTokenInit(t));
  assert.ok(again.kind === 'init');
  // rawMechTypes may legitimately differ: an init2 with an explicitly empty [0] re-encodes without [0].
  assert.deepEqual(withoutRaw(again.token), t, buf.toString('hex'));
}

/** n nested constructed elements with the given identifier around `inner`, built inside-out. */
function nested(tag: number, n: number, inner: Buffer = Buffer.alloc(0)): Buffer {
  const headers: Buffer[] = [];
  let size = inner.length;
  for (let i = 0; i < n; i++) {
    const h = Buffer.concat([Buffer.from([tag]), derLength(size)]);
    headers.push(h);
    size += h.length;
  }
  headers.reverse();
  return Buffer.concat([...headers, inner]);
}

describe('hostile input', () => {
  it('every valid sample decodes', () => {
    for (const v of VALID) assert.ok(tryDecode(v) !== undefined, v.toString('hex'));
  });

  it('truncated tokens at every length are rejected', () => {
    let n = 0;
    for (const v of VALID) {
      for (let len = 0; len < v.length; len++) {
        assertDecodeError(() => decodeNegotiationToken(v.subarray(0, len)));
        n++;
      }
    }
    assert.equal(n, VALID.reduce((sum, v) => sum + v.length, 0));
  });

  it('every single-byte substitution of the small samples decodes or fails cleanly', () => {
    const values = [0x00, 0x01, 0x04, 0x06, 0x0a, 0x30, 0x60, 0x7f, 0x80, 0x84, 0xa0, 0xa1, 0xa4, 0xff];
    for (const v of VALID.filter((b) => b.length < 200)) {
      for (let i = 0; i < v.length; i++) {
        for (const x of values) {
          const m = Buffer.from(v);
          m[i] = x;
          tryDecode(m); // (re-encoding stability is checked by the mutation test below)
        }
      }
    }
  });

  it('wrong outer tags are rejected', () => {
    for (const v of VALID) {
      for (const tag of [0x00, 0x04, 0x06, 0x30, 0x31, 0x40, 0x61, 0x80, 0xa2, 0xa3, 0xbf, 0xe0, 0xff]) {
        const m = Buffer.from(v);
        m[0] = tag;
        assertDecodeError(() => decodeNegotiationToken(m));
      }
    }
  });

  it('a length field of 0xffffffff is rejected as TOO_LARGE, wherever it is', () => {
    assertDecodeError(() => decodeNegotiationToken(hex('60 84 ff ff ff ff 06 06 2b 06 01 05 05 02')), 'TOO_LARGE');
    assertDecodeError(() => decodeNegotiationToken(hex('a1 84 ff ff ff ff 30 00')), 'TOO_LARGE');
    assertDecodeError(() => decodeNegotiationToken(hex('a1 08 30 84 ff ff ff ff a0 03')), 'TOO_LARGE');
    assertDecodeError(() => decodeNegotiationToken(hex('a1 0a 30 08 a2 06 04 84 ff ff ff ff')), 'TOO_LARGE');
    assertDecodeError(() => decodeNegotiationToken(hex('a1 0b 30 09 a2 07 04 85 ff ff ff ff ff')), 'TOO_LARGE');
    assertDecodeError(() => decodeNegotiationToken(hex('a1 84 00 00 00 04 30 00')), 'BAD_DER'); // non-minimal
    assertDecodeError(() => decodeNegotiationToken(hex('a1 84 7f ff ff ff 30 00')), 'TOO_LARGE');
  });

  it('10,000 nested SEQUENCEs are rejected quickly (TOO_DEEP)', () => {
    const t0 = performance.now();
    const bomb = nested(0x30, 10_000, hex('05 00'));
    assert.ok(bomb.length < 64 * 1024);
    assertDecodeError(() => decodeNegotiationToken(bomb), 'TOO_DEEP');
    assertDecodeError(() => decodeNegotiationToken(tlv(0xa1, bomb)), 'TOO_DEEP');
    assertDecodeError(() => decodeNegotiationToken(nested(0xa0, 10_000)), 'TOO_DEEP');
    // The same bomb as an unknown extension field of a NegTokenResp.
    assertDecodeError(() => decodeNegotiationToken(tlv(0xa1, tlv(0x30, tlv(0xa5, bomb)))), 'TOO_DEEP');
    // Indefinite-length nesting never gets anywhere.
    const indefinite = Buffer.alloc(20_000);
    for (let i = 0; i < indefinite.length; i += 2) indefinite.set([0x30, 0x80], i);
    assertDecodeError(() => decodeNegotiationToken(indefinite), 'BAD_DER');
    assert.ok(performance.now() - t0 < 500);
  });

  it('oversized and element-heavy inputs are rejected', () => {
    assertDecodeError(() => decodeNegotiationToken(Buffer.alloc(1 << 20, 0x30)), 'TOO_LARGE');
    const wide = tlv(0xa1, tlv(0x30, tlv(0xa5, tlv(0x30, Buffer.alloc(20_000).fill(hex('30 00'))))));
    assertDecodeError(() => decodeNegotiationToken(wide), 'TOO_LARGE');
    const ok = tlv(0xa1, tlv(0x30, tlv(0xa5, tlv(0x30, Buffer.alloc(400).fill(hex('30 00'))))));
    assert.deepEqual(decodeNegotiationToken(ok).token, {});
  });

  it('20,000 random byte strings (seeded) only ever raise SpnegoDecodeError', () => {
    const rnd = prng(0x5eed);
    const starts = [0x60, 0xa0, 0xa1, 0x30, 0x04, 0x06];
    let decoded = 0;
    for (let i = 0; i < 20_000; i++) {
      const len = Math.floor(rnd() * 97);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = Math.floor(rnd() * 256);
      // Bias half of the inputs towards plausible leading tags and short lengths.
      if (len > 1 && rnd() < 0.5) {
        buf[0] = starts[Math.floor(rnd() * starts.length)] as number;
        buf[1] = len - 2;
      }
      const r = tryDecode(buf);
      if (r) {
        decoded++;
        checkStable(buf, r);
      }
    }
    assert.ok(decoded < 20_000);
  });

  it('20,000 mutated valid tokens (seeded) decode or fail cleanly', () => {
    const rnd = prng(4178);
    const pick = (n: number) => Math.floor(rnd() * n);
    let decoded = 0;
    for (let i = 0; i < 20_000; i++) {
      let m = Buffer.from(VALID[pick(VALID.length)] as Buffer);
      const edits = 1 + pick(3);
      for (let e = 0; e < edits && m.length > 0; e++) {
        const at = pick(m.length);
        switch (pick(6)) {
          case 0: m[at] = (m[at] as number) ^ (1 << pick(8)); break;
          case 1: m[at] = pick(256); break;
          case 2: m = Buffer.concat([m.subarray(0, at), Buffer.from([pick(256)]), m.subarray(at)]); break;
          case 3: m = Buffer.concat([m.subarray(0, at), m.subarray(at + 1)]); break;
          case 4: m = m.subarray(0, at); break;
          default: m = Buffer.concat([m, m.subarray(at, at + 1 + pick(8))]); break;
        }
      }
      const r = tryDecode(m);
      if (r) {
        decoded++;
        checkStable(m, r);
      }
    }
    assert.ok(decoded > 0 && decoded < 20_000);
  });

  it('fast-check: arbitrary bytes only ever raise SpnegoDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (u) => {
        tryDecode(Buffer.from(u));
      }),
      { seed: 20250, numRuns: 3000 },
    );
  });

  it('finishes the hostile suite within 5 seconds', () => {
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 5000, `hostile suite took ${elapsed.toFixed(0)} ms`);
  });
});
