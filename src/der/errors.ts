// The one error type of the DER codec (src/der/).
//
// Decoders throw nothing but DerError on bad input, so a caller can map any failure to
// its own "malformed input" error (SPNEGO: SpnegoDecodeError, certificates:
// CertificateError) without catching unrelated bugs. Encoders only see caller-built
// values and throw TypeError/RangeError for programming errors instead.

/** Why an encoding was rejected. */
export type DerErrorCode =
  /** Input (or a declared length, or the element count) is above the configured cap. */
  | 'TOO_LARGE'
  /** Zero-length input. */
  | 'EMPTY'
  /** A TLV header or value runs past the end of its enclosing element. */
  | 'TRUNCATED'
  /** Not valid DER (indefinite or non-minimal length, constructed string, reserved tag, ...). */
  | 'BAD_DER'
  /** Bytes left over after the outermost element (or inside a fixed structure). */
  | 'TRAILING_DATA'
  /** An element has a tag that is not allowed at that position. */
  | 'UNEXPECTED_TAG'
  /** An OBJECT IDENTIFIER is empty or not minimally/correctly encoded (X.690 §8.19). */
  | 'BAD_OID'
  /** A primitive value is malformed for its type (e.g. BIT STRING unused-bits octet). */
  | 'BAD_VALUE'
  /** An INTEGER / ENUMERATED is wider than the reader supports. */
  | 'OUT_OF_RANGE'
  /** Constructed elements are nested deeper than the configured limit. */
  | 'TOO_DEEP';

/**
 * An error with a machine-readable reason, the base of DerError, SpnegoDecodeError,
 * KerberosDecodeError, NdrDecodeError and KerberosCryptoError. It lives in the lowest layer so
 * that any layer can extend it; a subclass only names itself and its codes.
 */
export class CodedError<C extends string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Thrown by every DER decoder and reader for malformed, hostile or unsupported input. */
export class DerError extends CodedError<DerErrorCode> {
  override readonly name = 'DerError';
}

/** A protocol's decode error class, as fromDerError() builds it. */
export type CodedErrorClass<C extends string> = new (code: C, message: string, options?: { cause?: unknown }) => Error;

/**
 * Converts a DerError into a protocol's own decode error (SpnegoDecodeError, KerberosDecodeError),
 * its code mapped by `code` and the DerError kept as the cause; anything else is returned unchanged,
 * so a caller's own bugs pass through.
 */
export function fromDerError<C extends string>(e: unknown, ErrorClass: CodedErrorClass<C>, code: (derCode: DerErrorCode) => C): unknown {
  return e instanceof DerError ? new ErrorClass(code(e.code), e.message, { cause: e }) : e;
}

/** Throws a DerError. */
export function derFail(code: DerErrorCode, message: string): never {
  throw new DerError(code, message);
}
