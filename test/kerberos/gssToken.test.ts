// The krb5 GSS-API token framing (RFC 4121 §4.1, RFC 2743 §3.1), both mechanism OIDs.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as der from '../../src/der/index.js';
import {
  decodeAcceptorToken, decodeApReqToken, decodeKrb5Token, encodeKrb5Token, KerberosDecodeError, KRB5_LEGACY_OID, KRB5_OID, TokId,
} from '../../src/kerberos/index.js';
import type { KerberosDecodeErrorCode } from '../../src/kerberos/index.js';
import { fixture, thrown } from './fixtures.js';

function assertCode(fn: () => unknown, code: KerberosDecodeErrorCode): void {
  const e = thrown(fn);
  assert.ok(e instanceof KerberosDecodeError, `expected KerberosDecodeError(${code}), got ${String(e)}`);
  assert.equal(e.code, code, e.message);
}

const real = fixture('ap-req.gss');
const body = decodeKrb5Token(real).body;

describe('krb5 GSS token framing', () => {
  it('reads the real AP-REQ token: 60 len 06 09 <krb5 OID> 01 00 <AP-REQ>', () => {
    const t = decodeKrb5Token(real);
    assert.equal(t.mechOid, KRB5_OID);
    assert.equal(t.tokId, TokId.AP_REQ);
    assert.equal(t.body[0], 0x6e);
    assert.deepEqual(real.subarray(4, 17), Buffer.from('06092a864886f71201020201' + '00', 'hex'));
  });

  it("accepts Microsoft's legacy OID 1.2.840.48018.1.2.2 in the token and reports it, so an answer can echo it", () => {
    const legacy = encodeKrb5Token(TokId.AP_REQ, body, KRB5_LEGACY_OID);
    assert.deepEqual(legacy.subarray(4, 15), Buffer.from('06092a864882f712010202', 'hex'));
    const r = decodeApReqToken(legacy);
    assert.equal(r.mechOid, KRB5_LEGACY_OID);
    assert.equal(r.apReq.ticket.realm, 'CORP.EXAMPLE.TEST');
  });

  it('refuses another mechanism, another TOK_ID and the wrong message for a TOK_ID', () => {
    assertCode(() => decodeKrb5Token(der.tlv(0x60, [der.oid('1.3.6.1.4.1.311.2.2.10'), Buffer.from('0100', 'hex'), body])), 'BAD_OID');
    assertCode(() => decodeKrb5Token(der.tlv(0x60, [der.oid(KRB5_OID), Buffer.from('0101', 'hex'), body])), 'BAD_MESSAGE_TYPE');
    assertCode(() => decodeKrb5Token(der.tlv(0x60, [der.oid(KRB5_OID), Buffer.from('0404', 'hex'), body])), 'BAD_MESSAGE_TYPE');
    assertCode(() => decodeApReqToken(encodeKrb5Token(TokId.AP_REP, body)), 'BAD_MESSAGE_TYPE');
    assertCode(() => decodeAcceptorToken(real), 'BAD_MESSAGE_TYPE');
    // TOK_ID says AP-REP, the body is an AP-REQ: the inner decoder refuses it
    assertCode(() => decodeAcceptorToken(encodeKrb5Token(TokId.AP_REP, body)), 'UNEXPECTED_TAG');
  });

  it('refuses bad framing: not [APPLICATION 0], trailing or missing bytes, no TOK_ID, empty body', () => {
    assertCode(() => decodeKrb5Token(Buffer.alloc(0)), 'EMPTY');
    assertCode(() => decodeKrb5Token(body), 'UNEXPECTED_TAG');
    assertCode(() => decodeKrb5Token(Buffer.concat([real, Buffer.of(0)])), 'TRAILING_DATA');
    assertCode(() => decodeKrb5Token(real.subarray(0, real.length - 1)), 'TRUNCATED');
    assertCode(() => decodeKrb5Token(der.tlv(0x60, [der.oid(KRB5_OID), Buffer.of(1)])), 'TRUNCATED');
    assertCode(() => decodeKrb5Token(der.tlv(0x60, [der.oid(KRB5_OID), Buffer.from('0100', 'hex')])), 'TRUNCATED');
    assertCode(() => decodeKrb5Token(der.tlv(0x60, [der.octetString(Buffer.alloc(3)), Buffer.from('0100', 'hex'), body])), 'UNEXPECTED_TAG');
    assertCode(() => decodeKrb5Token(Buffer.from('6080', 'hex')), 'BAD_DER');
  });

  it('the encoder frames with a minimal length and refuses what is not a krb5 context token', () => {
    assert.deepEqual(encodeKrb5Token(TokId.AP_REQ, body), real);
    assert.throws(() => encodeKrb5Token(TokId.AP_REQ, body, '1.2.3'), RangeError);
    assert.throws(() => encodeKrb5Token(0x0404 as typeof TokId.AP_REQ, body), RangeError);
  });
});
