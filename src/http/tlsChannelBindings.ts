/**
 * The channel-binding application data of a TLS certificate, as both sides of an HTTP
 * handshake need it: `tls-server-end-point:` ‖ the RFC 5929 §4.1 hash of the server's
 * certificate. The server hashes its own certificate, the client the one it was shown.
 */
import { CertificateError, tlsServerEndPointHash } from '../crypto/certificateHash.js';
import { tlsServerEndPointData } from '../ntlm/channelBindings.js';

/** Undefined when RFC 5929 defines no hash for the certificate's signature algorithm: there is nothing to bind to. */
export function certificateBindingData(certificateDer: Buffer): Buffer | undefined {
  try {
    return tlsServerEndPointData(tlsServerEndPointHash(certificateDer));
  } catch (e) {
    if (e instanceof CertificateError) return undefined;
    throw e;
  }
}
