import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ContextFlag,
  decodeNegotiationToken,
  decodeNegTokenInit,
  decodeNegTokenResp,
  encodeInitialToken,
  encodeMechTypeList,
  encodeNegTokenInit,
  encodeNegTokenInit2,
  encodeNegTokenResp,
  HINT_NAME_PLEASE_IGNORE,
  isRawNtlmssp,
  NEG_STATES,
  negStateFromValue,
  negStateToValue,
} from '../../src/spnego/tokens.js';
import type { NegHints, NegState, NegTokenInit, NegTokenResp } from '../../src/spnego/tokens.js';
import {
  mechName,
  OID_KERBEROS5,
  OID_KERBEROS5_USER2USER,
  OID_MS_KERBEROS5,
  OID_NEGOEX,
  OID_NTLMSSP,
  OID_SPNEGO,
} from '../../src/spnego/oids.js';
import { assertDecodeError, hex, tlv, withoutRaw } from './helpers.js';

// DER of the OIDs, written out by hand (X.690 §8.19).
const DER_SPNEGO = hex('06 06 2b 06 01 05 05 02');
const DER_NTLMSSP = hex('06 0a 2b 06 01 04 01 82 37 02 02 0a');
const DER_KRB5 = hex('06 09 2a 86 48 86 f7 12 01 02 02');
const DER_MS_KRB5 = hex('06 09 2a 86 48 82 f7 12 01 02 02');
const DER_NEGOEX = hex('06 0a 2b 06 01 04 01 82 37 02 02 1e');

// A 40-byte NTLM NEGOTIATE_MESSAGE as a Windows 10 browser sends it (MS-NLMP §2.2.1.1).
const NTLM_NEGOTIATE = hex(
  '4e544c4d53535000 01000000 978208e2 0000000000000000 0000000000000000 0a00614a0000000f',
);

function bareInit(init: NegTokenInit): Buffer {
  return encodeNegTokenInit(init);
}

describe('known bytes', () => {
  it('NegTokenInit {mechTypes [NTLMSSP], mechToken "NTLMSSP\\0\\1\\0\\0\\0"} in the GSS framing', () => {
    const expected = hex(`
      60 2c                                   -- [APPLICATION 0] IMPLICIT SEQUENCE, 44 bytes
        06 06 2b 06 01 05 05 02               -- thisMech 1.3.6.1.5.5.2
        a0 22                                 -- NegotiationToken [0]
          30 20                               -- NegTokenInit SEQUENCE
            a0 0e                             -- mechTypes [0]
              30 0c                           -- MechTypeList
                06 0a 2b 06 01 04 01 82 37 02 02 0a
            a2 0e                             -- mechToken [2]
              04 0c 4e 54 4c 4d 53 53 50 00 01 00 00 00
    `.replace(/--[^\n]*/g, ''));
    const token = encodeInitialToken({ mechTypes: [OID_NTLMSSP], mechToken: Buffer.from('NTLMSSP\0\x01\0\0\0', 'latin1') });
    assert.deepEqual(token, expected);
    // The bare CHOICE form is the same minus the 10-byte GSS header (60 2c + thisMech).
    assert.deepEqual(bareInit({ mechTypes: [OID_NTLMSSP], mechToken: Buffer.from('NTLMSSP\0\x01\0\0\0', 'latin1') }), expected.subarray(10));

    const decoded = decodeNegotiationToken(expected);
    assert.equal(decoded.kind, 'init');
    assert.equal(decoded.framed, true);
    assert.deepEqual(decoded.token, {
      form: 'init',
      mechTypes: [OID_NTLMSSP],
      rawMechTypes: hex('30 0c 06 0a 2b 06 01 04 01 82 37 02 02 0a'),
      mechToken: Buffer.from('NTLMSSP\0\x01\0\0\0', 'latin1'),
    });
  });

  it('NegTokenResp accept-completed: a1 07 30 05 a0 03 0a 01 00', () => {
    const bytes = hex('a1 07 30 05 a0 03 0a 01 00');
    assert.deepEqual(encodeNegTokenResp({ negState: 'accept-completed' }), bytes);
    assert.deepEqual(decodeNegotiationToken(bytes), { kind: 'resp', token: { negState: 'accept-completed' }, framed: false });
  });

  it('NegTokenResp request-mic: a1 07 30 05 a0 03 0a 01 03', () => {
    const bytes = hex('a1 07 30 05 a0 03 0a 01 03');
    assert.deepEqual(encodeNegTokenResp({ negState: 'request-mic' }), bytes);
    assert.deepEqual(decodeNegTokenResp(bytes), { negState: 'request-mic' });
  });

  it('other NegTokenResp shapes', () => {
    assert.deepEqual(encodeNegTokenResp({}), hex('a1 02 30 00'));
    assert.deepEqual(encodeNegTokenResp({ negState: 'reject' }), hex('a1 07 30 05 a0 03 0a 01 02'));
    const mic = Buffer.alloc(16, 0xab);
    const final = hex(`a1 1b 30 19 a0 03 0a 01 00 a3 12 04 10 ${mic.toString('hex')}`);
    assert.deepEqual(encodeNegTokenResp({ negState: 'accept-completed', mechListMIC: mic }), final);
    assert.deepEqual(decodeNegTokenResp(final), { negState: 'accept-completed', mechListMIC: mic });
  });

  it('NegTokenInit2 as a Windows server sends it (MS-SPNG §2.2.1)', () => {
    const hint = Buffer.from(HINT_NAME_PLEASE_IGNORE, 'latin1');
    assert.equal(hint.length, 0x24);
    const expected = hex(`
      60 5e 06 06 2b 06 01 05 05 02
      a0 54 30 52
        a0 24 30 22
          06 09 2a 86 48 82 f7 12 01 02 02
          06 09 2a 86 48 86 f7 12 01 02 02
          06 0a 2b 06 01 04 01 82 37 02 02 0a
        a3 2a 30 28 a0 26 1b 24 ${hint.toString('hex')}
    `);
    const init = { mechTypes: [OID_MS_KERBEROS5, OID_KERBEROS5, OID_NTLMSSP], negHints: { hintName: HINT_NAME_PLEASE_IGNORE } };
    assert.deepEqual(encodeNegTokenInit2({ mechTypes: init.mechTypes }), expected); // default hint
    assert.deepEqual(encodeNegTokenInit2(init), expected);
    assert.deepEqual(encodeInitialToken(init), expected); // negHints implies the init2 layout

    const decoded = decodeNegTokenInit(expected);
    assert.equal(decoded.form, 'init2');
    assert.deepEqual(decoded.mechTypes, init.mechTypes);
    assert.deepEqual(decoded.negHints, init.negHints);
    assert.deepEqual(decoded.rawMechTypes, expected.subarray(16, 16 + 0x24));
    assert.deepEqual(encodeNegTokenInit2(withoutRaw(decoded)), expected);
  });

  it('decodes a captured-style browser token (SPNEGO-wrapped NTLM NEGOTIATE)', () => {
    const captured = hex(`
      60 48 06 06 2b 06 01 05 05 02 a0 3e 30 3c
      a0 0e 30 0c 06 0a 2b 06 01 04 01 82 37 02 02 0a
      a2 2a 04 28 ${NTLM_NEGOTIATE.toString('hex')}
    `);
    assert.equal(captured.length, 74);
    const r = decodeNegotiationToken(captured);
    assert.ok(r.kind === 'init');
    assert.equal(r.framed, true);
    assert.equal(r.token.form, 'init');
    assert.deepEqual(r.token.mechTypes, [OID_NTLMSSP]);
    assert.deepEqual(r.token.mechToken, NTLM_NEGOTIATE);
    assert.ok(isRawNtlmssp(r.token.mechToken));
    assert.deepEqual(encodeInitialToken(withoutRaw(r.token)), captured);
  });

  it('decodes a captured-style Kerberos-first client token with long-form lengths', () => {
    // Windows lists MS-KRB5, KRB5, NEGOEX, NTLMSSP and sends an optimistic Kerberos
    // AP-REQ (itself GSS-framed, opaque to SPNEGO) as mechToken.
    const apReq = Buffer.concat([hex('60 82 05 d8 06 09 2a 86 48 86 f7 12 01 02 02 01 00 6e 82 05 c7'), Buffer.alloc(1479, 0x5a)]);
    assert.equal(apReq.length, 1500);
    const mechList = tlv(0x30, DER_MS_KRB5, DER_KRB5, DER_NEGOEX, DER_NTLMSSP);
    const token = tlv(0x60, DER_SPNEGO, tlv(0xa0, tlv(0x30, tlv(0xa0, mechList), tlv(0xa2, tlv(0x04, apReq)))));
    assert.deepEqual(token.subarray(0, 4), hex('60 82 06 26'));

    const decoded = decodeNegTokenInit(token);
    assert.deepEqual(decoded.mechTypes, [OID_MS_KERBEROS5, OID_KERBEROS5, OID_NEGOEX, OID_NTLMSSP]);
    assert.deepEqual(decoded.mechToken, apReq);
    assert.deepEqual(decoded.rawMechTypes, mechList);
    assert.deepEqual(decoded.rawMechTypes, encodeMechTypeList(decoded.mechTypes));
    assert.deepEqual(encodeInitialToken(withoutRaw(decoded)), token);
  });

  it('decodes a server challenge (accept-incomplete + supportedMech + responseToken)', () => {
    const challenge = Buffer.concat([hex('4e544c4d53535000 02000000'), Buffer.alloc(44, 0x11)]);
    const bytes = tlv(0xa1, tlv(0x30, hex('a0 03 0a 01 01'), tlv(0xa1, DER_NTLMSSP), tlv(0xa2, tlv(0x04, challenge))));
    const resp = { negState: 'accept-incomplete' as const, supportedMech: OID_NTLMSSP, responseToken: challenge };
    assert.deepEqual(decodeNegTokenResp(bytes), resp);
    assert.deepEqual(encodeNegTokenResp(resp), bytes);
  });

  it('encodeMechTypeList is the DER of MechTypeList', () => {
    assert.deepEqual(encodeMechTypeList([OID_KERBEROS5, OID_NTLMSSP]), tlv(0x30, DER_KRB5, DER_NTLMSSP));
    assert.deepEqual(encodeMechTypeList([]), hex('30 00'));
  });

  it('rawMechTypes is the received slice of the input', () => {
    const token = encodeInitialToken({ mechTypes: [OID_KERBEROS5, OID_NTLMSSP], mechToken: Buffer.from('x') });
    const d = decodeNegTokenInit(token);
    const at = token.indexOf(d.rawMechTypes);
    assert.ok(at > 0);
    assert.equal(token[at - 2], 0xa0);
    // The result is a copy: mutating the input afterwards does not change it.
    const before = Buffer.from(d.rawMechTypes);
    token.fill(0);
    assert.deepEqual(d.rawMechTypes, before);
  });
});

describe('round trips', () => {
  const TOK = NTLM_NEGOTIATE;
  const MIC = Buffer.alloc(16, 0x42);
  const MECH_LISTS: string[][] = [[], [OID_NTLMSSP], [OID_MS_KERBEROS5, OID_KERBEROS5, OID_NEGOEX, OID_NTLMSSP], ['2.999.1234567890123']];

  it('NegTokenInit: every optional-field combination, framed and bare', () => {
    let n = 0;
    for (const mechTypes of MECH_LISTS) {
      for (const reqFlags of [undefined, 0, ContextFlag.mutual | ContextFlag.integ, 0x7f, 0xffffffff]) {
        for (const mechToken of [undefined, Buffer.alloc(0), TOK]) {
          for (const mechListMIC of [undefined, MIC]) {
            const init: NegTokenInit = { mechTypes };
            if (reqFlags !== undefined) init.reqFlags = reqFlags;
            if (mechToken !== undefined) init.mechToken = mechToken;
            if (mechListMIC !== undefined) init.mechListMIC = mechListMIC;
            const expected = { form: 'init', ...init, rawMechTypes: encodeMechTypeList(mechTypes) };
            const framed = decodeNegotiationToken(encodeInitialToken(init));
            assert.deepEqual(framed, { kind: 'init', token: expected, framed: true });
            const bare = decodeNegotiationToken(bareInit(init));
            assert.deepEqual(bare, { kind: 'init', token: expected, framed: false });
            n++;
          }
        }
      }
    }
    assert.equal(n, 4 * 5 * 3 * 2);
  });

  it('NegTokenInit2: every optional-field combination', () => {
    const hintsVariants: (NegHints | undefined)[] = [
      undefined,
      {},
      { hintName: HINT_NAME_PLEASE_IGNORE },
      { hintAddress: Buffer.from([10, 0, 0, 1]) },
      { hintName: 'host/dc01.example.com@EXAMPLE.COM', hintAddress: Buffer.alloc(0) },
    ];
    let n = 0;
    for (const mechTypes of MECH_LISTS) {
      for (const reqFlags of [undefined, 0x7f]) {
        for (const mechToken of [undefined, TOK]) {
          for (const negHints of hintsVariants) {
            for (const mechListMIC of [undefined, MIC]) {
              const init: NegTokenInit = { form: 'init2', mechTypes };
              if (reqFlags !== undefined) init.reqFlags = reqFlags;
              if (mechToken !== undefined) init.mechToken = mechToken;
              if (negHints !== undefined) init.negHints = negHints;
              if (mechListMIC !== undefined) init.mechListMIC = mechListMIC;
              n++;
              const bytes = encodeInitialToken(init);
              // Without [3] and [4] an init2 token is byte-identical to an RFC 4178 one.
              const looksInit2 = negHints !== undefined || mechListMIC !== undefined;
              if (!looksInit2 && mechTypes.length === 0) {
                assertDecodeError(() => decodeNegotiationToken(bytes), 'MISSING_FIELD');
                continue;
              }
              const d = decodeNegTokenInit(bytes);
              assert.deepEqual(withoutRaw(d), { ...init, form: looksInit2 ? 'init2' : 'init' });
              assert.deepEqual(d.rawMechTypes, mechTypes.length ? encodeMechTypeList(mechTypes) : Buffer.alloc(0));
              assert.deepEqual(encodeInitialToken(withoutRaw(d)), bytes);
            }
          }
        }
      }
    }
    assert.equal(n, 4 * 2 * 2 * 5 * 2);
  });

  it('NegTokenResp: every optional-field combination', () => {
    let n = 0;
    for (const negState of [undefined, ...NEG_STATES]) {
      for (const supportedMech of [undefined, OID_NTLMSSP, OID_KERBEROS5_USER2USER]) {
        for (const responseToken of [undefined, Buffer.alloc(0), TOK]) {
          for (const mechListMIC of [undefined, MIC]) {
            const resp: NegTokenResp = {};
            if (negState !== undefined) resp.negState = negState;
            if (supportedMech !== undefined) resp.supportedMech = supportedMech;
            if (responseToken !== undefined) resp.responseToken = responseToken;
            if (mechListMIC !== undefined) resp.mechListMIC = mechListMIC;
            const bytes = encodeNegTokenResp(resp);
            assert.equal(bytes[0], 0xa1);
            assert.deepEqual(decodeNegotiationToken(bytes), { kind: 'resp', token: resp, framed: false });
            n++;
          }
        }
      }
    }
    assert.equal(n, 5 * 3 * 3 * 2);
  });

  it('large tokens (long-form lengths, size cap and override)', () => {
    const big = Buffer.alloc(60_000, 0x33);
    const bytes = encodeInitialToken({ mechTypes: [OID_KERBEROS5], mechToken: big });
    assert.deepEqual(bytes.subarray(0, 2), hex('60 82'));
    assert.deepEqual(decodeNegTokenInit(bytes).mechToken, big);
    const huge = encodeNegTokenResp({ responseToken: Buffer.alloc(70_000, 1) });
    assertDecodeError(() => decodeNegotiationToken(huge), 'TOO_LARGE');
    assert.equal(decodeNegTokenResp(huge, { maxBytes: 80_000 }).responseToken?.length, 70_000);
  });

  it('property: decode(encode(x)) == x for arbitrary tokens (fast-check, seeded)', () => {
    const arc = fc.oneof(fc.nat({ max: 200 }), fc.nat({ max: Number.MAX_SAFE_INTEGER }));
    const oid = fc
      .tuple(fc.constantFrom(0, 1, 2), fc.nat({ max: 39 }), fc.nat({ max: 1_000_000 }), fc.array(arc, { maxLength: 8 }))
      .map(([a, b, b2, rest]) => [a, a === 2 ? b2 : b, ...rest].join('.'));
    const bytes = fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u));
    const negState = fc.constantFrom<NegState>(...NEG_STATES);
    const resp = fc.record(
      { negState, supportedMech: oid, responseToken: bytes, mechListMIC: bytes },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(resp, (rec) => {
        const r: NegTokenResp = { ...rec }; // fast-check records have a null prototype
        assert.deepEqual(decodeNegTokenResp(encodeNegTokenResp(r)), r);
      }),
      { seed: 4178, numRuns: 300 },
    );
    const hints = fc.record({ hintName: fc.string({ maxLength: 40 }), hintAddress: bytes }, { requiredKeys: [] });
    const init = fc.record(
      {
        mechTypes: fc.array(oid, { minLength: 1, maxLength: 6 }),
        reqFlags: fc.nat({ max: 0xffffffff }),
        mechToken: bytes,
        mechListMIC: bytes,
        negHints: hints,
      },
      { requiredKeys: ['mechTypes'] },
    );
    fc.assert(
      fc.property(init, fc.boolean(), (rec, framed) => {
        const i: NegTokenInit = { ...rec };
        if (rec.negHints !== undefined) i.negHints = { ...rec.negHints };
        const enc = framed ? encodeInitialToken(i) : encodeNegTokenInit(i);
        const d = decodeNegotiationToken(enc);
        assert.equal(d.framed, framed);
        assert.ok(d.kind === 'init');
        const form = i.negHints !== undefined ? 'init2' : 'init';
        assert.deepEqual(withoutRaw(d.token), { ...i, form });
        assert.deepEqual(d.token.rawMechTypes, encodeMechTypeList(i.mechTypes));
      }),
      { seed: 2743, numRuns: 300 },
    );
  });
});

describe('structural validation', () => {
  const nt = (inner: Buffer) => tlv(0xa0, inner); // NegotiationToken [0]
  const nr = (inner: Buffer) => tlv(0xa1, inner); // NegotiationToken [1]
  const mechTypes = tlv(0xa0, tlv(0x30, DER_NTLMSSP));

  const cases: [string, Buffer, string][] = [
    ['InitialContextToken for Kerberos', tlv(0x60, DER_KRB5, nr(hex('30 00'))), 'WRONG_MECH'],
    ['InitialContextToken without thisMech', tlv(0x60, nr(hex('30 00'))), 'MISSING_FIELD'],
    ['InitialContextToken with data after the inner token', tlv(0x60, DER_SPNEGO, nr(hex('30 00')), hex('05 00')), 'TRAILING_DATA'],
    ['InitialContextToken whose thisMech is not an OID', tlv(0x60, hex('04 00'), nr(hex('30 00'))), 'UNEXPECTED_TAG'],
    ['primitive [APPLICATION 0]', hex('40 00'), 'UNEXPECTED_TAG'],
    ['InitialContextToken with a malformed OID', tlv(0x60, hex('06 01 80'), nr(hex('30 00'))), 'BAD_OID'],
    ['NegotiationToken [2]', tlv(0xa2, hex('30 00')), 'UNEXPECTED_TAG'],
    ['bare SEQUENCE', hex('30 00'), 'UNEXPECTED_TAG'],
    ['primitive [0]', hex('80 00'), 'UNEXPECTED_TAG'],
    ['empty [1]', hex('a1 00'), 'BAD_DER'],
    ['[1] wrapping two elements', nr(Buffer.concat([hex('30 00'), hex('30 00')])), 'TRAILING_DATA'],
    ['NegTokenInit as SET', nt(hex('31 00')), 'UNEXPECTED_TAG'],
    ['NegTokenInit without mechTypes', nt(hex('30 00')), 'MISSING_FIELD'],
    ['NegTokenInit with only a mechToken', nt(tlv(0x30, tlv(0xa2, hex('04 00')))), 'MISSING_FIELD'],
    ['mechTypes that is not a SEQUENCE', nt(tlv(0x30, tlv(0xa0, DER_NTLMSSP))), 'UNEXPECTED_TAG'],
    ['mechTypes holding an OCTET STRING', nt(tlv(0x30, tlv(0xa0, tlv(0x30, hex('04 01 00'))))), 'UNEXPECTED_TAG'],
    ['mechTypes holding an empty OID', nt(tlv(0x30, tlv(0xa0, tlv(0x30, hex('06 00'))))), 'BAD_OID'],
    ['mechTypes holding a truncated OID', nt(tlv(0x30, tlv(0xa0, tlv(0x30, hex('06 02 2b 86'))))), 'BAD_OID'],
    ['mechToken that is not an OCTET STRING', nt(tlv(0x30, mechTypes, tlv(0xa2, hex('05 00')))), 'UNEXPECTED_TAG'],
    ['reqFlags that is not a BIT STRING', nt(tlv(0x30, mechTypes, tlv(0xa1, hex('02 01 00')))), 'UNEXPECTED_TAG'],
    ['[3] that is neither OCTET STRING nor NegHints', nt(tlv(0x30, mechTypes, tlv(0xa3, hex('02 01 00')))), 'UNEXPECTED_TAG'],
    ['[3] mechListMIC together with [4]', nt(tlv(0x30, mechTypes, tlv(0xa3, hex('04 00')), tlv(0xa4, hex('04 00')))), 'UNEXPECTED_TAG'],
    ['[4] that is not an OCTET STRING', nt(tlv(0x30, mechTypes, tlv(0xa4, hex('05 00')))), 'UNEXPECTED_TAG'],
    ['fields out of order', nt(tlv(0x30, tlv(0xa2, hex('04 00')), mechTypes)), 'UNEXPECTED_TAG'],
    ['a repeated field', nt(tlv(0x30, mechTypes, mechTypes)), 'UNEXPECTED_TAG'],
    ['a universal element among the fields', nt(tlv(0x30, mechTypes, hex('04 00'))), 'UNEXPECTED_TAG'],
    ['a primitive context field', nt(tlv(0x30, mechTypes, hex('82 00'))), 'UNEXPECTED_TAG'],
    ['NegHints with an unknown field', nt(tlv(0x30, mechTypes, tlv(0xa3, tlv(0x30, tlv(0xa2, hex('05 00')))))), 'UNEXPECTED_TAG'],
    ['hintName that is a UTF8String', nt(tlv(0x30, mechTypes, tlv(0xa3, tlv(0x30, tlv(0xa0, hex('0c 01 61')))))), 'UNEXPECTED_TAG'],
    ['hintAddress that is not an OCTET STRING', nt(tlv(0x30, mechTypes, tlv(0xa3, tlv(0x30, tlv(0xa1, hex('05 00')))))), 'UNEXPECTED_TAG'],
    ['NegTokenResp as SET', nr(hex('31 00')), 'UNEXPECTED_TAG'],
    ['negState 4', nr(tlv(0x30, tlv(0xa0, hex('0a 01 04')))), 'BAD_ENUM'],
    ['negState -1', nr(tlv(0x30, tlv(0xa0, hex('0a 01 ff')))), 'BAD_ENUM'],
    ['negState 256', nr(tlv(0x30, tlv(0xa0, hex('0a 02 01 00')))), 'BAD_ENUM'],
    ['negState as INTEGER', nr(tlv(0x30, tlv(0xa0, hex('02 01 00')))), 'UNEXPECTED_TAG'],
    ['negState non-minimal', nr(tlv(0x30, tlv(0xa0, hex('0a 02 00 00')))), 'BAD_DER'],
    ['negState empty', nr(tlv(0x30, tlv(0xa0, hex('0a 00')))), 'BAD_DER'],
    ['supportedMech that is not an OID', nr(tlv(0x30, tlv(0xa1, hex('04 00')))), 'UNEXPECTED_TAG'],
    ['supportedMech with a non-minimal arc', nr(tlv(0x30, tlv(0xa1, hex('06 03 2b 80 06')))), 'BAD_OID'],
    ['responseToken that is not an OCTET STRING', nr(tlv(0x30, tlv(0xa2, hex('1b 00')))), 'UNEXPECTED_TAG'],
    ['constructed responseToken', nr(tlv(0x30, tlv(0xa2, hex('24 02 04 00')))), 'BAD_DER'],
    ['mechListMIC that is not an OCTET STRING', nr(tlv(0x30, tlv(0xa3, hex('05 00')))), 'UNEXPECTED_TAG'],
    ['NegTokenResp with a universal element', nr(tlv(0x30, hex('0a 01 00'))), 'UNEXPECTED_TAG'],
    ['garbage inside an ignored extension', nr(tlv(0x30, tlv(0xa5, hex('04 05 00')))), 'TRUNCATED'],
    ['trailing data after a NegTokenResp', Buffer.concat([hex('a1 07 30 05 a0 03 0a 01 00'), hex('00')]), 'TRAILING_DATA'],
    ['raw NTLMSSP', NTLM_NEGOTIATE, 'UNEXPECTED_TAG'],
  ];
  for (const [name, bytes, code] of cases) {
    it(`rejects ${name}`, () => {
      assertDecodeError(() => decodeNegotiationToken(bytes), code as never);
    });
  }

  it('ignores unknown extension fields after the known ones (RFC 4178 "...")', () => {
    const resp = nr(tlv(0x30, hex('a0 03 0a 01 01'), tlv(0xa4, hex('04 01 99')), tlv(0xa9, tlv(0x30, hex('05 00')))));
    assert.deepEqual(decodeNegTokenResp(resp), { negState: 'accept-incomplete' });
    const init = nt(tlv(0x30, mechTypes, tlv(0xa5, hex('05 00'))));
    assert.deepEqual(withoutRaw(decodeNegTokenInit(init)), { form: 'init', mechTypes: [OID_NTLMSSP] });
    const init2 = nt(tlv(0x30, mechTypes, tlv(0xa3, hex('30 00')), tlv(0xa7, hex('05 00'))));
    assert.deepEqual(withoutRaw(decodeNegTokenInit(init2)), { form: 'init2', mechTypes: [OID_NTLMSSP], negHints: {} });
  });

  it('accepts an InitialContextToken carrying a NegTokenResp, and an init2 without mechTypes', () => {
    const framedResp = tlv(0x60, DER_SPNEGO, hex('a1 07 30 05 a0 03 0a 01 01'));
    assert.deepEqual(decodeNegotiationToken(framedResp), { kind: 'resp', token: { negState: 'accept-incomplete' }, framed: true });
    const noMechs = nt(tlv(0x30, tlv(0xa3, tlv(0x30, tlv(0xa0, hex('1b 01 78'))))));
    assert.deepEqual(decodeNegTokenInit(noMechs), { form: 'init2', mechTypes: [], rawMechTypes: Buffer.alloc(0), negHints: { hintName: 'x' } });
  });

  it('decodeNegTokenInit / decodeNegTokenResp insist on their kind', () => {
    assertDecodeError(() => decodeNegTokenInit(hex('a1 07 30 05 a0 03 0a 01 00')), 'UNEXPECTED_TAG');
    assertDecodeError(() => decodeNegTokenResp(encodeInitialToken({ mechTypes: [OID_NTLMSSP] })), 'UNEXPECTED_TAG');
  });

  it('a non-buffer argument is a programming error (TypeError)', () => {
    assert.throws(() => decodeNegotiationToken('YIIB' as unknown as Buffer), TypeError);
  });
});

describe('encoder argument checks', () => {
  it('rejects invalid values with TypeError/RangeError', () => {
    assert.throws(() => encodeInitialToken({ mechTypes: ['not.an.oid'] }), RangeError);
    assert.throws(() => encodeInitialToken({ mechTypes: 'x' as unknown as string[] }), TypeError);
    assert.throws(() => encodeInitialToken({ mechTypes: [], reqFlags: -1 }), RangeError);
    assert.throws(() => encodeInitialToken({ mechTypes: [], mechToken: 'x' as unknown as Buffer }), TypeError);
    assert.throws(() => encodeInitialToken({ form: 'init', mechTypes: [], negHints: {} }), TypeError);
    assert.throws(() => encodeInitialToken({ form: 'x' as 'init', mechTypes: [] }), RangeError);
    assert.throws(() => encodeNegTokenResp({ negState: 'done' as NegState }), RangeError);
    assert.throws(() => encodeNegTokenResp({ supportedMech: '1.2.3.' }), RangeError);
    assert.throws(() => encodeNegTokenResp({ mechListMIC: [1, 2] as unknown as Buffer }), TypeError);
    assert.throws(() => encodeNegTokenInit2({ mechTypes: [], negHints: { hintAddress: 'x' as unknown as Buffer } }), TypeError);
  });
});

describe('helpers', () => {
  it('isRawNtlmssp', () => {
    assert.equal(isRawNtlmssp(NTLM_NEGOTIATE), true);
    assert.equal(isRawNtlmssp(Buffer.from('NTLMSSP\0', 'latin1')), true);
    assert.equal(isRawNtlmssp(Buffer.from('NTLMSSP', 'latin1')), false);
    assert.equal(isRawNtlmssp(Buffer.from('NTLMSSP\x01xxxx', 'latin1')), false);
    assert.equal(isRawNtlmssp(hex('a1 07 30 05 a0 03 0a 01 00')), false);
    assert.equal(isRawNtlmssp(new Uint8Array(0)), false);
  });

  it('negState mapping', () => {
    assert.deepEqual(NEG_STATES.map(negStateToValue), [0, 1, 2, 3]);
    assert.equal(negStateFromValue(3), 'request-mic');
    assert.equal(negStateFromValue(4), undefined);
    assert.equal(negStateFromValue(-1), undefined);
    assert.equal(negStateFromValue(1.5), undefined);
  });

  it('ContextFlag uses the RFC 4178 bit positions', () => {
    assert.deepEqual(ContextFlag, { deleg: 1, mutual: 2, replay: 4, sequence: 8, anon: 16, conf: 32, integ: 64 });
  });

  it('mechName', () => {
    assert.equal(mechName(OID_SPNEGO), 'SPNEGO');
    assert.equal(mechName(OID_NTLMSSP), 'NTLMSSP');
    assert.equal(mechName(OID_KERBEROS5), 'Kerberos 5');
    assert.equal(mechName(OID_MS_KERBEROS5), 'MS Kerberos 5');
    assert.equal(mechName(OID_KERBEROS5_USER2USER), 'Kerberos 5 user-to-user');
    assert.equal(mechName(OID_NEGOEX), 'NEGOEX');
    assert.equal(mechName('1.2.3.4'), '1.2.3.4');
  });
});
