/**
 * Key usage numbers (RFC 4120 §7.5.1; 22–25 from RFC 4121 §2; 16–17 from MS-KILE 3.1.5.9).
 * Every derived key, and so every ciphertext and keyed checksum, is bound to one usage, so a
 * ciphertext made for one place cannot be replayed in another.
 */
export const KeyUsage = {
  /** AS-REQ PA-ENC-TIMESTAMP, client key. */
  AS_REQ_PA_ENC_TIMESTAMP: 1,
  /** The Ticket's enc-part in an AS-REP or TGS-REP, service key. */
  KDC_REP_TICKET: 2,
  /** AS-REP enc-part, client key. */
  AS_REP_ENC_PART: 3,
  /** TGS-REQ authorization data, TGS session key. */
  TGS_REQ_AD_SESSION_KEY: 4,
  /** TGS-REQ authorization data, TGS authenticator subkey. */
  TGS_REQ_AD_SUBKEY: 5,
  /** TGS-REQ PA-TGS-REQ authenticator checksum, TGS session key. */
  TGS_REQ_AUTH_CKSUM: 6,
  /** TGS-REQ PA-TGS-REQ authenticator, TGS session key. */
  TGS_REQ_AUTH: 7,
  /** TGS-REP enc-part, TGS session key. */
  TGS_REP_ENC_PART_SESSION_KEY: 8,
  /** TGS-REP enc-part, TGS authenticator subkey. */
  TGS_REP_ENC_PART_SUBKEY: 9,
  /** AP-REQ authenticator checksum (one that is not the GSS 0x8003 one), session key. */
  AP_REQ_AUTH_CKSUM: 10,
  /** AP-REQ authenticator, session key. */
  AP_REQ_AUTH: 11,
  /** AP-REP enc-part (EncAPRepPart), session key. */
  AP_REP_ENC_PART: 12,
  /** KRB-PRIV enc-part. */
  KRB_PRIV_ENC_PART: 13,
  /** KRB-CRED enc-part (delegated credentials). */
  KRB_CRED_ENC_PART: 14,
  /** KRB-SAFE checksum. */
  KRB_SAFE_CKSUM: 15,
  /** MS-KILE KERB_NON_KERB_SALT. */
  KERB_NON_KERB_SALT: 16,
  /** MS-KILE KERB_NON_KERB_CKSUM_SALT: the PAC server and KDC signatures (MS-PAC 2.8). */
  KERB_NON_KERB_CKSUM_SALT: 17,
  /** AD-KDC-ISSUED checksum (RFC 4120 §5.2.6.4). */
  AD_KDC_ISSUED_CKSUM: 19,
  /** RFC 4121 Wrap token sealed by the acceptor. */
  KG_USAGE_ACCEPTOR_SEAL: 22,
  /** RFC 4121 MIC / Wrap token signed by the acceptor. */
  KG_USAGE_ACCEPTOR_SIGN: 23,
  /** RFC 4121 Wrap token sealed by the initiator. */
  KG_USAGE_INITIATOR_SEAL: 24,
  /** RFC 4121 MIC / Wrap token signed by the initiator. */
  KG_USAGE_INITIATOR_SIGN: 25,
} as const;

export type KeyUsageName = keyof typeof KeyUsage;

const NAMES = new Map<number, KeyUsageName>(
  (Object.entries(KeyUsage) as [KeyUsageName, number][]).map(([name, n]) => [n, name]),
);

/** The name of a key usage number for logs (`AP_REQ_AUTH`), or its decimal form for unnamed ones. */
export function keyUsageName(usage: number): string {
  return NAMES.get(usage) ?? String(usage);
}

/** A usage is an unsigned 32-bit number (it is encoded as BE32 in the derivation constants, RFC 3961 §5.3). */
export function isKeyUsage(usage: number): boolean {
  return Number.isInteger(usage) && usage >= 0 && usage <= 0xffffffff;
}
