/**
 * Why a PAC was refused. verifyPac reports these as `pac-invalid` with one of the sub-reasons;
 * the decoders throw PacDecodeError (`malformed`) on bytes that are not a PAC.
 */

export type PacInvalidReason =
  /** Not a PACTYPE, or a buffer (KERB_VALIDATION_INFO's NDR, client info, UPN_DNS_INFO, a signature) is malformed. */
  | 'malformed'
  /** A buffer MS-PAC requires is absent (logon info, client info, server or KDC signature), or appears twice. */
  | 'missing-buffer'
  /** The server signature's type is not the checksum of the service key's enctype (MS-PAC 2.8). */
  | 'checksum-type-mismatch'
  /** The server signature does not verify with the service key (MS-PAC 2.8.4): a forged or altered PAC. */
  | 'server-signature-mismatch'
  /** PAC_CLIENT_INFO's Name is not the ticket's client (MS-PAC 2.7). */
  | 'client-name-mismatch'
  /** PAC_CLIENT_INFO's ClientId is not the ticket's authtime (MS-PAC 2.7). */
  | 'authtime-mismatch';

export class PacDecodeError extends Error {
  override readonly name = 'PacDecodeError';
  readonly reason = 'malformed' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function pacFail(message: string): never {
  throw new PacDecodeError(message);
}
