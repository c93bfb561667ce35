/**
 * The typed error of the NDR reader: hostile bytes end in an NdrDecodeError with a code, never
 * a RangeError or a huge allocation, so a caller maps every one of them to "malformed".
 */
import { CodedError } from '../../der/errors.js';

export type NdrDecodeErrorCode =
  /** A field, array or referent runs past the end of the buffer. */
  | 'TRUNCATED'
  /** A conformance or variance count above its cap or above what the remaining bytes can hold. */
  | 'TOO_LARGE'
  /** The MS-RPCE 2.2.6 type serialization header is not version 1, little-endian, 8 bytes. */
  | 'BAD_HEADER'
  /** A pointer that must not be null is null, or a referent ID that must be new is reused. */
  | 'BAD_POINTER'
  /** A value outside its type: a variance past its conformance, a string length that disagrees, a SID revision. */
  | 'BAD_VALUE';

export class NdrDecodeError extends CodedError<NdrDecodeErrorCode> {
  override readonly name = 'NdrDecodeError';
}

/** Throws an NdrDecodeError. */
export function ndrFail(code: NdrDecodeErrorCode, message: string): never {
  throw new NdrDecodeError(code, message);
}
