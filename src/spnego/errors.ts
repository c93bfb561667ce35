// Error type for every failure while decoding untrusted SPNEGO / DER input.
//
// Decoders in src/spnego/ throw nothing but SpnegoDecodeError on bad input, so a
// caller can map any of them to "defective token" (RFC 2743 GSS_S_DEFECTIVE_TOKEN)
// without catching unrelated bugs. Encoders, which only see caller-built values,
// throw TypeError/RangeError for programming errors instead.

/** Why a token was rejected. */
export type SpnegoErrorCode =
  /** Input (or a declared length) is above the configured size cap. */
  | 'TOO_LARGE'
  /** Zero-length input. */
  | 'EMPTY'
  /** A TLV header or value runs past the end of its enclosing element. */
  | 'TRUNCATED'
  /** Not valid DER (indefinite length, non-minimal length, constructed string, ...). */
  | 'BAD_DER'
  /** Bytes left over after the outermost element (or inside a fixed structure). */
  | 'TRAILING_DATA'
  /** An element has a tag that is not allowed at that position. */
  | 'UNEXPECTED_TAG'
  /** An OBJECT IDENTIFIER is empty or not minimally/correctly encoded. */
  | 'BAD_OID'
  /** A field that is mandatory for the token type is absent. */
  | 'MISSING_FIELD'
  /** An ENUMERATED value (negState) is outside its defined range. */
  | 'BAD_ENUM'
  /** A primitive value is malformed for its type (e.g. BIT STRING unused-bits octet). */
  | 'BAD_VALUE'
  /** Constructed elements are nested deeper than the configured limit. */
  | 'TOO_DEEP'
  /** A GSS-API InitialContextToken names a mechanism other than SPNEGO. */
  | 'WRONG_MECH';

/** Thrown by every SPNEGO/DER decoder for malformed, hostile or unsupported input. */
export class SpnegoDecodeError extends Error {
  override readonly name = 'SpnegoDecodeError';
  readonly code: SpnegoErrorCode;

  constructor(code: SpnegoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
