/** authority/local/ntHash.ts: NTOWFv1 of a password and NT hashes given in hex. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_PASSWORD_NT_HASH, ntHashOfPassword, parseNtHashHex } from '../../../src/authority/local/ntHash.js';
import { invalid } from '../helpers.js';

describe('NT hashes', () => {
  it('NTOWFv1("Password") is the MS-NLMP §4.2.2.1.2 value', () => {
    assert.equal(ntHashOfPassword('Password').toString('hex'), 'a4f49c406510bdcab6824ee7c30fd852');
    assert.throws(() => ntHashOfPassword(''), invalid);
  });

  it('reads 32 hex digits, refusing other lengths, non-hex and the empty password\'s hash', () => {
    assert.deepEqual(parseNtHashHex('A4F49C406510BDCAB6824EE7C30FD852'), ntHashOfPassword('Password'));
    assert.throws(() => parseNtHashHex('a4f49c406510bdcab6824ee7c30fd85'), invalid);
    assert.throws(() => parseNtHashHex('g4f49c406510bdcab6824ee7c30fd852'), invalid);
    assert.throws(() => parseNtHashHex(EMPTY_PASSWORD_NT_HASH), (e: unknown) => invalid(e) && /empty password/.test((e as Error).message));
  });
});
