// RFC 4120 §5 messages built by our encoders: round trips, the base types' limits, and the
// strictness an acceptor relies on (versions, msg-type, required fields, typed errors).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as der from '../../../src/der/index.js';
import {
  ApOptions, decodeApRep, decodeApReq, decodeAuthenticator, decodeEncApRepPart, decodeEncTicketPart, decodeKrbError,
  decodeTicket, encodeApRep, encodeApReq, encodeAuthenticator, encodeEncApRepPart, encodeEncTicketPart, encodeKrbError,
  encodeTicket, formatPrincipal, KerberosDecodeError, KrbErrorCode, parsePrincipal, samePrincipal, TicketFlags,
} from '../../../src/kerberos/index.js';
import type { Authenticator, EncTicketPart, KerberosDecodeErrorCode, KrbError } from '../../../src/kerberos/index.js';
import { applicationFields, int32, kerberosString, kerberosTime, readKerberosFlags } from '../../../src/kerberos/messages/asn1.js';
import { encodePrincipalName } from '../../../src/kerberos/messages/principalName.js';
import { thrown } from '../fixtures.js';

function assertKrbError(fn: () => unknown, code: KerberosDecodeErrorCode): void {
  const e = thrown(fn);
  assert.ok(e instanceof KerberosDecodeError, `expected KerberosDecodeError(${code}), got ${String(e)}`);
  assert.equal(e.code, code, e.message);
}

const sname = { nameType: 2, nameString: ['HTTP', 'web1.corp.example.test'] };
const cname = { nameType: 1, nameString: ['alice'] };
const t0 = new Date('2026-12-08T01:02:03Z');
const ticket = decodeTicket(encodeTicket({ realm: 'CORP.EXAMPLE.TEST', sname, encPart: { etype: 18, kvno: 2, cipher: Buffer.alloc(40, 7) } }));

describe('messages round-trip through our encoders', () => {
  it('Ticket and AP-REQ (ticket given decoded or as DER)', () => {
    assert.equal(ticket.tktVno, 5);
    assert.deepEqual(ticket.sname, sname);
    const authenticator = { etype: 18, cipher: Buffer.alloc(60, 1) };
    const a = encodeApReq({ apOptions: ApOptions.mutualRequired, ticket, authenticator });
    assert.deepEqual(encodeApReq({ apOptions: ApOptions.mutualRequired, ticket: ticket.encoded, authenticator }), a);
    const r = decodeApReq(a);
    assert.equal(r.apOptions, ApOptions.mutualRequired);
    assert.deepEqual(Buffer.from(r.ticket.encoded), Buffer.from(ticket.encoded));
    assert.deepEqual(Buffer.from(r.authenticator.cipher), authenticator.cipher);
    // ap-options as 32 bits, bit 2 set (RFC 4120 §5.5.1)
    assert.ok(a.includes(Buffer.from('a20703050020000000', 'hex')));
  });

  it('EncTicketPart with every optional field', () => {
    const p: EncTicketPart = {
      flags: TicketFlags.forwardable | TicketFlags.renewable | TicketFlags.preAuthent,
      key: { keytype: 18, keyvalue: Buffer.alloc(32, 9) },
      crealm: 'CORP.EXAMPLE.TEST',
      cname,
      transited: { trType: 1, contents: Buffer.alloc(0) },
      authtime: t0,
      starttime: t0,
      endtime: new Date(t0.getTime() + 36e6),
      renewTill: new Date(t0.getTime() + 72e6),
      caddr: [{ addrType: 2, address: Buffer.from([127, 0, 0, 1]) }],
      authorizationData: [{ adType: 1, adData: Buffer.from('3000', 'hex') }],
    };
    const enc = encodeEncTicketPart(p);
    const back = decodeEncTicketPart(enc);
    assert.deepEqual(encodeEncTicketPart(back), enc);
    assert.equal(back.flags, p.flags);
    assert.equal(back.renewTill?.getTime(), p.renewTill?.getTime());
  });

  it('Authenticator, EncAPRepPart, AP-REP and KRB-ERROR', () => {
    const a: Authenticator = { crealm: 'CORP.EXAMPLE.TEST', cname, cusec: 999999, ctime: t0, seqNumber: 0xffffffff, subkey: { keytype: 17, keyvalue: Buffer.alloc(16) } };
    const ab = encodeAuthenticator(a);
    assert.deepEqual(decodeAuthenticator(ab), { ...a, subkey: { keytype: 17, keyvalue: new Uint8Array(16) } });
    const part = decodeEncApRepPart(encodeEncApRepPart({ ctime: t0, cusec: 5 }));
    assert.deepEqual(part, { ctime: t0, cusec: 5 });
    const rep = decodeApRep(encodeApRep({ encPart: { etype: 23, cipher: Buffer.alloc(30) } }));
    assert.equal(rep.encPart.etype, 23);
    const e: KrbError = { stime: t0, susec: 0, errorCode: KrbErrorCode.KRB_AP_ERR_SKEW, realm: 'CORP.EXAMPLE.TEST', sname, eText: 'clock skew too great', ctime: t0, cusec: 1 };
    assert.deepEqual(decodeKrbError(encodeKrbError(e)), e);
  });
});

describe('strict decoding with typed errors', () => {
  const apReq = encodeApReq({ apOptions: 0, ticket, authenticator: { etype: 18, cipher: Buffer.alloc(1) } });

  it('pvno other than 5 is BAD_VERSION; msg-type other than 14 is BAD_MESSAGE_TYPE', () => {
    const pv = Buffer.from(apReq);
    const i = pv.indexOf(Buffer.from('a003020105', 'hex'));
    pv[i + 4] = 4;
    assertKrbError(() => decodeApReq(pv), 'BAD_VERSION');
    const mt = Buffer.from(apReq);
    const j = mt.indexOf(Buffer.from('a10302010e', 'hex'));
    mt[j + 4] = 0x0f;
    assertKrbError(() => decodeApReq(mt), 'BAD_MESSAGE_TYPE');
  });

  it('an AP-REP is not an AP-REQ (APPLICATION tag), a missing field is MISSING_FIELD', () => {
    assertKrbError(() => decodeApReq(encodeApRep({ encPart: { etype: 18, cipher: Buffer.alloc(1) } })), 'UNEXPECTED_TAG');
    const noSname = applicationFields(1, [[0, int32(5)], [1, kerberosString('R')]]);
    assertKrbError(() => decodeTicket(noSname), 'MISSING_FIELD');
  });

  it('fields out of order are refused, unknown higher fields ignored (RFC 4120 §5.1)', () => {
    const swapped = applicationFields(27, [[1, int32(0)], [0, kerberosTime(t0)]]);
    assertKrbError(() => decodeEncApRepPart(swapped), 'UNEXPECTED_TAG');
    const extra = applicationFields(27, [[0, kerberosTime(t0)], [1, int32(0)], [9, int32(1)]]);
    assert.deepEqual(decodeEncApRepPart(extra), { ctime: t0, cusec: 0 });
  });

  it('KerberosTime: a fraction or an impossible date is BAD_VALUE (RFC 4120 §5.2.3)', () => {
    const time = (s: string): Buffer => der.tlv(24, Buffer.from(s));
    const withTime = (t: Buffer): Buffer => applicationFields(27, [[0, t], [1, int32(0)]]);
    assertKrbError(() => decodeEncApRepPart(withTime(time('20261208010203.5Z'))), 'BAD_VALUE');
    assertKrbError(() => decodeEncApRepPart(withTime(time('20260230010203Z'))), 'BAD_VALUE');
    assertKrbError(() => decodeEncApRepPart(withTime(time('20261208250203Z'))), 'BAD_VALUE');
    assertKrbError(() => decodeEncApRepPart(withTime(time('2026120801020Z'))), 'BAD_DER');
    assert.equal(decodeEncApRepPart(withTime(time('00011231235959Z'))).ctime.getUTCFullYear(), 1);
  });

  it('Microseconds outside 0..999999, Int32 overflow, invalid UTF-8 names', () => {
    assertKrbError(() => decodeEncApRepPart(applicationFields(27, [[0, kerberosTime(t0)], [1, der.integer(1000000)]])), 'BAD_VALUE');
    assertKrbError(() => decodeEncApRepPart(applicationFields(27, [[0, kerberosTime(t0)], [1, der.integer(-1)]])), 'BAD_VALUE');
    const bigEtype = der.sequence([der.explicit(0, der.integer(2 ** 31)), der.explicit(2, der.octetString(Buffer.alloc(1)))]);
    assertKrbError(() => decodeApRep(der.application(15, [der.sequence([der.explicit(0, int32(5)), der.explicit(1, int32(15)), der.explicit(2, bigEtype)])])), 'OUT_OF_RANGE');
    const badName = der.sequence([der.explicit(0, int32(1)), der.explicit(1, der.sequence([der.tlv(27, Buffer.from([0xc3, 0x28]))]))]);
    assertKrbError(() => decodeTicket(der.application(1, [der.sequence([der.explicit(0, int32(5)), der.explicit(1, kerberosString('R')), der.explicit(2, badName), der.explicit(3, der.sequence([der.explicit(0, int32(18)), der.explicit(2, der.octetString(Buffer.alloc(1)))]))])])), 'BAD_VALUE');
  });

  it('a negative kvno / seq-number is read as its UInt32 (encoders that write them signed)', () => {
    const signedSeq = applicationFields(27, [[0, kerberosTime(t0)], [1, int32(0)], [3, der.integer(-2)]]);
    assert.equal(decodeEncApRepPart(signedSeq).seqNumber, 0xfffffffe);
  });

  it('KerberosFlags: short BIT STRINGs are zero-extended, bits past 32 ignored', () => {
    const parse = (hex: string): number => readKerberosFlags(der.parseDer(Buffer.from(hex, 'hex')), 'flags');
    assert.equal(parse('03020040'), 0x40000000);
    assert.equal(parse('03060040200000ff'), 0x40200000);
    assert.equal(parse('030100'), 0);
  });

  it('truncation, trailing bytes and empty input', () => {
    assertKrbError(() => decodeApReq(apReq.subarray(0, apReq.length - 1)), 'TRUNCATED');
    assertKrbError(() => decodeApReq(Buffer.concat([apReq, Buffer.of(0)])), 'TRAILING_DATA');
    assertKrbError(() => decodeApReq(Buffer.alloc(0)), 'EMPTY');
    assertKrbError(() => decodeApReq(Buffer.alloc(70000, 0x30)), 'TOO_LARGE');
  });
});

describe('principal names', () => {
  it('parse and format with escapes, default realm and name types', () => {
    const p = parsePrincipal('HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST');
    assert.deepEqual(p, { realm: 'CORP.EXAMPLE.TEST', name: { nameType: 2, nameString: ['HTTP', 'web1.corp.example.test'] } });
    assert.equal(parsePrincipal('alice', { defaultRealm: 'R' }).name.nameType, 1);
    const odd = { realm: 'R@X', name: { nameType: 1, nameString: ['a/b', 'c\\d@e'] } };
    assert.equal(formatPrincipal(odd), 'a\\/b/c\\\\d\\@e@R\\@X');
    assert.ok(samePrincipal(parsePrincipal(formatPrincipal(odd)), odd));
    for (const bad of ['alice', 'a//b@R', 'a@', 'a\\']) assertKrbError(() => parsePrincipal(bad), 'BAD_VALUE');
  });

  it('name-type is not part of identity', () => {
    assert.ok(samePrincipal(parsePrincipal('HTTP/x@R', { nameType: 3 }), parsePrincipal('HTTP/x@R')));
    assert.ok(!samePrincipal(parsePrincipal('HTTP/x@R'), parsePrincipal('HTTP/X@R')));
  });

  it('a PrincipalName with more than 16 components is refused', () => {
    const many = der.sequence([der.explicit(0, int32(1)), der.explicit(1, der.sequence(Array.from({ length: 17 }, () => kerberosString('a'))))]);
    const t = der.application(1, [der.sequence([der.explicit(0, int32(5)), der.explicit(1, kerberosString('R')), der.explicit(2, many), der.explicit(3, der.sequence([der.explicit(0, int32(18)), der.explicit(2, der.octetString(Buffer.alloc(1)))]))])]);
    assertKrbError(() => decodeTicket(t), 'TOO_LARGE');
    assert.ok(encodePrincipalName(cname).length > 0);
  });
});
