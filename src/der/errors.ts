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

/** Thrown by every DER decoder and reader for malformed, hostile or unsupported input. */
export class DerError extends Error {
  override readonly name = 'DerError';
  readonly code: DerErrorCode;

  constructor(code: DerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Throws a DerError. */
export function derFail(code: DerErrorCode, message: string): never {
  throw new DerError(code, message);
}
