/**
 * The certificate hash for `tls-server-end-point` channel bindings (RFC 5929 §4.1): hash
 * the DER certificate with the hash of its own signature algorithm, except that MD5 and
 * SHA-1 are replaced by SHA-256. (HttpClient's "always SHA-256" is wrong for SHA-384/512
 * certificates.) Signature algorithms without a hash (Ed25519, Ed448) use SHA-256, which
 * is what Windows and .NET do since RFC 5929 leaves them undefined.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { DerError, parseDer, readExplicit, readOid, readSequence, hasTag, UniversalTag } from '../der/index.js';
import type { DerNode } from '../der/index.js';

export type CertHashAlgorithm = 'sha256' | 'sha384' | 'sha512' | 'sha224';

const BY_OID: Record<string, CertHashAlgorithm | 'from-pss'> = {
  '1.2.840.113549.1.1.4': 'sha256', // md5WithRSAEncryption → SHA-256
  '1.2.840.113549.1.1.5': 'sha256', // sha1WithRSAEncryption → SHA-256
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.10': 'from-pss', // RSASSA-PSS: hash is in the parameters
  '1.2.840.10045.4.1': 'sha256', // ecdsa-with-SHA1 → SHA-256
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10040.4.3': 'sha256', // dsa-with-sha1 → SHA-256
  '2.16.840.1.101.3.4.3.1': 'sha224',
  '2.16.840.1.101.3.4.3.2': 'sha256',
  '1.3.101.112': 'sha256', // Ed25519
  '1.3.101.113': 'sha256', // Ed448
};

const HASH_OIDS: Record<string, CertHashAlgorithm> = {
  '1.3.14.3.2.26': 'sha256', // SHA-1 → SHA-256
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.4': 'sha224',
};

/** Thrown for anything that is not a readable certificate, or one whose signature algorithm we do not know. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

// DER decoder limits for a whole certificate (RFC 5280 §4.1 is DER throughout): far above
// real certificates (a few KiB, nesting < 12), low enough to bound hostile input.
const CERT_LIMITS = { maxBytes: 1024 * 1024, maxDepth: 32, maxNodes: 65536 };

function toDer(cert: Uint8Array | string | X509Certificate): Buffer {
  if (cert instanceof X509Certificate) return cert.raw;
  if (typeof cert === 'string') {
    try {
      return new X509Certificate(cert).raw;
    } catch (e) {
      throw new CertificateError('not a PEM/DER certificate', { cause: e });
    }
  }
  if (!(cert instanceof Uint8Array)) throw new TypeError('certificate must be a Buffer/Uint8Array, a PEM string or an X509Certificate');
  return Buffer.from(cert);
}

// Runs a DER reading step; DerError becomes CertificateError.
function reading<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DerError) throw new CertificateError(`${what}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Signature algorithm of a DER certificate (Certificate.signatureAlgorithm, RFC 5280
 * §4.1.1.2): the OID and, when present, the parameters element.
 */
export function signatureAlgorithmOf(der: Uint8Array): { oid: string; params?: DerNode } {
  return reading('not a DER certificate', () => {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
    const cert = readSequence(parseDer(der, CERT_LIMITS), 'Certificate');
    const [tbs, algId, sig] = cert;
    if (cert.length !== 3 || !tbs || !algId || !sig || !hasTag(tbs, 'universal', UniversalTag.SEQUENCE) || !hasTag(sig, 'universal', UniversalTag.BIT_STRING)) {
      throw new CertificateError('not a certificate (expected SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue })');
    }
    // AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL } (RFC 5280 §4.1.1.2)
    const [oid, params, ...rest] = readSequence(algId, 'signatureAlgorithm');
    if (oid === undefined || rest.length > 0) throw new CertificateError('malformed signatureAlgorithm');
    const result: { oid: string; params?: DerNode } = { oid: readOid(oid, 'signatureAlgorithm.algorithm') };
    if (params !== undefined) result.params = params;
    return result;
  });
}

// RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] HashAlgorithm DEFAULT sha1, maskGenAlgorithm [1] …,
//   saltLength [2] …, trailerField [3] … } (RFC 4055 §3.1). Absent parameters or hash: SHA-1 → SHA-256.
function pssHash(params: DerNode | undefined): CertHashAlgorithm {
  if (params === undefined || !hasTag(params, 'universal', UniversalTag.SEQUENCE)) return 'sha256';
  const hashOid = reading('malformed RSASSA-PSS parameters', () => {
    const first = params.children[0];
    if (first === undefined || !hasTag(first, 'context', 0)) return undefined;
    const [algorithm] = readSequence(readExplicit(first, 0, 'RSASSA-PSS-params.hashAlgorithm'), 'hashAlgorithm');
    if (algorithm === undefined) throw new CertificateError('malformed RSASSA-PSS parameters: empty hashAlgorithm');
    return readOid(algorithm, 'hashAlgorithm.algorithm');
  });
  if (hashOid === undefined) return 'sha256';
  const h = HASH_OIDS[hashOid];
  if (!h) throw new CertificateError(`unsupported PSS hash ${hashOid}`);
  return h;
}

/** Which hash RFC 5929 picks for this certificate. */
export function certificateHashAlgorithm(cert: Uint8Array | string | X509Certificate): CertHashAlgorithm {
  const { oid, params } = signatureAlgorithmOf(toDer(cert));
  const h = BY_OID[oid];
  if (!h) throw new CertificateError(`unsupported certificate signature algorithm ${oid}`);
  return h === 'from-pss' ? pssHash(params) : h;
}

/** The certificate hash that goes after `tls-server-end-point:`. Accepts DER, PEM or an X509Certificate. */
export function tlsServerEndPointHash(cert: Uint8Array | string | X509Certificate): Buffer {
  const der = toDer(cert);
  return createHash(certificateHashAlgorithm(der)).update(der).digest();
}
