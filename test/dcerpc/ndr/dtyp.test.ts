// The MS-DTYP types in NDR form: RPC_UNICODE_STRING, RPC_SID, GROUP_MEMBERSHIP arrays, FILETIME;
// each written and read back, and hostile forms refused with a code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  NdrReader, NdrWriter, dateToFiletime, filetimeToDate, formatSid, readFiletime,
  readGroupMembershipArray, readRpcSid, readRpcUnicodeString, writeFiletime, writeGroupMembershipArray, writeRpcSid,
  writeRpcUnicodeString,
} from '../../../src/dcerpc/index.js';
import type { Sid } from '../../../src/dcerpc/index.js';
import { ndrCode } from './helpers.js';

function readString(bytes: Uint8Array): string {
  const r = new NdrReader(bytes);
  let out = '<unset>';
  r.construct(() => readRpcUnicodeString(r, 'S', (s) => (out = s)));
  return out;
}

describe('RPC_UNICODE_STRING', () => {
  it('writes Length/MaximumLength in bytes, a referent ID, then MaximumCount, Offset 0, ActualCount and the characters', () => {
    const w = new NdrWriter();
    w.construct(() => writeRpcUnicodeString(w, 'alice'));
    const b = w.toBuffer();
    assert.equal(b.toString('hex'), '0a000a00' + '00000200' + '05000000' + '00000000' + '05000000' + Buffer.from('alice', 'utf16le').toString('hex'));
    assert.equal(readString(b), 'alice');
  });

  it('leaves room for a NUL when asked (MaximumLength and MaximumCount one character larger)', () => {
    const w = new NdrWriter();
    w.construct(() => writeRpcUnicodeString(w, 'DC1', true));
    const b = w.toBuffer();
    assert.equal(b.subarray(0, 4).toString('hex'), '06000800');
    assert.equal(b.subarray(8, 20).toString('hex'), '04000000' + '00000000' + '03000000');
    assert.equal(readString(b), 'DC1');
  });

  it('reads a null Buffer as the empty string, and an empty one with a referent (as Windows writes it)', () => {
    assert.equal(readString(Buffer.from('0000000000000000', 'hex')), '');
    assert.equal(readString(Buffer.from('00000000' + '04000200' + '000000000000000000000000', 'hex')), '');
  });

  it('refuses a variance that disagrees with Length, an offset, or more characters than the conformance', () => {
    const s = (len: string, max: number, off: number, actual: number, chars: string): Buffer =>
      Buffer.concat([Buffer.from(len + '00000200', 'hex'), Buffer.from(new Uint32Array([max, off, actual]).buffer), Buffer.from(chars, 'utf16le')]);
    assert.equal(ndrCode(() => readString(s('08000800', 4, 0, 3, 'abc'))), 'BAD_VALUE');
    assert.equal(ndrCode(() => readString(s('06000600', 4, 1, 3, 'abc'))), 'BAD_VALUE');
    assert.equal(ndrCode(() => readString(s('06000600', 2, 0, 3, 'abc'))), 'BAD_VALUE');
    assert.equal(ndrCode(() => readString(s('06000600', 3, 0, 3, 'ab'))), 'TRUNCATED');
    assert.equal(ndrCode(() => readString(Buffer.from('0200020000000000', 'hex'))), 'BAD_POINTER');
    assert.equal(ndrCode(() => readString(Buffer.from('0300040004000200', 'hex'))), 'BAD_VALUE', 'odd Length');
  });
});

describe('RPC_SID', () => {
  const domain: Sid = { revision: 1, identifierAuthority: 5, subAuthorities: [21, 2421438488, 132236347, 847089396] };

  it('writes the conformance, Revision, count, BE authority and LE sub-authorities, and reads them back', () => {
    const w = new NdrWriter();
    writeRpcSid(w, domain);
    const b = w.toBuffer();
    assert.equal(b.subarray(0, 12).toString('hex'), '04000000' + '0104' + '000000000005');
    const sid = readRpcSid(new NdrReader(b));
    assert.equal(formatSid(sid), 'S-1-5-21-2421438488-132236347-847089396');
  });

  it('refuses a revision other than 1, a count that is not the conformance, more than 15 sub-authorities', () => {
    assert.equal(ndrCode(() => readRpcSid(new NdrReader(Buffer.from('01000000' + '0201000000000005' + '15000000', 'hex')))), 'BAD_VALUE');
    assert.equal(ndrCode(() => readRpcSid(new NdrReader(Buffer.from('01000000' + '0102000000000005' + '15000000', 'hex')))), 'BAD_VALUE');
    const sixteen = Buffer.concat([Buffer.from('10000000' + '0110000000000005', 'hex'), Buffer.alloc(64)]);
    assert.equal(ndrCode(() => readRpcSid(new NdrReader(sixteen))), 'BAD_VALUE');
  });
});

describe('GROUP_MEMBERSHIP[] and FILETIME', () => {
  it('round-trips a group array and checks its count against the count field', () => {
    const groups = [{ relativeId: 513, attributes: 7 }, { relativeId: 1103, attributes: 7 }];
    const w = new NdrWriter();
    writeGroupMembershipArray(w, groups);
    const b = w.toBuffer();
    assert.deepEqual(readGroupMembershipArray(new NdrReader(b), 2), groups);
    assert.equal(ndrCode(() => readGroupMembershipArray(new NdrReader(b), 3)), 'BAD_VALUE');
    assert.equal(ndrCode(() => readGroupMembershipArray(new NdrReader(Buffer.from('ffffff00', 'hex')), 0xffffff)), 'TOO_LARGE');
    assert.equal(ndrCode(() => readGroupMembershipArray(new NdrReader(Buffer.from('03000000', 'hex')), 3)), 'TRUNCATED');
  });

  it('reads FILETIME as two 4-aligned u32 (low first), and converts to and from Date', () => {
    const t = new Date('2026-12-08T00:58:38Z');
    const w = new NdrWriter();
    w.u8(0);
    writeFiletime(w, dateToFiletime(t));
    const b = w.toBuffer();
    assert.equal(b.length, 12, 'aligned to 4, not 8');
    const r = new NdrReader(b);
    r.u8();
    assert.equal(filetimeToDate(readFiletime(r)).toISOString(), t.toISOString());
  });
});
