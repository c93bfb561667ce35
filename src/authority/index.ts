/**
 * Who can log on: the authorities the NTLM acceptor validates through. `Authority` is the
 * acceptor's NtlmAuthority interface; LocalAuthority is ntlmgate acting as the domain
 * controller for the accounts of an AccountStore (SQLite or PostgreSQL); MemoryAuthority
 * is the small in-memory one for tests and examples.
 */
export type { NtlmAuthority as Authority, NtlmAuthority, NtlmValidationRequest, NtlmValidationResult, AuthorityStatus, AccountInfo } from '../ntlm/authority.js';
export { LocalAuthority, type LocalAuthorityOptions } from './local/localAuthority.js';
export { MemoryAuthority, type MemoryAccount, type AddAccountOptions } from './memoryAuthority.js';
export type { Account, AccountFilter, AccountKey, AccountStore, AccountSummary, AddAccountsOptions, AddAccountsResult, Group, NewAccount } from './local/accountStore.js';
export { openAccountStore, DEFAULT_ACCOUNTS_URL, redactStoreUrl, type OpenAccountStoreOptions } from './local/openAccountStore.js';
export { AccountStoreError, AuthorityError, type AccountStoreErrorCode, type AuthorityErrorCode } from './errors.js';
export { afterFailure, afterSuccess, currentLockout, isLockedOut, lockoutPolicy, FOREVER, UNLOCKED, type LockoutPolicy, type LockoutState } from './local/lockout.js';
export { accountSid, isDomainSid, newDomainSid, splitSid, FIRST_RID } from './local/sid.js';
export { ntHashOfPassword, parseNtHashHex, ntHashHexProblem, EMPTY_PASSWORD_NT_HASH } from './local/ntHash.js';
export { accountNameProblem, netbiosProblem, parseQualified, qualified } from './names.js';
export { resolveAccount, type DomainNames, type ResolvedAccount } from './local/resolve.js';
export { NTSTATUS } from './ntstatus.js';
