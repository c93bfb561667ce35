// Error type for every failure while decoding untrusted SPNEGO / DER input.
//
// Decoders in src/spnego/ throw nothing but SpnegoDecodeError on bad input, so a
// caller can map any of them to "defective token" (RFC 2743 GSS_S_DEFECTIVE_TOKEN)
// without catching unrelated bugs. Encoders, which only see caller-built values,
// throw TypeError/RangeError for programming errors instead.

import { CodedError } from '../der/errors.js';
import type { DerErrorCode } from '../der/errors.js';

/**
 * Why a token was rejected: every DER codec reason (src/der/errors.ts; its OUT_OF_RANGE
 * surfaces here as BAD_ENUM, the only ranged value SPNEGO reads) plus SPNEGO's own.
 */
export type SpnegoErrorCode =
  | Exclude<DerErrorCode, 'OUT_OF_RANGE'>
  /** A field that is mandatory for the token type is absent. */
  | 'MISSING_FIELD'
  /** An ENUMERATED value (negState) is outside its defined range. */
  | 'BAD_ENUM'
  /** A GSS-API InitialContextToken names a mechanism other than SPNEGO. */
  | 'WRONG_MECH';

/** Thrown by every SPNEGO/DER decoder for malformed, hostile or unsupported input. */
export class SpnegoDecodeError extends CodedError<SpnegoErrorCode> {
  override readonly name = 'SpnegoDecodeError';
}
