/**
 * The account import service (src/authority/import/): our CSV and password-dump lines (Samba's
 * `pdbedit -w`, pwdump, secretsdump) parsed into rows with their lines, every problem a typed
 * AccountImportError naming the line and never the hash, hostile text included; and the
 * import into a real SQLite account store, whose hashes are checked by logging on with them
 * through LocalAuthority.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AccountImportError, importAccounts, isPasswordDump, parseAccountImport, parseImportCsv, parsePasswordDump, type AccountImportErrorCode } from '../../../src/authority/import/accountImport.js';
import { openAccountStore } from '../../../src/authority/local/openAccountStore.js';
import { prng } from '../../helpers/prng.js';
import { logOnToStore } from '../helpers.js';
import { LM_NONE, PASSWORD, PDBEDIT, SECRET1 } from './pdbedit.js';

const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshStore = (): string => `sqlite:${join(dir, `s${++n}`, 'accounts.db')}`;
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

const HASH = PASSWORD.toLowerCase();

/** The AccountImportError `fn` throws (asserting its code). */
function importError(code: AccountImportErrorCode, fn: () => unknown): AccountImportError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AccountImportError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail('no error');
}

describe('password-dump lines', () => {
  it('pdbedit -w: domain from the default, flag D imports disabled, trust accounts are skipped, the LM hash is ignored', () => {
    assert.equal(isPasswordDump(PDBEDIT), true);
    const { rows, skipped } = parseAccountImport(PDBEDIT, 'samba.txt', 'CORP');
    assert.deepEqual(
      rows.map((r) => [r.line, r.domain, r.name, Buffer.from(r.ntHash).toString('hex'), r.enabled]),
      [
        [1, 'CORP', 'alice', PASSWORD.toLowerCase(), true],
        [2, 'CORP', 'old', SECRET1.toLowerCase(), false],
      ],
    );
    assert.deepEqual(skipped, [{ line: 3, text: 'ws01$ is a trust account (flags [W])' }]);
  });

  it('secretsdump (DOMAIN\\name, with its progress lines and machine accounts) and pwdump (name, with a default domain) lines', () => {
    const text = `[*] Dumping Domain Credentials (domain\\uid:rid:lmhash:nthash)\r\n[*] Using the DRSUAPI method to get NTDS.DIT secrets\r\nCORP\\WS01$:1106:aad3b435b51404eeaad3b435b51404ee:0cb6948805f797bf2a82807973b89537:::\r\nCORP\\alice:1104:aad3b435b51404eeaad3b435b51404ee:${PASSWORD.toLowerCase()}:::\r\n\r\nbob:1105:aad3b435b51404eeaad3b435b51404ee:A4F49C406510BDCAB6824EE7C30FD852:::\r\n`;
    const { rows, skipped } = parsePasswordDump(text, 'dump', 'WEB1');
    assert.deepEqual(
      rows.map((r) => [r.line, r.domain, r.name, r.enabled]),
      [
        [4, 'CORP', 'alice', true],
        [6, 'WEB1', 'bob', true],
      ],
    );
    assert.deepEqual(skipped, [{ line: 3, text: 'CORP\\WS01$ is a trust account (a name ending in $)' }]);
  });

  it('every problem is reported with its line, never the hash, and nothing is returned', () => {
    const text = [
      `alice:1000:${LM_NONE}:${PASSWORD}:[U          ]:LCT-1:`,
      `nopw:1001:${LM_NONE}:NO PASSWORDXXXXXXXXXXXXXXXXXXXXX:[NU         ]:LCT-1:`,
      `bad:1002:${LM_NONE}:1234:[U          ]:LCT-1:`,
      `ALICE:1003:${LM_NONE}:A4F49C406510BDCAB6824EE7C30FD852:[U          ]:LCT-1:`,
      `empty:1004:${LM_NONE}:31D6CFE0D16AE931B73C59D7E0C089C0:[U          ]:LCT-1:`,
    ].join('\n');
    const e = importError('invalid-rows', () => parsePasswordDump(text, 'f', 'CORP'));
    assert.equal(e.source, 'f');
    assert.deepEqual(e.problems.map((p) => p.line), [2, 3, 4, 5]);
    assert.match(e.message, /^nothing imported; 4 problems:/);
    assert.match(e.message, /^f:2: nopw has no NT hash/m);
    assert.match(e.message, /^f:3: nthash is not 32 hexadecimal digits/m);
    assert.match(e.message, /^f:4: CORP\\ALICE is also on line 1/m);
    assert.match(e.message, /^f:5: nthash is the NT hash of the empty password/m);
    assert.doesNotMatch(e.message, /a4f49c|A4F49C|8846/i);
    const noDomain = importError('invalid-rows', () => parsePasswordDump(PDBEDIT, 'f'));
    assert.deepEqual(noDomain.problems, [
      { line: 1, text: '"alice" names no domain', needsDomain: true },
      { line: 2, text: '"old" names no domain', needsDomain: true },
    ]);
  });

  it('only trust accounts: nothing to import, saying how many were skipped', () => {
    const e = importError('empty', () => parsePasswordDump(`ws01$:1002:${LM_NONE}:${PASSWORD}:[W          ]:LCT-1:\n`, 'f', 'CORP'));
    assert.equal(e.message, 'f: no accounts to import (1 trust account skipped)');
  });

  it('CSV stays CSV; a default domain with CSV, or one that is no NetBIOS name, is refused', () => {
    const csv = `domain,name,nthash\nCORP,alice,${PASSWORD}\n`;
    assert.equal(isPasswordDump(csv), false);
    assert.equal(parseAccountImport(csv, 'a.csv').rows[0]?.name, 'alice');
    importError('domain-not-applicable', () => parseAccountImport(csv, 'a.csv', 'CORP'));
    importError('bad-domain', () => parseAccountImport(PDBEDIT, 'a.txt', 'NOT A DOMAIN'));
  });
});

describe('CSV', () => {
  it('parses domain,name,nthash[,groups] with an optional header, comments and quoted fields', () => {
    const rows = parseImportCsv(`domain,name,nthash,groups\n# migrated from Samba\nCORP,alice,${HASH.toUpperCase()},"Web Users;WEB1\\admins"\nWEB1,admin,${HASH}\n`);
    assert.deepEqual(
      rows.map((r) => [r.line, r.domain, r.name, Buffer.from(r.ntHash).toString('hex'), r.groups]),
      [
        [3, 'CORP', 'alice', HASH, [{ domain: 'CORP', name: 'Web Users' }, { domain: 'WEB1', name: 'admins' }]],
        [4, 'WEB1', 'admin', HASH, []],
      ],
    );
  });

  it('reports every problem with its line, never the hash, and imports nothing', () => {
    const text = ['CORP,alice,abc', `CORP,bob,${'31d6cfe0d16ae931b73c59d7e0c089c0'}`, `CORP,a:b,${HASH}`, `CO RP,carol,${HASH}`, 'CORP,x', `corp,ALICE,${HASH}`, `CORP,dave,${HASH},bad\\g\\x`].join('\n');
    const e = importError('invalid-rows', () => parseImportCsv(text, 'old.csv'));
    assert.match(e.message, /^nothing imported; 7 problems/);
    const lines = e.message.split('\n').slice(1);
    assert.deepEqual(lines.map((l) => /^old\.csv:(\d+):/.exec(l)?.[1]), ['1', '2', '3', '4', '5', '6', '7']);
    assert.deepEqual(e.problems.map((p) => p.line), [1, 2, 3, 4, 5, 6, 7]);
    assert.match(lines[0] ?? '', /nthash is not 32 hexadecimal digits/);
    assert.match(lines[1] ?? '', /empty password/);
    assert.match(lines[5] ?? '', /also on line 1/);
    assert.equal(e.message.includes(HASH), false);
    importError('empty', () => parseImportCsv('domain,name,nthash\n'));
    const quote = importError('unreadable', () => parseImportCsv(`CORP,alice,${HASH}\nCORP,bob,x"${HASH}"\n`, 'q.csv'));
    assert.equal(quote.message, 'q.csv:2: not valid CSV (invalid opening quote)');
    assert.ok(!quote.message.includes(HASH), 'the hash csv-parse quotes is not passed on');
    assert.equal(importError('unreadable', () => parseImportCsv('CORP,"alice,abc\n', 'q.csv')).message, 'q.csv:1: not valid CSV (quote not closed)');
  });
});

describe('hostile input', () => {
  const PIECES = ['CORP', 'alice', '\\', ':', ',', ';', '"', '#', '\n', '\r\n', '[*] ', '[DU ]', '$', '1000', PASSWORD, LM_NONE, 'NO PASSWORD', '\u0000', 'é', ' ', '\t', 'x'.repeat(300)];

  // That no hash is echoed is asserted on the lines above, where the hash stands in its own field.
  it('2,000 random texts of dump and CSV pieces: rows or a typed AccountImportError, never another throw', () => {
    const r = prng(20261208);
    const codes = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const parts: string[] = [];
      const len = Math.floor(r() * 40);
      for (let j = 0; j < len; j++) parts.push(r() < 0.1 ? String.fromCharCode(Math.floor(r() * 0x3000)) : (PIECES[Math.floor(r() * PIECES.length)] ?? ''));
      const text = parts.join('');
      try {
        const p = parseAccountImport(text, 'fuzz', r() < 0.5 ? 'CORP' : undefined);
        for (const row of p.rows) assert.equal(row.ntHash.length, 16);
      } catch (e) {
        assert.ok(e instanceof AccountImportError, `case ${i}: ${String(e)} for ${JSON.stringify(text)}`);
        assert.ok(e.code !== 'invalid-rows' || e.problems.length > 0, `case ${i}: invalid rows without a line`);
        codes.add(e.code);
      }
    }
    // The corpus reaches the parsers' different refusals (not only one early exit).
    for (const c of ['invalid-rows', 'empty', 'domain-not-applicable']) assert.ok(codes.has(c), `no ${c} among ${[...codes].join(', ')}`);
  });
});

describe('importAccounts into an account store', () => {
  it('pdbedit -w rows: written in one go, and their hashes log on (a disabled one is refused as disabled)', async () => {
    const store = freshStore();
    const s = await openAccountStore(store);
    try {
      const summary = await importAccounts(s, parseAccountImport(PDBEDIT, 'samba.txt', 'CORP').rows, { update: false, now: NOW });
      assert.deepEqual(summary, { created: 2, updated: 0, groupsCreated: [] });
    } finally {
      await s.close();
    }
    assert.equal(await logOnToStore(store, 'alice', 'password'), 'ok');
    assert.equal(await logOnToStore(store, 'alice', 'wrong'), 'logon-failure STATUS_LOGON_FAILURE');
    assert.equal(await logOnToStore(store, 'old', 'Secret1!'), 'logon-failure STATUS_ACCOUNT_DISABLED');
  });

  it('creates groups; existing accounts are a typed error naming their lines, and nothing is written; update replaces the hashes', async () => {
    const s = await openAccountStore(freshStore());
    try {
      const rows = parseImportCsv(`CORP,alice,${HASH},Web Users\nWEB1,admin,${HASH},admins;CORP\\Web Users\n`, 'a.csv');
      assert.deepEqual(await importAccounts(s, rows, { update: false, now: NOW }), { created: 2, updated: 0, groupsCreated: ['CORP\\Web Users', 'WEB1\\admins'] });
      const newer = 'a4f49c406510bdcab6824ee7c30fd852';
      const again = parseImportCsv(`CORP,bob,${newer}\nCORP,alice,${newer}\n`, 'b.csv');
      await assert.rejects(importAccounts(s, again, { update: false, now: NOW, source: 'b.csv' }), (e: unknown) => {
        assert.ok(e instanceof AccountImportError, String(e));
        assert.equal(e.code, 'exists');
        assert.equal(e.source, 'b.csv');
        assert.deepEqual(e.problems, [{ line: 2, text: 'CORP\\alice' }]);
        return true;
      });
      assert.equal(await s.getAccount({ domain: 'CORP', name: 'bob' }), undefined, 'nothing of a refused import is written');
      assert.deepEqual(await importAccounts(s, again, { update: true, now: NOW }), { created: 1, updated: 1, groupsCreated: [] });
      assert.equal((await s.getAccount({ domain: 'CORP', name: 'alice' }))?.ntHash.toString('hex'), newer);
    } finally {
      await s.close();
    }
  });
});
