/**
 * The certificate hash for `tls-server-end-point` channel bindings (RFC 5929 §4.1): hash
 * the DER certificate with the hash of its own signature algorithm, except that MD5 and
 * SHA-1 are replaced by SHA-256. (HttpClient's "always SHA-256" is wrong for SHA-384/512
 * certificates.) Signature algorithms without a hash (Ed25519, Ed448) use SHA-256, which
 * is what Windows and .NET do since RFC 5929 leaves them undefined.
 */
import { createHash, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';

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

export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

function toDer(cert: Uint8Array | string | X509Certificate): Buffer {
  if (cert instanceof X509Certificate) return cert.raw;
  if (typeof cert === 'string') return new X509Certificate(cert).raw;
  return Buffer.from(cert);
}

/** Signature algorithm OID of a DER certificate (Certificate.signatureAlgorithm, RFC 5280 §4.1.1.2). */
export function signatureAlgorithmOf(der: Buffer): { oid: string; params?: asn1js.AsnType } {
  const parsed = asn1js.fromBER(new Uint8Array(der));
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) {
    throw new CertificateError('not a DER certificate');
  }
  const algId = parsed.result.valueBlock.value[1];
  if (!(algId instanceof asn1js.Sequence)) throw new CertificateError('certificate has no signatureAlgorithm');
  const oid = algId.valueBlock.value[0];
  if (!(oid instanceof asn1js.ObjectIdentifier)) throw new CertificateError('signatureAlgorithm has no OID');
  return { oid: oid.valueBlock.toString(), params: algId.valueBlock.value[1] };
}

function pssHash(params: asn1js.AsnType | undefined): CertHashAlgorithm {
  // RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, … } (RFC 4055 §3.1)
  if (params instanceof asn1js.Sequence) {
    for (const item of params.valueBlock.value) {
      if (item.idBlock.tagClass === 3 && item.idBlock.tagNumber === 0 && item instanceof asn1js.Constructed) {
        const alg = item.valueBlock.value[0];
        const oid = alg instanceof asn1js.Sequence ? alg.valueBlock.value[0] : undefined;
        if (oid instanceof asn1js.ObjectIdentifier) {
          const h = HASH_OIDS[oid.valueBlock.toString()];
          if (h) return h;
          throw new CertificateError(`unsupported PSS hash ${oid.valueBlock.toString()}`);
        }
      }
    }
  }
  return 'sha256'; // default SHA-1, upgraded to SHA-256
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
