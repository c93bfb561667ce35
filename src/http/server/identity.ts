/**
 * The authenticated identity the handler puts on the request (`req.ntlmgate`). Names come
 * from the authority's account (its spelling, not the client's), so `DOMAIN\user` is the
 * same string whichever case the client typed.
 */
import type { NtlmVersion } from '../../ntlm/responses.js';
import type { NtlmAcceptResult } from '../../ntlm/serverContext.js';
import { accountName } from '../../policy/names.js';
import { authPackage, type AuthProvider } from './providers.js';

export interface IwaIdentity {
  /** The account name, e.g. `alice`. */
  readonly user: string;
  /** The account's domain (NetBIOS), e.g. `CORP`; the computer name for a local account. */
  readonly domain: string;
  /** `DOMAIN\user`. */
  readonly name: string;
  readonly sid?: string;
  /** Group names as the authority reported them. */
  readonly groups: readonly string[];
  /** The workstation the client named in its AUTHENTICATE (its own claim). */
  readonly workstation: string;
  readonly ntlmVersion: NtlmVersion;
  /** The HTTP scheme that carried the handshake. */
  readonly scheme: AuthProvider;
  /** `NTLM`, or `Negotiate(NTLM)` for NTLM inside SPNEGO or raw under the Negotiate scheme. */
  readonly authPackage: 'NTLM' | 'Negotiate(NTLM)';
  readonly anonymous: boolean;
  /** The AUTHENTICATE carried a MIC (and it verified). */
  readonly micPresent: boolean;
  /** MsvAvChannelBindings as sent: absent, all-zero, or a value. */
  readonly channelBindings: 'absent' | 'zero' | 'present';
  /** The channel bindings were checked against our TLS certificate and matched. */
  readonly channelBindingsVerified: boolean;
  /** SPNEGO's mechListMIC verified (Negotiate with SPNEGO framing only). */
  readonly mechListMicVerified: boolean;
  /** When the handshake completed (ISO 8601). */
  readonly authenticatedAt: string;
}

declare module 'http' {
  interface IncomingMessage {
    /** Set by ntlmgate once the request (or its connection) is authenticated. */
    ntlmgate?: IwaIdentity;
  }
}

declare module 'http2' {
  interface Http2ServerRequest {
    /** Never set: HTTP/2 requests are refused with HTTP_1_1_REQUIRED (declared so mixed h1/h2 handlers type-check). */
    ntlmgate?: IwaIdentity;
  }
}

export function identityFromResult(
  r: NtlmAcceptResult & { readonly mechListMicVerified?: boolean },
  scheme: AuthProvider,
  at: number,
): IwaIdentity {
  const domain = r.account.domain;
  const user = r.account.name;
  return {
    user,
    domain,
    name: accountName(user, domain, ''),
    sid: r.account.sid,
    groups: [...(r.account.groups ?? [])],
    workstation: r.workstation,
    ntlmVersion: r.version,
    scheme,
    authPackage: authPackage(scheme),
    anonymous: r.anonymous,
    micPresent: r.micPresent,
    channelBindings: r.channelBindings,
    channelBindingsVerified: r.channelBindingsVerified,
    mechListMicVerified: r.mechListMicVerified ?? false,
    authenticatedAt: new Date(at).toISOString(),
  };
}
