/**
 * AES in CBC mode with ciphertext stealing, as Kerberos uses it (RFC 3962 §5, reused by
 * RFC 8009 §5): CBC, then the last two blocks swapped and the final one truncated to the length
 * of the last plaintext block, so the ciphertext is exactly as long as the plaintext (the
 * CBC-CS3 variant of NIST SP 800-38A Addendum). A single block is plain CBC, which with the
 * zero IV Kerberos always uses is one AES block encryption. Less than one block is undefined.
 *
 * OpenSSL does the block work (aes-*-cbc with padding off); only the one-block fix-ups of the
 * stolen tail are done here.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

const BLOCK = 16;
const ZERO_IV = Buffer.alloc(BLOCK);

function cbcName(key: Uint8Array): 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' {
  switch (key.length) {
    case 16: return 'aes-128-cbc';
    case 24: return 'aes-192-cbc';
    case 32: return 'aes-256-cbc';
    default: throw new RangeError(`AES key must be 16, 24 or 32 bytes long, got ${key.length}`);
  }
}

function checkArgs(key: Uint8Array, data: Uint8Array, iv: Uint8Array): string {
  const name = cbcName(key);
  if (iv.length !== BLOCK) throw new RangeError(`AES-CTS IV must be ${BLOCK} bytes long, got ${iv.length}`);
  if (data.length < BLOCK) throw new RangeError(`AES-CTS input must be at least ${BLOCK} bytes long, got ${data.length}`);
  return name;
}

/** AES-CTS encryption of `plaintext` (at least 16 bytes) under a 128-, 192- or 256-bit key; IV zero by default. */
export function aesCtsEncrypt(key: Uint8Array, plaintext: Uint8Array, iv: Uint8Array = ZERO_IV): Buffer {
  const cipher = createCipheriv(checkArgs(key, plaintext, iv), key, iv).setAutoPadding(false);
  const n = plaintext.length;
  if (n === BLOCK) return Buffer.concat([cipher.update(plaintext), cipher.final()]);
  // CBC over the plaintext zero-padded to whole blocks gives every block CTS needs: the last
  // block is E(C[m-2] xor (P[m-1] ‖ 0)), and C[m-2]'s first d bytes are the stolen tail.
  const tail = n % BLOCK === 0 ? BLOCK : n % BLOCK;
  const padded = tail === BLOCK ? plaintext : Buffer.concat([plaintext, Buffer.alloc(BLOCK - tail)]);
  const cbc = Buffer.concat([cipher.update(padded), cipher.final()]);
  const m = cbc.length / BLOCK;
  const out = Buffer.allocUnsafe(n);
  cbc.copy(out, 0, 0, (m - 2) * BLOCK);
  cbc.copy(out, (m - 2) * BLOCK, (m - 1) * BLOCK, m * BLOCK);
  cbc.copy(out, (m - 1) * BLOCK, (m - 2) * BLOCK, (m - 2) * BLOCK + tail);
  return out;
}

/** AES-CTS decryption of `ciphertext` (at least 16 bytes); IV zero by default. */
export function aesCtsDecrypt(key: Uint8Array, ciphertext: Uint8Array, iv: Uint8Array = ZERO_IV): Buffer {
  const decipher = createDecipheriv(checkArgs(key, ciphertext, iv), key, iv).setAutoPadding(false);
  const n = ciphertext.length;
  if (n === BLOCK) return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const m = Math.ceil(n / BLOCK);
  const tail = n - (m - 1) * BLOCK;
  const ct = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, n);
  // In order: the CBC blocks C[0..m-3], then X = E(C[m-2] xor (P[m-1] ‖ 0)), then C[m-2]'s first `tail` bytes.
  const head = ct.subarray(0, (m - 2) * BLOCK);
  const x = ct.subarray((m - 2) * BLOCK, (m - 1) * BLOCK);
  const stolen = ct.subarray((m - 1) * BLOCK);
  const prev = m > 2 ? ct.subarray((m - 3) * BLOCK, (m - 2) * BLOCK) : iv;
  // One CBC stream does it all: feeding X after the head yields D(X) xor prev; feeding the rebuilt
  // C[m-2] after X yields D(C[m-2]) xor X, from which P[m-2] = that xor X xor prev.
  const outHead = head.length > 0 ? decipher.update(head) : Buffer.alloc(0);
  const dx = decipher.update(x);
  const lastCipher = Buffer.allocUnsafe(BLOCK);
  const out = Buffer.allocUnsafe(n);
  outHead.copy(out, 0);
  for (let i = 0; i < BLOCK; i++) {
    const d = dx[i]! ^ prev[i]!;
    if (i < tail) {
      lastCipher[i] = stolen[i]!;
      out[(m - 1) * BLOCK + i] = d ^ stolen[i]!;
    } else {
      lastCipher[i] = d;
    }
  }
  const pm2 = decipher.update(lastCipher);
  decipher.final();
  for (let i = 0; i < BLOCK; i++) out[(m - 2) * BLOCK + i] = pm2[i]! ^ x[i]! ^ prev[i]!;
  return out;
}
