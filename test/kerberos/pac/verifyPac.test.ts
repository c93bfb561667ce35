// verifyPac on a real Samba 4.17 PAC (server signature with the exported keytab's AES256 key)
// and on PACs built and signed here for each enctype's checksum (16, 15, −138), then every
// refusal: a flipped byte, a PAC for another ticket, a forged signature type, missing buffers,
// and hostile bytes that must come back as pac-invalid, never as a throw.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChecksumTypeNumber, KeyUsage, encryptionType } from '../../../src/kerberos/index.js';
import { PacBufferType, decodePacType, verifyPac } from '../../../src/kerberos/pac/index.js';
import type { VerifyPacResult } from '../../../src/kerberos/pac/index.js';
import { AUTHTIME, buildPac, key, msPacExample, sambaTicket } from './helpers.js';

function detail(r: VerifyPacResult): string {
  assert.equal(r.ok, false, 'refused');
  return r.ok ? '' : `${r.reason}/${r.detail}`;
}

describe('verifyPac, Samba 4.17 ticket', () => {
  const { etp, pac, key: serviceKey } = sambaTicket();
  const options = { serviceKey, ticketClientName: etp.cname.nameString.join('/'), authtime: etp.authtime };

  it('verifies the server signature with the keytab key and gives alice, her SIDs and group names', () => {
    const r = verifyPac(pac, options);
    assert.ok(r.ok, r.ok ? '' : r.message);
    const id = r.identity;
    const domain = 'S-1-5-21-2421438488-132236347-847089396';
    assert.equal(id.userSid, `${domain}-1102`);
    assert.equal(id.userName, 'alice');
    assert.equal(id.logonDomain, 'CORP');
    assert.equal(id.primaryGroupSid, `${domain}-513`);
    assert.deepEqual(id.groupSids, [
      { sid: `${domain}-513`, attributes: 7, name: 'CORP\\Domain Users' },
      { sid: `${domain}-1103`, attributes: 7 },
    ]);
    assert.deepEqual(id.extraSids, [{ sid: 'S-1-18-1', attributes: 7, name: 'Authentication authority asserted identity' }]);
    assert.deepEqual(id.resourceGroupSids, []);
    assert.deepEqual(id.sids, [`${domain}-1102`, `${domain}-513`, `${domain}-1103`, 'S-1-18-1']);
    assert.equal(id.upn, 'alice@corp.example.test');
    assert.equal(id.dnsDomain, 'CORP.EXAMPLE.TEST');
  });

  it('zeroes only the server and KDC Signature fields: the ticket (16) and full-PAC (19) checksums stay in', () => {
    const buffers = decodePacType(pac).buffers;
    assert.deepEqual(buffers.map((b) => b.type), [1, 10, 12, 6, 7, 16, 19], 'Samba signs these buffers');
    const zeroed = (types: readonly number[]): Buffer => {
      const b = Buffer.from(pac);
      for (const x of buffers.filter((y) => types.includes(y.type))) b.fill(0, x.offset + 4, x.offset + 16);
      return b;
    };
    const server = buffers.find((b) => b.type === PacBufferType.SERVER_CHECKSUM)!.data.subarray(4, 16);
    const aes256 = encryptionType(18);
    assert.ok(aes256.verifyChecksum(serviceKey.keyvalue, KeyUsage.KERB_NON_KERB_CKSUM_SALT, zeroed([6, 7]), server));
    assert.ok(!aes256.verifyChecksum(serviceKey.keyvalue, KeyUsage.KERB_NON_KERB_CKSUM_SALT, zeroed([6, 7, 16, 19]), server));
    assert.ok(!aes256.verifyChecksum(serviceKey.keyvalue, KeyUsage.KERB_NON_KERB_CKSUM_SALT, zeroed([6]), server));
  });

  it('refuses the PAC when any byte is flipped (signed bytes) or the key is another', () => {
    let accepted = 0;
    const serverSig = decodePacType(pac).buffers.find((b) => b.type === PacBufferType.SERVER_CHECKSUM);
    const kdcSig = decodePacType(pac).buffers.find((b) => b.type === PacBufferType.PRIVSVR_CHECKSUM);
    assert.ok(serverSig && kdcSig);
    for (let i = 0; i < pac.length; i++) {
      // The KDC signature's bytes are zeroed before checking and are not verified here (no krbtgt key).
      if (i >= kdcSig.offset + 4 && i < kdcSig.offset + kdcSig.data.length) continue;
      const m = Buffer.from(pac);
      m[i]! ^= 0x01;
      const r = verifyPac(m, options);
      if (r.ok) accepted++;
    }
    assert.equal(accepted, 0, 'no altered byte passes');
    const tampered = Buffer.from(pac);
    tampered[serverSig.offset + 4]! ^= 0x80;
    assert.equal(detail(verifyPac(tampered, options)), 'pac-invalid/server-signature-mismatch');
    const groupRid = Buffer.from(pac);
    const at = groupRid.indexOf(Buffer.from('4f04000007000000', 'hex')); // GroupIds: RID 1103, attributes 7
    assert.ok(at > 0);
    groupRid.writeUInt32LE(512, at); // WebUsers → Domain Admins
    assert.equal(detail(verifyPac(groupRid, options)), 'pac-invalid/server-signature-mismatch');
    assert.equal(detail(verifyPac(pac, { ...options, serviceKey: key(18, 7) })), 'pac-invalid/server-signature-mismatch');
  });

  it('refuses the PAC for another client or another authtime (a PAC cut from another ticket)', () => {
    assert.equal(detail(verifyPac(pac, { ...options, ticketClientName: 'bob' })), 'pac-invalid/client-name-mismatch');
    assert.equal(detail(verifyPac(pac, { ...options, ticketClientName: 'Alice' })), 'pac-invalid/client-name-mismatch');
    const later = new Date(etp.authtime.getTime() + 1000);
    assert.equal(detail(verifyPac(pac, { ...options, authtime: later })), 'pac-invalid/authtime-mismatch');
  });

  it('refuses a key whose enctype does not match the signature type', () => {
    assert.equal(detail(verifyPac(pac, { ...options, serviceKey: key(23, 1) })), 'pac-invalid/checksum-type-mismatch');
    assert.equal(detail(verifyPac(pac, { ...options, serviceKey: { keytype: 99, keyvalue: new Uint8Array(16) } })), 'pac-invalid/checksum-type-mismatch');
  });
});

describe('verifyPac, PACs signed here', () => {
  const options = (serviceKey = key(18, 1)) => ({ serviceKey, ticketClientName: 'bob', authtime: AUTHTIME });

  for (const [etype, cksum] of [[18, ChecksumTypeNumber.HMAC_SHA1_96_AES256], [17, ChecksumTypeNumber.HMAC_SHA1_96_AES128], [23, ChecksumTypeNumber.HMAC_MD5]] as const) {
    it(`enctype ${etype}: checksum ${cksum} verifies; resource groups and well-known names come through`, () => {
      const serviceKey = key(etype, 1);
      const pac = buildPac({ serverKey: serviceKey, kdcKey: key(18, 9), upn: ['bob@example.test', 'EXAMPLE.TEST'] });
      assert.equal(Buffer.from(pac).readInt32LE(decodePacType(pac).buffers.find((b) => b.type === 6)!.offset), cksum);
      const r = verifyPac(pac, options(serviceKey));
      assert.ok(r.ok, r.ok ? '' : r.message);
      assert.equal(r.identity.userSid, 'S-1-5-21-1111-2222-3333-1107');
      assert.deepEqual(r.identity.groupSids.map((g) => g.name ?? g.sid), ['EXAMPLE\\Domain Users', 'EXAMPLE\\Domain Admins', 'S-1-5-21-1111-2222-3333-4242']);
      assert.deepEqual(r.identity.resourceGroupSids, [{ sid: 'S-1-5-21-7-8-9-600', attributes: 0x20000007 }]);
      assert.equal(r.identity.upn, 'bob@example.test');
      assert.equal(r.identity.sids.length, 6, 'user, 513 (once), 512, 4242, S-1-18-1, the resource group');
    });
  }

  it('refuses a PAC without logon info, client info or either signature, and one with two logon infos', () => {
    for (const omit of [PacBufferType.LOGON_INFO, PacBufferType.CLIENT_INFO, PacBufferType.SERVER_CHECKSUM, PacBufferType.PRIVSVR_CHECKSUM]) {
      assert.equal(detail(verifyPac(buildPac({ serverKey: key(18, 1), omit: [omit] }), options())), 'pac-invalid/missing-buffer', `without ${omit}`);
    }
    const twice = buildPac({ serverKey: key(18, 1), extra: [{ type: PacBufferType.LOGON_INFO, data: new Uint8Array(8) }] });
    assert.equal(detail(verifyPac(twice, options())), 'pac-invalid/missing-buffer');
  });

  it('refuses a downgraded signature type (HMAC-MD5 in a PAC checked with an AES key)', () => {
    const pac = buildPac({ serverKey: key(23, 1) });
    assert.equal(detail(verifyPac(pac, options(key(18, 1)))), 'pac-invalid/checksum-type-mismatch');
  });

  it('ignores unknown buffer types, which the signature still covers', () => {
    const pac = buildPac({ serverKey: key(18, 1), extra: [{ type: 0x7777, data: Buffer.from('anything') }] });
    assert.ok(verifyPac(pac, options()).ok);
  });

  it('refuses the MS-PAC §3 example (its HMAC-MD5 key is not given) without throwing', () => {
    const pac = msPacExample();
    assert.equal(detail(verifyPac(pac, { serviceKey: key(23, 1), ticketClientName: 'lzhu', authtime: new Date('2006-04-28T01:42:50Z') })), 'pac-invalid/server-signature-mismatch');
  });

  it('returns pac-invalid/malformed for hostile bytes, never a throw', () => {
    const pac = buildPac({ serverKey: key(18, 1) });
    const samples: Uint8Array[] = [new Uint8Array(0), Buffer.alloc(8), Buffer.from('ffffffff00000000', 'hex'), pac.subarray(0, 40), pac.subarray(0, pac.length - 8)];
    for (let i = 0; i < 600; i++) {
      const m = Buffer.from(pac);
      m[(i * 7919) % m.length] = (i * 31) & 0xff;
      m[(i * 104729) % m.length]! ^= 0x40;
      samples.push(m);
    }
    for (const s of samples) {
      const r = verifyPac(s, options());
      if (!r.ok) assert.equal(r.reason, 'pac-invalid');
    }
    for (const s of samples.slice(0, 5)) assert.equal(detail(verifyPac(s, options())), 'pac-invalid/malformed');
  });
});
