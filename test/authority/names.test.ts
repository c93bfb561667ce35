/** authority/names.ts: NetBIOS, account and qualified names as Windows accepts them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountNameProblem, netbiosProblem, parseQualified } from '../../src/authority/names.js';
import { invalid } from './helpers.js';

describe('names', () => {
  it('accepts NetBIOS names up to 15 characters without forbidden characters', () => {
    assert.equal(netbiosProblem('CORP'), undefined);
    assert.equal(netbiosProblem('WEB-01_A'), undefined);
    assert.match(netbiosProblem('') ?? '', /empty/);
    assert.match(netbiosProblem('SIXTEEN-CHARS-XX') ?? '', /15/);
    for (const bad of ['CO RP', 'A\\B', 'A/B', 'A*', '.CORP', 'A,B']) assert.ok(netbiosProblem(bad), bad);
  });

  it('accepts account names as Windows does (spaces allowed, " / \\ [ ] : ; | = , + * ? < > @ not)', () => {
    assert.equal(accountNameProblem('Web Users'), undefined);
    assert.equal(accountNameProblem('o\'brien.j'), undefined);
    for (const bad of ['', 'a@b', 'a\\b', 'a:b', '...', ' lead', 'x'.repeat(65), 'tab\there']) assert.ok(accountNameProblem(bad), JSON.stringify(bad));
  });

  it('parses DOMAIN\\name, or a bare name in a default domain', () => {
    assert.deepEqual(parseQualified('CORP\\alice'), { domain: 'CORP', name: 'alice' });
    assert.deepEqual(parseQualified('alice', 'WEB1'), { domain: 'WEB1', name: 'alice' });
    assert.throws(() => parseQualified('alice'), (e: unknown) => invalid(e) && /DOMAIN\\name/.test((e as Error).message));
    assert.throws(() => parseQualified('\\alice'), invalid);
    assert.throws(() => parseQualified('CORP\\a\\b'), invalid);
  });
});
