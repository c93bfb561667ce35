/**
 * Typed errors of the Kerberos message layer (RFC 4120 messages, the GSS-API krb5 token,
 * keytab and ccache files). Every decoder throws nothing but KerberosDecodeError on bad
 * input, so an acceptor maps any of them to `malformed` without catching its own bugs.
 * The crypto layer's errors live in ./crypto/errors.ts.
 */
import { DerError } from '../der/index.js';
import type { DerErrorCode } from '../der/index.js';

export type KerberosDecodeErrorCode =
  /** Input, a declared length or a count is above its cap. */
  | 'TOO_LARGE'
  /** Zero-length input. */
  | 'EMPTY'
  /** A field or element runs past the end of its container. */
  | 'TRUNCATED'
  /** Not valid DER (X.690 §10). */
  | 'BAD_DER'
  /** Bytes left over after a complete structure. */
  | 'TRAILING_DATA'
  /** An element, field or APPLICATION tag that is not allowed at its position. */
  | 'UNEXPECTED_TAG'
  /** A malformed OBJECT IDENTIFIER, or one that is not a Kerberos mechanism. */
  | 'BAD_OID'
  /** A field's value is outside its type (Microseconds, KerberosTime, a bad string, …). */
  | 'BAD_VALUE'
  /** A number wider than its ASN.1 type (Int32, UInt32). */
  | 'OUT_OF_RANGE'
  /** Nesting above the cap. */
  | 'TOO_DEEP'
  /** pvno / tkt-vno / authenticator-vno not 5, or an unsupported keytab / ccache version. */
  | 'BAD_VERSION'
  /** msg-type (or the GSS TOK_ID) is not the one the structure requires. */
  | 'BAD_MESSAGE_TYPE'
  /** A required field is absent. */
  | 'MISSING_FIELD';

export class KerberosDecodeError extends Error {
  override readonly name = 'KerberosDecodeError';
  readonly code: KerberosDecodeErrorCode;

  constructor(code: KerberosDecodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Throws a KerberosDecodeError. */
export function krbFail(code: KerberosDecodeErrorCode, message: string): never {
  throw new KerberosDecodeError(code, message);
}

// The DER codes have the same meaning here.
const FROM_DER: Readonly<Record<DerErrorCode, KerberosDecodeErrorCode>> = {
  TOO_LARGE: 'TOO_LARGE',
  EMPTY: 'EMPTY',
  TRUNCATED: 'TRUNCATED',
  BAD_DER: 'BAD_DER',
  TRAILING_DATA: 'TRAILING_DATA',
  UNEXPECTED_TAG: 'UNEXPECTED_TAG',
  BAD_OID: 'BAD_OID',
  BAD_VALUE: 'BAD_VALUE',
  OUT_OF_RANGE: 'OUT_OF_RANGE',
  TOO_DEEP: 'TOO_DEEP',
};

/** Converts a DerError into the equivalent KerberosDecodeError; anything else is returned unchanged. */
export function toKerberosError(e: unknown): unknown {
  return e instanceof DerError ? new KerberosDecodeError(FROM_DER[e.code], e.message, { cause: e }) : e;
}

/** Runs a decoder, converting DerError into KerberosDecodeError (the one place messages do it). */
export function withKerberosErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toKerberosError(e);
  }
}
