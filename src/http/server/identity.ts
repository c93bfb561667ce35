/**
 * The authenticated identity the handler puts on the request (`req.ntlmgate`). Names come
 * from the authority's account (its spelling, not the client's), so `DOMAIN\user` is the
 * same string whichever case the client typed. `mechanism` names what logged the user on;
 * what only NTLM has (its version, MIC, channel bindings) is under `ntlm`, present exactly
 * for an NTLM logon.
 */
import type { LogonResult } from '../../gss/mechanism.js';
import { isNtlmLogon } from '../../ntlm/acceptorMechanism.js';
import type { NtlmVersion } from '../../ntlm/responses.js';
import { accountName } from '../../policy/names.js';
import { authPackage, type AuthProvider } from './providers.js';

/** What an NTLM logon established beyond the account (MS-NLMP). */
export interface IwaNtlmDetails {
  /** The response class: `NTLMv2`, `NTLMv1-ESS`, `NTLMv1`, `LM`, `Anonymous`. */
  readonly version: NtlmVersion;
  /** The AUTHENTICATE carried a MIC (and it verified). */
  readonly micPresent: boolean;
  /** MsvAvChannelBindings as sent: absent, all-zero, or a value. */
  readonly channelBindings: 'absent' | 'zero' | 'present';
  /** The channel bindings were checked against our TLS certificate and matched. */
  readonly channelBindingsVerified: boolean;
  /** The NegotiateFlags both sides agreed on (MS-NLMP §2.2.2.5). */
  readonly flags: number;
  /** MsvAvTargetName as the client sent it. */
  readonly targetName?: string;
}

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
  /** The workstation the client named (its own claim); empty when the mechanism carries none. */
  readonly workstation: string;
  /** The mechanism that logged the user on, by its name: `NTLM`, or another registered one. */
  readonly mechanism: string;
  /** The HTTP scheme that carried the handshake. */
  readonly scheme: AuthProvider;
  /** `NTLM` for the NTLM scheme, `Negotiate(<mechanism>)` under Negotiate (SPNEGO or a bare mechanism token). */
  readonly authPackage: string;
  readonly anonymous: boolean;
  /** SPNEGO's mechListMIC verified (Negotiate with SPNEGO framing only). */
  readonly mechListMicVerified: boolean;
  /** NTLM's details, for an NTLM logon only. */
  readonly ntlm?: IwaNtlmDetails;
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

/** The identity of a completed logon (acceptor.ts AcceptedLogon). */
export function identityFromResult(r: LogonResult & { readonly mechListMicVerified: boolean }, scheme: AuthProvider, at: number): IwaIdentity {
  const domain = r.account.domain;
  const user = r.account.name;
  const n = isNtlmLogon(r) ? r.ntlm : undefined;
  return {
    user,
    domain,
    name: accountName(user, domain, ''),
    sid: r.account.sid,
    groups: [...(r.account.groups ?? [])],
    workstation: r.workstation ?? '',
    mechanism: r.mechanism,
    scheme,
    authPackage: authPackage(scheme, r.mechanism),
    anonymous: r.anonymous,
    mechListMicVerified: r.mechListMicVerified,
    ntlm: n && {
      version: n.version,
      micPresent: n.micPresent,
      channelBindings: n.channelBindings,
      channelBindingsVerified: n.channelBindingsVerified,
      flags: n.flags,
      targetName: n.targetName,
    },
    authenticatedAt: new Date(at).toISOString(),
  };
}
