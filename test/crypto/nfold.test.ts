import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nfold } from '../../src/crypto/nfold.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('nfold (RFC 3961 §5.1)', () => {
  // RFC 3961 Appendix A.1, and MIT krb5 t_nfold.c (the same values plus three 192-bit folds).
  const vectors: [string, number, string][] = [
    ['012345', 64, 'be072631276b1955'],
    ['password', 56, '78a07b6caf85fa'],
    ['Rough Consensus, and Running Code', 64, 'bb6ed30870b7f0e0'],
    ['password', 168, '59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e'],
    ['MASSACHVSETTS INSTITVTE OF TECHNOLOGY', 192, 'db3b0d8f0b061e603282b308a50841229ad798fab9540c1b'],
    ['Q', 168, '518a54a215a8452a518a54a215a8452a518a54a215'],
    ['ba', 168, 'fb25d531ae8974499f52fd92ea9857c4ba24cf297e'],
    ['kerberos', 64, '6b65726265726f73'],
    ['kerberos', 128, '6b65726265726f737b9b5b2b93132b93'],
    ['kerberos', 168, '8372c236344e5f1550cd0747e15d62ca7a5a3bcea4'],
    ['kerberos', 256, '6b65726265726f737b9b5b2b93132b935c9bdcdad95c9899c4cae4dee6d6cae4'],
    ['basch', 192, '1aab6b42964b98b21f8cde2d2448ba3455d7862c9731643f'],
    ['eichin', 192, '65696368696e4b732b4b1b43da1a5b995a58d2c6d0d2dcca'],
    ['sommerfeld', 192, '2f7a98557c6ee4abadf4e71192dd442bd4ff5325a5def75c'],
  ];
  for (const [input, n, expected] of vectors) {
    it(`${n}-fold("${input}")`, () => {
      assert.equal(hex(nfold(Buffer.from(input, 'latin1'), n / 8)), expected);
    });
  }

  it('refuses an empty input or a non-positive length', () => {
    assert.throws(() => nfold(Buffer.alloc(0), 16), RangeError);
    assert.throws(() => nfold(Buffer.from('a'), 0), RangeError);
  });
});
