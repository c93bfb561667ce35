// The 0x8003 authenticator checksum (RFC 4121 §4.1.1) and its channel-binding hash, which is
// the same gss_channel_bindings_struct MD5 as NTLM's MsvAvChannelBindings.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as gssCb from '../../src/gss/channelBindings.js';
import * as ntlmCb from '../../src/ntlm/channelBindings.js';
import {
  bndFor, decodeAuthenticatorChecksum, encodeAuthenticatorChecksum, GSS_CHECKSUM_TYPE, GssFlags, KerberosDecodeError,
} from '../../src/kerberos/index.js';
import type { KerberosDecodeErrorCode } from '../../src/kerberos/index.js';
import { thrown } from './fixtures.js';

function assertCode(fn: () => unknown, code: KerberosDecodeErrorCode): void {
  const e = thrown(fn);
  assert.ok(e instanceof KerberosDecodeError, `expected KerberosDecodeError(${code}), got ${String(e)}`);
  assert.equal(e.code, code, e.message);
}

const tlsData = gssCb.tlsServerEndPointData(Buffer.alloc(32, 0xab));

describe('0x8003 authenticator checksum', () => {
  it('one channel-bindings implementation: ntlm/ re-exports gss/', () => {
    assert.equal(ntlmCb.channelBindingsHash, gssCb.channelBindingsHash);
    assert.equal(ntlmCb.isZeroBinding, gssCb.isZeroBinding);
  });

  it('Bnd is MD5 of the flat struct (RFC 4121 §4.1.1.2), zeros without bindings', () => {
    const flat = Buffer.concat([Buffer.alloc(16), Buffer.from([tlsData.length, 0, 0, 0]), tlsData]);
    assert.deepEqual(gssCb.encodeChannelBindings({ applicationData: tlsData }), flat);
    assert.deepEqual(bndFor({ applicationData: tlsData }), gssCb.channelBindingsHash({ applicationData: tlsData }));
    assert.deepEqual(bndFor(undefined), Buffer.alloc(16));
    assert.ok(gssCb.isZeroBinding(bndFor(undefined)));
    assert.throws(() => bndFor(Buffer.alloc(15)), RangeError);
  });

  it('encodes the 24-byte form MIT sends (Lgth 16 LE, Bnd, Flags LE) and decodes it', () => {
    const c = encodeAuthenticatorChecksum({ bindings: { applicationData: tlsData }, flags: 0x13e });
    assert.equal(c.cksumtype, GSS_CHECKSUM_TYPE);
    assert.equal(c.checksum.length, 24);
    assert.deepEqual(Buffer.from(c.checksum.subarray(0, 4)), Buffer.from('10000000', 'hex'));
    assert.deepEqual(Buffer.from(c.checksum.subarray(20)), Buffer.from('3e010000', 'hex'));
    const d = decodeAuthenticatorChecksum(c);
    assert.equal(d.flags, 0x13e);
    assert.deepEqual(Buffer.from(d.bnd), gssCb.channelBindingsHash({ applicationData: tlsData }));
    assert.deepEqual(d.extensions, []);
  });

  it('delegation (DlgOpt 1, Dlgth, KRB-CRED) and extensions (BE type and length) round-trip; DELEG follows the KRB-CRED', () => {
    const cred = Buffer.from('76820100', 'hex');
    const c = encodeAuthenticatorChecksum({ flags: GssFlags.MUTUAL, delegation: cred, extensions: [{ type: 2, data: Buffer.from('abc') }] });
    const d = decodeAuthenticatorChecksum(c.checksum);
    assert.equal(d.flags, GssFlags.MUTUAL | GssFlags.DELEG);
    assert.deepEqual(Buffer.from(d.delegation ?? []), cred);
    assert.deepEqual(d.extensions.map((e) => [e.type, Buffer.from(e.data).toString()]), [[2, 'abc']]);
    assert.deepEqual(Buffer.from(c.checksum.subarray(24, 28)), Buffer.from('01000400', 'hex'));
    assert.equal(decodeAuthenticatorChecksum(encodeAuthenticatorChecksum({ flags: GssFlags.DELEG | GssFlags.MUTUAL })).flags, GssFlags.MUTUAL);
  });

  it('refuses another cksumtype, Lgth ≠ 16, DlgOpt ≠ 1 and every overrun, with typed errors', () => {
    const ok = Buffer.from(encodeAuthenticatorChecksum({ flags: 2 }).checksum);
    assertCode(() => decodeAuthenticatorChecksum({ cksumtype: 16, checksum: ok }), 'BAD_VALUE');
    assertCode(() => decodeAuthenticatorChecksum(ok.subarray(0, 23)), 'TRUNCATED');
    const lgth = Buffer.from(ok);
    lgth[0] = 17;
    assertCode(() => decodeAuthenticatorChecksum(lgth), 'BAD_VALUE');
    const deleg = Buffer.from(encodeAuthenticatorChecksum({ flags: 0, delegation: Buffer.alloc(8) }).checksum);
    assertCode(() => decodeAuthenticatorChecksum(deleg.subarray(0, 26)), 'TRUNCATED');
    assertCode(() => decodeAuthenticatorChecksum(deleg.subarray(0, 30)), 'TRUNCATED');
    const opt = Buffer.from(deleg);
    opt[24] = 2;
    assertCode(() => decodeAuthenticatorChecksum(opt), 'BAD_VALUE');
    assertCode(() => decodeAuthenticatorChecksum(Buffer.concat([ok, Buffer.alloc(5)])), 'TRUNCATED');
    assertCode(() => decodeAuthenticatorChecksum(Buffer.concat([ok, Buffer.from('00000001000000ff', 'hex')])), 'TRUNCATED');
    const many = Buffer.concat([ok, ...Array.from({ length: 17 }, () => Buffer.alloc(8))]);
    assertCode(() => decodeAuthenticatorChecksum(many), 'TOO_LARGE');
  });
});
