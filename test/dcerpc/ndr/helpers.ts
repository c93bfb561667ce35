// Shared by the NDR tests: hostile bytes must end in an NdrDecodeError with a code.
import assert from 'node:assert/strict';
import { NdrDecodeError } from '../../../src/dcerpc/index.js';

/** The NdrDecodeError code `fn` throws (anything else fails the test), or undefined when it returns. */
export function ndrCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof NdrDecodeError, `an NdrDecodeError, not ${String(e)}`);
    return e.code;
  }
  return undefined;
}
