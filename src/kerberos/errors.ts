/**
 * Typed errors of the Kerberos message layer (RFC 4120 messages, the GSS-API krb5 token,
 * keytab and ccache files). Every decoder throws nothing but KerberosDecodeError on bad
 * input, so an acceptor maps any of them to `malformed` without catching its own bugs.
 * The crypto layer's errors live in ./crypto/errors.ts.
 */
import { CodedError, fromDerError } from '../der/index.js';
import type { DerErrorCode } from '../der/index.js';

/**
 * Every DER codec reason (src/der/errors.ts), with the same meaning at the level of a
 * Kerberos field (BAD_OID also covers an OID that is not a Kerberos mechanism, BAD_VALUE a
 * Microseconds, KerberosTime or string outside its type), plus Kerberos' own.
 */
export type KerberosDecodeErrorCode =
  | DerErrorCode
  /** pvno / tkt-vno / authenticator-vno not 5, or an unsupported keytab / ccache version. */
  | 'BAD_VERSION'
  /** msg-type (or the GSS TOK_ID) is not the one the structure requires. */
  | 'BAD_MESSAGE_TYPE'
  /** A required field is absent. */
  | 'MISSING_FIELD';

export class KerberosDecodeError extends CodedError<KerberosDecodeErrorCode> {
  override readonly name = 'KerberosDecodeError';
}

/** Throws a KerberosDecodeError. */
export function krbFail(code: KerberosDecodeErrorCode, message: string): never {
  throw new KerberosDecodeError(code, message);
}

/** Converts a DerError into the KerberosDecodeError of the same code; anything else is returned unchanged. */
export function toKerberosError(e: unknown): unknown {
  return fromDerError(e, KerberosDecodeError, (code) => code);
}

/** Runs a decoder, converting DerError into KerberosDecodeError (the one place messages do it). */
export function withKerberosErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toKerberosError(e);
  }
}
