/**
 * Extended Protection for Authentication: NTLM bound to the TLS channel it came over
 * (RFC 5929 `tls-server-end-point`, MS-NLMP MsvAvChannelBindings). The binding is OUR
 * certificate's hash, which a relay in the middle cannot present, so a relayed AUTHENTICATE
 * fails. IIS's modes map onto the acceptor's: Off → ignore, Accept → accept (bindings checked
 * when sent), Require → require (a client without them is refused).
 *
 * On plain HTTP there is no channel to bind to, so a client there sends no bindings (or the
 * all-zero "none", MS-NLMP §3.1.5.2.2); bindings that name a certificate prove the client spoke
 * TLS to some other endpoint and its AUTHENTICATE was passed on to us — a relay. Under accept
 * and require such a logon is refused on plain HTTP too, and one without bindings is accepted
 * (require cannot be met there). Behind a TLS-terminating proxy, clients bind to the proxy's
 * certificate: EPA must be off for that listener.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { ChannelBindingMode, NtlmServerOptions } from '../../ntlm/serverContext.js';
import { certificateBindingData } from '../tlsChannelBindings.js';

export type ExtendedProtectionMode = 'off' | 'accept' | 'require';

/** One mode for every connection, or each connection's own (a server with several listeners). */
export type ExtendedProtectionSetting = ExtendedProtectionMode | ((socket: Socket) => ExtendedProtectionMode);

/** What plain HTTP expects: the 16-byte hash is all zero, so any bindings sent mismatch and none pass. */
const NO_CHANNEL: NtlmServerOptions['channelBindings'] = { mode: 'accept', expected: new Uint8Array(16) };

const MODES: Readonly<Record<ExtendedProtectionMode, ChannelBindingMode>> = { off: 'ignore', accept: 'accept', require: 'require' };

// A server has a handful of certificates (SNI); the cap only bounds a misbehaving SNICallback.
const MAX_CERTIFICATES = 256;

/** Computes each certificate's tls-server-end-point application data once, keyed by its fingerprint. */
export class ChannelBindingSource {
  private readonly byFingerprint = new Map<string, Buffer>();

  constructor(private readonly mode: ExtendedProtectionSetting) {}

  /** The acceptor's channelBindings option for a handshake on this socket. */
  bindingsFor(socket: Socket): NtlmServerOptions['channelBindings'] {
    const mode = typeof this.mode === 'function' ? this.mode(socket) : this.mode;
    if (mode === 'off') return { mode: 'ignore' };
    if (!(socket instanceof TLSSocket)) return NO_CHANNEL;
    const data = this.applicationData(socket);
    // A TLS socket whose certificate cannot be read (PSK, or torn down): nothing to bind to.
    // Under require the acceptor then refuses every binding it is sent.
    return data ? { mode: MODES[mode], expected: { applicationData: data } } : { mode: MODES[mode] };
  }

  private applicationData(socket: TLSSocket): Buffer | undefined {
    const cert = socket.getCertificate();
    if (!cert || !('raw' in cert) || !Buffer.isBuffer(cert.raw)) return undefined;
    const key = cert.fingerprint256;
    const cached = this.byFingerprint.get(key);
    if (cached) return cached;
    // undefined: a signature algorithm RFC 5929 gives no hash for, so no binding can match this certificate.
    const data = certificateBindingData(cert.raw);
    if (!data) return undefined;
    if (this.byFingerprint.size >= MAX_CERTIFICATES) this.byFingerprint.clear();
    this.byFingerprint.set(key, data);
    return data;
  }

  /** Certificates hashed so far (for stats and tests). */
  get certificates(): number {
    return this.byFingerprint.size;
  }
}
