/**
 * The boundary between the acceptor and whoever knows the secrets (MS-APDS §3.1.5.1:
 * what a server passes to its DC). The NTLM layer never sees an NT hash: it hands the
 * responses over and gets back a status, the account and the session base key.
 */
import type { NtlmVersion } from './responses.js';

/** NTSTATUS names a DC returns for a network logon (MS-ERREF). */
export type AuthorityStatus =
  | 'STATUS_SUCCESS'
  | 'STATUS_LOGON_FAILURE'
  | 'STATUS_ACCOUNT_DISABLED'
  | 'STATUS_ACCOUNT_LOCKED_OUT'
  | 'STATUS_PASSWORD_EXPIRED'
  | 'STATUS_NTLM_BLOCKED'
  | 'STATUS_WRONG_PASSWORD'
  | 'STATUS_NO_SUCH_USER';

export interface NtlmValidationRequest {
  readonly userName: string;
  readonly domainName: string;
  readonly workstation: string;
  /**
   * The challenge the responses answer: the server challenge, or for NTLMv1-ESS the
   * derived MD5(ServerChallenge ‖ ClientChallenge)[0..7], as a server passes it to a DC.
   */
  readonly challenge: Buffer;
  readonly lmChallengeResponse: Buffer;
  readonly ntChallengeResponse: Buffer;
  readonly responseKind: Exclude<NtlmVersion, 'Anonymous'>;
  /** The logon attempt this validation belongs to (the audit events' attemptId), when the caller tracks one. */
  readonly attemptId?: string;
  /** The server asking (its NetBIOS name, for DCAllowedNTLMServers and relay checks). */
  readonly server: { readonly netbiosName: string; readonly netbiosDomainName: string; readonly dnsName?: string };
}

export interface AccountInfo {
  readonly name: string;
  readonly domain: string;
  readonly sid?: string;
  readonly groups?: readonly string[];
}

export interface NtlmValidationResult {
  readonly status: AuthorityStatus;
  readonly account?: AccountInfo;
  /** UserSessionKey of NETLOGON_VALIDATION: the SessionBaseKey (§3.3). */
  readonly sessionBaseKey?: Buffer;
  /** LMSessionKey (LMOWF[0..7]) when known; needed only for NEGOTIATE_LM_KEY. */
  readonly lmSessionKey?: Buffer;
}

export interface NtlmAuthority {
  validate(request: NtlmValidationRequest): Promise<NtlmValidationResult>;
}
