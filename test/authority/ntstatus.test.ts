/** authority/ntstatus.ts: the NTSTATUS values of MS-ERREF §2.3.1. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NTSTATUS } from '../../src/authority/ntstatus.js';

describe('NTSTATUS', () => {
  it('knows the NTSTATUS codes of MS-ERREF', () => {
    assert.equal(NTSTATUS.STATUS_NTLM_BLOCKED, 0xc0000418);
    assert.equal(NTSTATUS.STATUS_ACCOUNT_LOCKED_OUT, 0xc0000234);
    assert.equal(NTSTATUS.STATUS_LOGON_FAILURE, 0xc000006d);
  });
});
