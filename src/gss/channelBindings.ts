/**
 * GSS-API channel bindings (RFC 2743 §1.1.6), one implementation for every mechanism: the flat
 * gss_channel_bindings_struct of RFC 2744 §3.11 and its MD5, which NTLM puts in
 * MsvAvChannelBindings (MS-NLMP §2.2.2.1) and Kerberos in the 0x8003 checksum's Bnd field
 * (RFC 4121 §4.1.1.2) — MD5 of the whole struct, never of the application data alone.
 * Uses node:crypto directly so that gss/ stays free of other src/ imports.
 */
import { createHash } from 'node:crypto';

export interface ChannelBindings {
  readonly initiatorAddrType?: number;
  readonly initiatorAddress?: Uint8Array;
  readonly acceptorAddrType?: number;
  readonly acceptorAddress?: Uint8Array;
  readonly applicationData?: Uint8Array;
}

/** The flat struct: (addrtype u32, length u32, bytes) ×2, then (length u32, application data), all little-endian. */
export function encodeChannelBindings(cb: ChannelBindings): Buffer {
  const part = (type: number | undefined, data: Uint8Array | undefined): Buffer[] => {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(type ?? 0, 0);
    h.writeUInt32LE(data?.length ?? 0, 4);
    return [h, Buffer.from(data ?? [])];
  };
  const appLen = Buffer.alloc(4);
  appLen.writeUInt32LE(cb.applicationData?.length ?? 0);
  return Buffer.concat([
    ...part(cb.initiatorAddrType, cb.initiatorAddress),
    ...part(cb.acceptorAddrType, cb.acceptorAddress),
    appLen,
    Buffer.from(cb.applicationData ?? []),
  ]);
}

/** MD5 of the flat struct: the 16 bytes both mechanisms carry. */
export function channelBindingsHash(cb: ChannelBindings): Buffer {
  return createHash('md5').update(encodeChannelBindings(cb)).digest();
}

/** Application data for `tls-server-end-point` (RFC 5929 §4.1) given the certificate hash. */
export function tlsServerEndPointData(certificateHash: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from('tls-server-end-point:', 'latin1'), certificateHash]);
}

/**
 * An all-zero hash means "no bindings": MsvAvChannelBindings (MS-NLMP §3.2.5.1.2; gss-ntlmssp#25)
 * and the krb5 Bnd field (RFC 4121 §4.1.1.2; MIT accepts it unless the client sent KERB_AP_OPTIONS_CBT).
 */
export function isZeroBinding(v: Uint8Array): boolean {
  return v.every((x) => x === 0);
}
