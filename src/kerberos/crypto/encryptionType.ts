/**
 * The RFC 3961 encryption type profile, as one interface every enctype implements: string-to-key,
 * usage-bound key derivation, authenticated encryption, and the enctype's keyed checksum.
 * Implementations are stateless apart from a cache of derived keys; keys are plain byte strings
 * of `keyLength` bytes and are treated as immutable.
 */

/** Where confounders and random keys come from: node:crypto by default, a fixed source in tests. */
export type RandomSource = (n: number) => Uint8Array;

export interface EncryptOptions {
  /** The confounder's source (RFC 3961 §5.3); the CSPRNG unless given. */
  readonly randomBytes?: RandomSource;
}

/** The three keys RFC 3961 §5.3 derives per usage: checksum, encryption, integrity. */
export type KeyPurpose = 'Kc' | 'Ke' | 'Ki';

/** A keyed checksum type (RFC 3961 §4, "checksum mechanism"). */
export interface ChecksumType {
  /** The checksum type number (RFC 3961 §8 / IANA; −138 for Microsoft's HMAC-MD5). */
  readonly type: number;
  readonly name: string;
  /** Checksum length in bytes. */
  readonly length: number;
  /** The checksum of `data` under `key` for `usage`. */
  compute(key: Uint8Array, usage: number, data: Uint8Array): Buffer;
  /** Whether `checksum` is the checksum of `data`, compared in constant time. */
  verify(key: Uint8Array, usage: number, data: Uint8Array, checksum: Uint8Array): boolean;
}

export interface EncryptionType {
  /** The encryption type number (RFC 3961 §8): 17, 18, 19, 20, 23. */
  readonly etype: number;
  /** The RFC name, e.g. `aes256-cts-hmac-sha1-96`. */
  readonly name: string;
  /** Key length in bytes. */
  readonly keyLength: number;
  /** The checksum type that goes with this enctype ("required checksum mechanism", RFC 3961 §4). */
  readonly checksumType: number;
  /** Its length in bytes. */
  readonly checksumLength: number;
  /** That checksum type itself. */
  readonly checksumMechanism: ChecksumType;
  /** Bytes a ciphertext adds to its plaintext (confounder and integrity tag). */
  readonly overhead: number;
  /**
   * The key for a password (RFC 3961 §3): `salt` is the principal's salt (see salt.ts), `params` the
   * s2kparams (for AES a BE32 iteration count; absent means the enctype's default).
   */
  stringToKey(password: string, salt: string | Uint8Array, params?: Uint8Array): Buffer;
  /** A fresh random key of this type (random-to-key of keyLength random bytes; for AP-REP subkeys). */
  randomKey(options?: EncryptOptions): Buffer;
  /** The key derived from `key` for `usage` and `purpose` (RFC 3961 §5.3 / RFC 8009 §5; RFC 4757's K1 for RC4). */
  deriveKey(key: Uint8Array, usage: number, purpose: KeyPurpose): Buffer;
  /** Authenticated encryption of `plaintext` for `usage`, with a fresh confounder. */
  encrypt(key: Uint8Array, usage: number, plaintext: Uint8Array, options?: EncryptOptions): Buffer;
  /**
   * The plaintext of `ciphertext` for `usage`; throws KerberosCryptoError `integrity` when it was not
   * made with this key and usage (or was altered), `bad-length` when it is too short.
   */
  decrypt(key: Uint8Array, usage: number, ciphertext: Uint8Array): Buffer;
  /** The enctype's keyed checksum of `data` for `usage`. */
  checksum(key: Uint8Array, usage: number, data: Uint8Array): Buffer;
  /** Whether `checksum` is the enctype's checksum of `data`, compared in constant time. */
  verifyChecksum(key: Uint8Array, usage: number, data: Uint8Array, checksum: Uint8Array): boolean;
}
