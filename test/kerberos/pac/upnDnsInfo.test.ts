// UPN_DNS_INFO (MS-PAC 2.10): the Samba PAC's extended form (S flag: SamName and Sid), the plain
// form the encoder writes, and offsets past the buffer refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSid } from '../../../src/dcerpc/index.js';
import { PacDecodeError, UpnDnsFlags, decodePacType, decodeUpnDnsInfo, encodeUpnDnsInfo } from '../../../src/kerberos/pac/index.js';
import { sambaTicket } from './helpers.js';

describe('UPN_DNS_INFO', () => {
  it('reads the Samba PAC: UPN, DNS domain, and with the S flag the SamName and the user SID', () => {
    const b = decodePacType(sambaTicket().pac).buffers.find((x) => x.type === 12);
    assert.ok(b);
    const u = decodeUpnDnsInfo(b.data);
    assert.equal(u.upn, 'alice@corp.example.test');
    assert.equal(u.dnsDomainName, 'CORP.EXAMPLE.TEST');
    assert.equal(u.flags & UpnDnsFlags.EXTENDED, UpnDnsFlags.EXTENDED);
    assert.equal(u.samName, 'alice');
    assert.ok(u.sid);
    assert.equal(formatSid(u.sid), 'S-1-5-21-2421438488-132236347-847089396-1102');
  });

  it('round-trips the plain form and refuses fields past the buffer', () => {
    const b = encodeUpnDnsInfo('bob@example.test', 'EXAMPLE.TEST', UpnDnsFlags.UPN_CONSTRUCTED);
    assert.deepEqual(decodeUpnDnsInfo(b), { upn: 'bob@example.test', dnsDomainName: 'EXAMPLE.TEST', flags: 1 });
    const past = Buffer.from(b);
    past.writeUInt16LE(0x400, 0);
    const extendedShort = Buffer.from(b.subarray(0, 16));
    extendedShort.writeUInt32LE(2, 8);
    extendedShort.writeUInt16LE(0, 0);
    extendedShort.writeUInt16LE(0, 4);
    for (const x of [past, b.subarray(0, 11)]) assert.throws(() => decodeUpnDnsInfo(x), PacDecodeError);
    assert.throws(() => decodeUpnDnsInfo(extendedShort), PacDecodeError, 'the S flag in a buffer too short for SamName and Sid');
  });
});
