/**
 * The one error type of the Kerberos crypto layer. Decrypting or checking bytes from a peer
 * fails with a KerberosCryptoError and nothing else, so an acceptor maps it to a refusal
 * reason (`decrypt-failed`, `pac-invalid`) without catching its own bugs.
 */
import { CodedError } from '../../der/errors.js';

export type KerberosCryptoErrorCode =
  /** The integrity check (HMAC) of a ciphertext or a checksum does not match (RFC 3961 §5.3). */
  | 'INTEGRITY'
  /** A ciphertext or checksum is too short for its encryption type, or a confounder has the wrong size. */
  | 'BAD_LENGTH'
  /** A key is not the length its encryption or checksum type requires. */
  | 'BAD_KEY'
  /** Malformed string-to-key parameters (RFC 3962 §4: a 4-byte iteration count in range). */
  | 'BAD_PARAMS'
  /** An encryption type number this implementation does not provide. */
  | 'UNSUPPORTED_ETYPE'
  /** A checksum type number this implementation does not provide. */
  | 'UNSUPPORTED_CHECKSUM';

export class KerberosCryptoError extends CodedError<KerberosCryptoErrorCode> {
  override readonly name = 'KerberosCryptoError';
}
