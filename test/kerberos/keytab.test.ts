// MIT keytabs (format 0x0502) on real files from MIT ktutil and Samba's exportkeytab,
// checked against MIT klist's listing; what we write is read back by MIT klist.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeKeytab, describeKeytabEntry, encodeKeytab, findKeytabEntry, formatPrincipal, KerberosDecodeError, keytabEntriesFor,
  newestKvno, parsePrincipal,
} from '../../src/kerberos/index.js';
import type { KerberosDecodeErrorCode, KeytabEntry } from '../../src/kerberos/index.js';
import { fixture, fixtureText, klist, klistTime, skipUnlessKlist, thrown } from './fixtures.js';

const KLIST_ENCTYPE: Readonly<Record<number, string>> = { 17: 'aes128-cts-hmac-sha1-96', 18: 'aes256-cts-hmac-sha1-96', 23: 'DEPRECATED:arcfour-hmac' };

/** The entry lines of `klist -kte -K`, as our reader sees the file. */
function klistLines(entries: readonly KeytabEntry[]): string[] {
  return entries.map((e) => `${String(e.kvno).padStart(4)} ${klistTime(e.timestamp)} ${formatPrincipal(e.principal)} (${KLIST_ENCTYPE[e.key.keytype] ?? e.key.keytype})  (0x${Buffer.from(e.key.keyvalue).toString('hex')})`);
}
const entryLines = (text: string): string[] => text.split('\n').filter((l) => /^ *\d+ \d\d\//.test(l));

function assertCode(fn: () => unknown, code: KerberosDecodeErrorCode): void {
  const e = thrown(fn);
  assert.ok(e instanceof KerberosDecodeError, `expected KerberosDecodeError(${code}), got ${String(e)}`);
  assert.equal(e.code, code, e.message);
}

const WEB1 = 'HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST';
const ktutilBytes = fixture('ktutil.keytab');
const sambaBytes = fixture('samba-exportkeytab.keytab');

describe('keytab (MIT 0x0502)', () => {
  it('reads MIT ktutil output exactly as MIT klist -kte -K lists it (kvno 300 from the kvno32)', () => {
    const entries = decodeKeytab(ktutilBytes);
    assert.deepEqual(klistLines(entries), entryLines(fixtureText('ktutil.klist.txt')));
    assert.equal(entries[2]?.kvno, 300);
    assert.equal(ktutilBytes[0xef], 300 & 0xff, 'the file itself holds kvno8 = 44 for it');
  });

  it("writes MIT's bytes back exactly", () => {
    assert.deepEqual(encodeKeytab(decodeKeytab(ktutilBytes)), ktutilBytes);
  });

  it("reads Samba's exportkeytab (4 extra bytes per record skipped by the record length), same keys as ktutil made from the password and salt", () => {
    const entries = decodeKeytab(sambaBytes);
    assert.deepEqual(klistLines(entries), entryLines(fixtureText('samba-exportkeytab.klist.txt')));
    assert.deepEqual(entries.map((e) => [e.kvno, e.key.keytype]), [[2, 18], [2, 17], [2, 23]]);
    const ours = decodeKeytab(ktutilBytes);
    for (const etype of [18, 17]) {
      assert.deepEqual(findKeytabEntry(entries, WEB1, { enctype: etype })?.key.keyvalue, findKeytabEntry(ours, WEB1, { enctype: etype })?.key.keyvalue);
    }
    assert.equal(encodeKeytab(entries).length, sambaBytes.length - 3 * 4);
  });

  it('what we write, MIT klist reads', { skip: skipUnlessKlist() }, () => {
    const entries: KeytabEntry[] = [
      ...decodeKeytab(sambaBytes),
      { principal: parsePrincipal('HTTP/web1@CORP.EXAMPLE.TEST'), timestamp: new Date('2026-01-02T03:04:05Z'), kvno: 70000, key: { keytype: 17, keyvalue: Buffer.alloc(16, 0x5a) } },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-keytab-'));
    try {
      const file = join(dir, 'out.keytab');
      writeFileSync(file, encodeKeytab(entries));
      assert.deepEqual(entryLines(klist(['-kte', '-K', file])), klistLines(entries));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds keys by principal, enctype and kvno; the newest kvno when none is asked (a rotated keytab)', () => {
    const old = decodeKeytab(sambaBytes);
    const rotated = [...old, ...decodeKeytab(ktutilBytes)];
    assert.equal(newestKvno(rotated, WEB1), 3);
    assert.equal(findKeytabEntry(rotated, WEB1, { enctype: 18 })?.kvno, 3);
    assert.equal(findKeytabEntry(rotated, WEB1, { enctype: 18, kvno: 2 })?.kvno, 2);
    assert.equal(findKeytabEntry(rotated, WEB1, { enctype: 23 })?.kvno, 2, 'rc4 only at kvno 2');
    assert.equal(findKeytabEntry(rotated, WEB1, { enctype: 18, kvno: 4 }), undefined);
    assert.equal(findKeytabEntry(rotated, 'HTTP/web1@CORP.EXAMPLE.TEST', { enctype: 23 })?.kvno, 300);
    assert.equal(findKeytabEntry(rotated, 'http/web1.corp.example.test@CORP.EXAMPLE.TEST', { enctype: 18 }), undefined, 'principals are case-sensitive');
    assert.deepEqual(keytabEntriesFor(rotated, WEB1).map((e) => e.kvno), [3, 3, 2, 2, 2]);
    assert.equal(describeKeytabEntry(old[0] as KeytabEntry), `2 18 ${WEB1}`);
  });

  it('skips holes (negative lengths), stops at a zero length, prefers a non-zero kvno32', () => {
    const one = encodeKeytab([decodeKeytab(ktutilBytes)[0] as KeytabEntry]).subarray(2);
    const hole = Buffer.alloc(4 + 10);
    hole.writeInt32BE(-10);
    const zeroKvno32 = Buffer.from(one);
    zeroKvno32.writeUInt32BE(0, zeroKvno32.length - 4);
    const file = Buffer.concat([Buffer.from('0502', 'hex'), hole, one, zeroKvno32, Buffer.alloc(4), Buffer.from('garbage')]);
    const entries = decodeKeytab(file);
    assert.deepEqual(entries.map((e) => e.kvno), [3, 3]);
    assert.deepEqual(decodeKeytab(Buffer.from('0502', 'hex')), []);
  });

  it('refuses hostile or foreign files with typed errors', () => {
    const rec = encodeKeytab([decodeKeytab(ktutilBytes)[0] as KeytabEntry]);
    assertCode(() => decodeKeytab(Buffer.alloc(0)), 'EMPTY');
    assertCode(() => decodeKeytab(Buffer.from('0501', 'hex')), 'BAD_VERSION');
    assertCode(() => decodeKeytab(rec.subarray(0, rec.length - 1)), 'TRUNCATED');
    assertCode(() => decodeKeytab(Buffer.concat([rec, Buffer.alloc(2)])), 'TRAILING_DATA');
    const hole = Buffer.from('0502fffffff0', 'hex');
    assertCode(() => decodeKeytab(hole), 'TRUNCATED');
    const inner = Buffer.from(rec);
    inner.writeUInt16BE(0xffff, 6 + 2 + 2 + 17); // first component's length runs past the record
    assertCode(() => decodeKeytab(inner), 'TRUNCATED');
    const comps = Buffer.from(rec);
    comps.writeUInt16BE(17, 6);
    assertCode(() => decodeKeytab(comps), 'TOO_LARGE');
    const utf = Buffer.from(rec);
    utf[6 + 2 + 2] = 0xff;
    assertCode(() => decodeKeytab(utf), 'BAD_VALUE');
    assertCode(() => decodeKeytab(Buffer.alloc(2 * 1024 * 1024)), 'TOO_LARGE');
  });
});
