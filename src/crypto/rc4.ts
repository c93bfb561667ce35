/**
 * RC4 stream cipher, in pure TypeScript.
 *
 * OpenSSL 3 moved RC4 into the "legacy" provider, which Node.js does not load. NTLM uses
 * RC4 for key exchange (EncryptedRandomSessionKey) and for message sealing
 * (MS-NLMP section 3.4.3), where one keystream runs across many messages: `Rc4.update`
 * therefore continues the stream from where the previous call stopped.
 *
 * The algorithm is the usual key-scheduling algorithm (KSA) followed by the
 * pseudo-random generation algorithm (PRGA); RFC 6229 gives its test vectors.
 */

function checkKey(key: Uint8Array): void {
  if (key.length < 1 || key.length > 256) {
    throw new RangeError(`RC4 key must be 1 to 256 bytes long, got ${key.length}`);
  }
}

/** A stateful RC4 keystream: each `update` continues where the previous one stopped. */
export class Rc4 {
  readonly #s = new Uint8Array(256);
  #i = 0;
  #j = 0;

  constructor(key: Uint8Array) {
    checkKey(key);
    const s = this.#s;
    for (let i = 0; i < 256; i++) s[i] = i;
    // Key-scheduling algorithm: the key is repeated cyclically over the 256 positions.
    const n = key.length;
    let j = 0;
    for (let i = 0, k = 0; i < 256; i++) {
      const si = s[i]!;
      j = (j + si + key[k]!) & 0xff;
      s[i] = s[j]!;
      s[j] = si;
      if (++k === n) k = 0;
    }
  }

  /** XORs `data` with the next `data.length` keystream bytes and returns the result. */
  update(data: Uint8Array): Buffer {
    const len = data.length;
    const out = Buffer.allocUnsafe(len);
    const s = this.#s;
    let i = this.#i;
    let j = this.#j;
    for (let n = 0; n < len; n++) {
      i = (i + 1) & 0xff;
      const si = s[i]!;
      j = (j + si) & 0xff;
      const sj = s[j]!;
      s[i] = sj;
      s[j] = si;
      out[n] = data[n]! ^ s[(si + sj) & 0xff]!;
    }
    this.#i = i;
    this.#j = j;
    return out;
  }
}

/** One-shot RC4: encrypts (or, identically, decrypts) `data` under `key`. */
export function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  return new Rc4(key).update(data);
}
