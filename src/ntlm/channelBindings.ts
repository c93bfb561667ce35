/**
 * Channel bindings (MS-NLMP §3.1.5.1.2 MsvAvChannelBindings; RFC 2744 §3.11 struct;
 * RFC 5929 tls-server-end-point). The AV pair holds MD5 of the whole flat
 * gss_channel_bindings_struct, never of the application data alone.
 */
import { md5 } from '../crypto/hash.js';

export interface ChannelBindings {
  readonly initiatorAddrType?: number;
  readonly initiatorAddress?: Uint8Array;
  readonly acceptorAddrType?: number;
  readonly acceptorAddress?: Uint8Array;
  readonly applicationData?: Uint8Array;
}

/** The flat struct: (addrtype u32, length u32, bytes) ×2, then (length u32, application data). */
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

/** The 16-byte value of MsvAvChannelBindings. */
export function channelBindingsHash(cb: ChannelBindings): Buffer {
  return md5(encodeChannelBindings(cb));
}

/** Application data for `tls-server-end-point` (RFC 5929 §4.1) given the certificate hash. */
export function tlsServerEndPointData(certificateHash: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from('tls-server-end-point:', 'latin1'), certificateHash]);
}

/** An all-zero MsvAvChannelBindings means "no bindings" (MS-NLMP §3.2.5.1.2; gss-ntlmssp#25). */
export function isZeroBinding(v: Uint8Array): boolean {
  return v.every((x) => x === 0);
}
