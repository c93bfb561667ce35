/**
 * The crypto framework against two independent Kerberos implementations: MIT krb5's ktutil
 * (string-to-key for every enctype with AD salts) and impacket's krb5.crypto (encryption both
 * ways and the keyed checksums, for the enctypes it has: 17, 18, 23). Missing peers skip here
 * and fail under CI=true (test/peers/install.sh installs krb5-user and python3-impacket).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnlessPeers } from '../../helpers/peers.js';
import { accountSalt, encryptionType, checksumType } from '../../../src/kerberos/crypto/index.js';

const PYTHON = '/usr/bin/python3';

function skipUnlessKtutil(): string | false {
  const r = spawnSync('ktutil', ['--help'], { encoding: 'utf8' });
  if (!r.error) return false;
  const why = `needs MIT ktutil and klist (Debian krb5-user; run test/peers/install.sh): ${r.error.message}`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${why}`);
  return why;
}

/** klist names for our enctypes. */
const KLIST_NAME: Record<number, string> = {
  17: 'aes128-cts-hmac-sha1-96',
  18: 'aes256-cts-hmac-sha1-96',
  19: 'aes128-cts-hmac-sha256-128',
  20: 'aes256-cts-hmac-sha384-192',
  23: 'arcfour-hmac',
};

const ACCOUNTS = [
  { principal: 'alice@CORP.EXAMPLE.TEST', sam: 'alice', password: 'Passw0rd!' },
  { principal: 'svc-web@CORP.EXAMPLE.TEST', sam: 'svc-web', password: 'Ünïcödé \u{1D11E} pass' },
  { principal: 'WEB1$@CORP.EXAMPLE.TEST', sam: 'WEB1$', password: 'machine-\u00e9-pw' },
];

describe('string-to-key against MIT krb5 ktutil, with AD salts', { skip: skipUnlessKtutil() }, () => {
  it('gives the keys ktutil writes for every enctype and account kind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-ktutil-'));
    try {
      const keytab = join(dir, 'k.keytab');
      const lines: string[] = [];
      for (const a of ACCOUNTS) {
        for (const etype of Object.keys(KLIST_NAME).map(Number)) {
          const salt = etype === 23 ? '' : ` -s ${accountSalt('CORP.EXAMPLE.TEST', a.sam, 'corp.example.test')}`;
          lines.push(`addent -password -p ${a.principal} -k 1 -e ${KLIST_NAME[etype]}${salt}`, a.password);
        }
      }
      lines.push(`wkt ${keytab}`, 'quit', '');
      const add = spawnSync('ktutil', [], { input: lines.join('\n'), encoding: 'utf8' });
      assert.equal(add.status, 0, add.stderr);
      const list = spawnSync('klist', ['-k', '-K', '-e', keytab], { encoding: 'utf8' });
      assert.equal(list.status, 0, list.stderr);
      const keys = [...list.stdout.matchAll(/^\s*1 (\S+) \((?:DEPRECATED:)?([\w-]+)\)\s+\(0x([0-9a-f]+)\)/gm)];
      assert.equal(keys.length, ACCOUNTS.length * 5, list.stdout);
      for (const [, principal, name, hexKey] of keys) {
        const a = ACCOUNTS.find((x) => x.principal === principal)!;
        const etype = Number(Object.entries(KLIST_NAME).find(([, n]) => n === name)![0]);
        const ours = encryptionType(etype).stringToKey(a.password, accountSalt('CORP.EXAMPLE.TEST', a.sam, 'corp.example.test'));
        assert.equal(ours.toString('hex'), hexKey, `${principal} ${name}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Runs impacket's krb5.crypto over a list of operations (hex in, hex out). */
function impacket(ops: Record<string, unknown>[]): Record<string, string>[] {
  const script = `
import sys, json
from impacket.krb5.crypto import Key, _enctype_table, _checksum_table, string_to_key
out = []
for op in json.load(sys.stdin):
    e = _enctype_table[op['etype']]
    k = Key(op['etype'], bytes.fromhex(op['key'])) if 'key' in op else None
    r = {}
    if 'decrypt' in op: r['plain'] = e.decrypt(k, op['usage'], bytes.fromhex(op['decrypt'])).hex()
    if 'encrypt' in op: r['cipher'] = e.encrypt(k, op['usage'], bytes.fromhex(op['encrypt']), None).hex()
    if 'checksum' in op: r['checksum'] = _checksum_table[op['cksumtype']].checksum(k, op['usage'], bytes.fromhex(op['checksum'])).hex()
    if 'password' in op: r['key'] = string_to_key(op['etype'], op['password'], op['salt']).contents.hex()
    out.append(r)
json.dump(out, sys.stdout)
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(ops), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, string>[];
}

describe('encryption and checksums against impacket krb5.crypto', { skip: skipUnlessPeers(['impacket.krb5.crypto']) }, () => {
  const USAGES = [2, 3, 7, 11, 12, 14, 17, 1024];
  for (const etype of [17, 18, 23]) {
    const e = encryptionType(etype);
    it(`${e.name}: impacket decrypts ours and we decrypt impacket's, at every usage`, () => {
      const key = e.randomKey();
      const plains = USAGES.map((u, i) => Buffer.alloc(i * 7 + 1, u));
      const ours = USAGES.map((u, i) => e.encrypt(key, u, plains[i]!));
      const back = impacket(USAGES.flatMap((u, i) => [
        { etype, key: key.toString('hex'), usage: u, decrypt: ours[i]!.toString('hex') },
        { etype, key: key.toString('hex'), usage: u, encrypt: plains[i]!.toString('hex') },
      ]));
      USAGES.forEach((u, i) => {
        assert.equal(back[2 * i]!.plain, plains[i]!.toString('hex'), `impacket decrypting ours, usage ${u}`);
        assert.deepEqual(e.decrypt(key, u, Buffer.from(back[2 * i + 1]!.cipher!, 'hex')), plains[i], `ours decrypting impacket's, usage ${u}`);
      });
    });

    it(`${e.name}: checksum ${e.checksumType} equals impacket's (PAC usage 17, and 3 for the RC4 usage mapping)`, () => {
      const key = e.randomKey();
      const data = Buffer.from('a PAC with its signature fields zeroed');
      const theirs = impacket([17, 3, 11].map((usage) => ({ etype, key: key.toString('hex'), usage, cksumtype: e.checksumType, checksum: data.toString('hex') })));
      [17, 3, 11].forEach((usage, i) => assert.equal(checksumType(e.checksumType).compute(key, usage, data).toString('hex'), theirs[i]!.checksum, `usage ${usage}`));
    });

    it(`${e.name}: string-to-key equals impacket's with an AD salt`, () => {
      const salt = accountSalt('CORP.EXAMPLE.TEST', 'svc-web');
      const [theirs] = impacket([{ etype, password: 'S3rvice!pw', salt }]);
      assert.equal(e.stringToKey('S3rvice!pw', salt).toString('hex'), theirs!.key);
    });
  }
});
