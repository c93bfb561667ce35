/** The AUTHENTICATE MIC, MS-NLMP §3.1.5.1.2: HMAC_MD5(ExportedSessionKey, NEG ‖ CHAL ‖ AUTH with MIC = Z(16)). */
import { hmacMd5 } from '../crypto/hash.js';
import { MIC_OFFSET } from './messages/authenticate.js';

export function computeMic(
  exportedSessionKey: Uint8Array,
  negotiate: Uint8Array,
  challenge: Uint8Array,
  authenticate: Uint8Array,
  micOffset = MIC_OFFSET,
): Buffer {
  const zeroed = Buffer.from(authenticate);
  zeroed.fill(0, micOffset, micOffset + 16);
  return hmacMd5(exportedSessionKey, negotiate, challenge, zeroed);
}
