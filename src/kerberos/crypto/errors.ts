/**
 * The one error type of the Kerberos crypto layer. Decrypting or checking bytes from a peer
 * fails with a KerberosCryptoError and nothing else, so an acceptor maps it to a refusal
 * reason (`decrypt-failed`, `pac-invalid`) without catching its own bugs.
 */

export type KerberosCryptoErrorCode =
  /** The integrity check (HMAC) of a ciphertext or a checksum does not match (RFC 3961 §5.3). */
  | 'integrity'
  /** A ciphertext or checksum is too short for its encryption type, or a confounder has the wrong size. */
  | 'bad-length'
  /** A key is not the length its encryption or checksum type requires. */
  | 'bad-key'
  /** Malformed string-to-key parameters (RFC 3962 §4: a 4-byte iteration count in range). */
  | 'bad-params'
  /** An encryption type number this implementation does not provide. */
  | 'unsupported-etype'
  /** A checksum type number this implementation does not provide. */
  | 'unsupported-checksum';

export class KerberosCryptoError extends Error {
  override readonly name = 'KerberosCryptoError';
  readonly code: KerberosCryptoErrorCode;

  constructor(code: KerberosCryptoErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
