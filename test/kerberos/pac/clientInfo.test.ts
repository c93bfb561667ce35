// PAC_CLIENT_INFO (MS-PAC 2.7): the Samba PAC's matches its ticket; encode/decode; short forms refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacDecodeError, decodePacClientInfo, decodePacType, encodePacClientInfo, filetimeToSeconds } from '../../../src/kerberos/pac/index.js';
import { msPacExample, sambaTicket } from './helpers.js';

describe('PAC_CLIENT_INFO', () => {
  it("holds the Samba ticket's cname and authtime", () => {
    const { etp, pac } = sambaTicket();
    const b = decodePacType(pac).buffers.find((x) => x.type === 10);
    assert.ok(b);
    const ci = decodePacClientInfo(b.data);
    assert.equal(ci.name, 'alice');
    assert.equal(filetimeToSeconds(ci.clientId), etp.authtime.getTime() / 1000);
    assert.deepEqual(encodePacClientInfo(ci), Buffer.from(b.data));
  });

  it('reads the MS-PAC §3 example (lzhu)', () => {
    const b = decodePacType(msPacExample()).buffers.find((x) => x.type === 10);
    assert.ok(b);
    assert.equal(decodePacClientInfo(b.data).name, 'lzhu');
  });

  it('refuses a NameLength past the buffer or odd', () => {
    const good = encodePacClientInfo({ clientId: 1n, name: 'bob' });
    const long = Buffer.from(good);
    long.writeUInt16LE(8, 8);
    const odd = Buffer.from(good);
    odd.writeUInt16LE(5, 8);
    for (const b of [long, odd, good.subarray(0, 9)]) assert.throws(() => decodePacClientInfo(b), PacDecodeError);
  });
});
