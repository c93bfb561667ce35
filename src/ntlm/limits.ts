/**
 * Size caps for hostile input. Real NTLM messages are a few hundred bytes; a
 * 64 KiB cap leaves room for very long names while bounding parser work.
 */
export const MAX_MESSAGE_SIZE = 64 * 1024;
/** AV pairs in one target info list: Windows sends about 10. */
export const MAX_AV_PAIRS = 64;
/** Workstation names are NetBIOS names: at most 15 characters (MS-NLMP §2.2.1.3 uses NetBIOS). */
export const MAX_WORKSTATION_LENGTH = 15;
