/**
 * A small in-memory Authority for tests and examples: it holds NT hashes (never
 * passwords) and validates responses the way a DC does for a network logon
 * (MS-APDS §3.1.5.1). Persistent accounts (SQLite, PostgreSQL) are LocalAuthority's.
 */
import { lmowfv1, ntowfv1 } from '../ntlm/owf.js';
import { verifyNtlmV1, verifyNtlmV2 } from '../ntlm/responses.js';
import type { NtlmAuthority, NtlmValidationRequest, NtlmValidationResult } from '../ntlm/authority.js';

export interface MemoryAccount {
  readonly domain: string;
  readonly name: string;
  readonly ntHash: Buffer;
  /** Only kept when LM logons are to be testable; absent by default. */
  readonly lmHash?: Buffer;
  readonly enabled: boolean;
  readonly sid?: string;
  readonly groups?: readonly string[];
}

export interface AddAccountOptions {
  readonly domain: string;
  readonly name: string;
  readonly password?: string;
  readonly ntHash?: Uint8Array;
  /** Keep the LM hash too (only for testing LM-level compatibility). */
  readonly keepLmHash?: boolean;
  readonly enabled?: boolean;
  readonly sid?: string;
  readonly groups?: readonly string[];
}

const key = (domain: string, name: string): string => `${domain.toUpperCase()}\\${name.toUpperCase()}`;

export class MemoryAuthority implements NtlmAuthority {
  private readonly accounts = new Map<string, MemoryAccount>();

  /** @param defaultDomain the domain an empty or unknown client domain maps to (the DC's own). */
  constructor(private readonly defaultDomain: string) {}

  add(account: AddAccountOptions): this {
    const ntHash = account.ntHash ? Buffer.from(account.ntHash) : account.password !== undefined ? ntowfv1(account.password) : undefined;
    if (!ntHash || ntHash.length !== 16) throw new RangeError('an account needs a password or a 16-byte NT hash');
    const lmHash = account.keepLmHash && account.password !== undefined ? lmowfv1(account.password) : undefined;
    this.accounts.set(key(account.domain, account.name), {
      domain: account.domain,
      name: account.name,
      ntHash,
      lmHash,
      enabled: account.enabled ?? true,
      sid: account.sid,
      groups: account.groups,
    });
    return this;
  }

  async validate(req: NtlmValidationRequest): Promise<NtlmValidationResult> {
    const account = this.accounts.get(key(req.domainName, req.userName)) ?? this.accounts.get(key(this.defaultDomain, req.userName));
    if (!account) return { status: 'STATUS_LOGON_FAILURE' };
    const check =
      req.responseKind === 'NTLMv2'
        ? verifyNtlmV2(account.ntHash, req.userName, req.domainName, req.challenge, req.ntChallengeResponse, req.lmChallengeResponse)
        : verifyNtlmV1(account.ntHash, account.lmHash, req.challenge, req.ntChallengeResponse, req.lmChallengeResponse, req.responseKind === 'LM');
    if (!check.ok || !check.sessionBaseKey) return { status: 'STATUS_LOGON_FAILURE' };
    // Disabled is reported only after a correct password, as a DC does, so it leaks nothing to guessers.
    if (!account.enabled) return { status: 'STATUS_ACCOUNT_DISABLED' };
    return {
      status: 'STATUS_SUCCESS',
      account: { name: account.name, domain: account.domain, sid: account.sid, groups: account.groups },
      sessionBaseKey: check.sessionBaseKey,
      lmSessionKey: check.lmSessionKey,
    };
  }
}
