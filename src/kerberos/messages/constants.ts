// Assigned numbers of RFC 4120 §7.5 and MS-KILE that the message layer names.

/** msg-type values (RFC 4120 §7.5.7), also the APPLICATION tag of each message. */
export const MessageType = {
  AS_REQ: 10,
  AS_REP: 11,
  TGS_REQ: 12,
  TGS_REP: 13,
  AP_REQ: 14,
  AP_REP: 15,
  KRB_SAFE: 20,
  KRB_PRIV: 21,
  KRB_CRED: 22,
  KRB_ERROR: 30,
} as const;

/** APPLICATION tags of the structures that are not messages (RFC 4120 §5). */
export const ApplicationTag = {
  Ticket: 1,
  Authenticator: 2,
  EncTicketPart: 3,
  EncAPRepPart: 27,
} as const;

/** name-type values (RFC 4120 §6.2, §7.5.8). */
export const NameType = {
  NT_UNKNOWN: 0,
  NT_PRINCIPAL: 1,
  NT_SRV_INST: 2,
  NT_SRV_HST: 3,
  NT_SRV_XHST: 4,
  NT_UID: 5,
  NT_X500_PRINCIPAL: 6,
  NT_SMTP_NAME: 7,
  NT_ENTERPRISE: 10,
} as const;

/** ad-type values (RFC 4120 §7.5.4; MS-KILE §3.2.5.8, MS-PAC §2.1). */
export const AdType = {
  AD_IF_RELEVANT: 1,
  AD_KDC_ISSUED: 4,
  AD_AND_OR: 5,
  AD_MANDATORY_FOR_KDC: 8,
  AD_WIN2K_PAC: 128,
  KERB_AUTH_DATA_TOKEN_RESTRICTIONS: 141,
  KERB_LOCAL: 142,
  AD_AUTH_DATA_AP_OPTIONS: 143,
  KERB_AUTH_DATA_CLIENT_TARGET: 144,
} as const;

/** KERB_AP_OPTIONS_CBT: the ad-data of AD-AUTH-DATA-AP-OPTIONS when the client sent channel bindings (MS-KILE §3.2.5.8). */
export const KERB_AP_OPTIONS_CBT = 0x4000;

/** error-code values a KRB-ERROR from an AP exchange carries (RFC 4120 §7.5.9). */
export const KrbErrorCode = {
  KDC_ERR_NONE: 0,
  KRB_AP_ERR_BAD_INTEGRITY: 31,
  KRB_AP_ERR_TKT_EXPIRED: 32,
  KRB_AP_ERR_TKT_NYV: 33,
  KRB_AP_ERR_REPEAT: 34,
  KRB_AP_ERR_NOT_US: 35,
  KRB_AP_ERR_BADMATCH: 36,
  KRB_AP_ERR_SKEW: 37,
  KRB_AP_ERR_BADADDR: 38,
  KRB_AP_ERR_BADVERSION: 39,
  KRB_AP_ERR_MSG_TYPE: 40,
  KRB_AP_ERR_MODIFIED: 41,
  KRB_AP_ERR_BADORDER: 42,
  KRB_AP_ERR_BADKEYVER: 44,
  KRB_AP_ERR_NOKEY: 45,
  KRB_AP_ERR_MUT_FAIL: 46,
  KRB_AP_ERR_BADDIRECTION: 47,
  KRB_AP_ERR_METHOD: 48,
  KRB_AP_ERR_BADSEQ: 49,
  KRB_AP_ERR_INAPP_CKSUM: 50,
  KRB_ERR_GENERIC: 60,
  KRB_ERR_FIELD_TOOLONG: 61,
} as const;

/** TicketFlags (RFC 4120 §5.3), as readKerberosFlags numbers (ASN.1 bit 0 = 0x80000000). */
export const TicketFlags = {
  reserved: 0x80000000,
  forwardable: 0x40000000,
  forwarded: 0x20000000,
  proxiable: 0x10000000,
  proxy: 0x08000000,
  mayPostdate: 0x04000000,
  postdated: 0x02000000,
  invalid: 0x01000000,
  renewable: 0x00800000,
  initial: 0x00400000,
  preAuthent: 0x00200000,
  hwAuthent: 0x00100000,
  transitedPolicyChecked: 0x00080000,
  okAsDelegate: 0x00040000,
  /** RFC 6806 §11 (bit 15). */
  encPaRep: 0x00010000,
} as const;

/** APOptions (RFC 4120 §5.5.1), as readKerberosFlags numbers. */
export const ApOptions = {
  reserved: 0x80000000,
  useSessionKey: 0x40000000,
  mutualRequired: 0x20000000,
} as const;

/** Whether `flags` (a readKerberosFlags number) has every bit of `flag`. */
export function hasFlag(flags: number, flag: number): boolean {
  return ((flags & flag) >>> 0) === flag >>> 0;
}
