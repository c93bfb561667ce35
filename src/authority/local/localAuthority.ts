/**
 * LocalAuthority: ntlmgate as the domain controller for the accounts in an AccountStore.
 * For each logon a server passes on (MS-APDS §3.1.5), in this order:
 *
 * 1. Name the account from the names alone (resolve.ts): a local account of the
 *    requesting server, or a domain account.
 * 2. Policy. Domain accounts go through the DC's decision (decideDomain: RestrictNTLMInDomain,
 *    AuditNTLMInDomain, DCAllowedNTLMServers against the requesting server) and then
 *    LmCompatibilityLevel; local accounts never reach a DC on Windows, so only
 *    LmCompatibilityLevel applies to them. A block ends here: STATUS_NTLM_BLOCKED (or
 *    STATUS_LOGON_FAILURE for a refused response class) without touching any counter.
 * 3. The account: one lookup, then the response check against its NT hash, or against a
 *    random hash when there is no such account, so both cost the same HMACs. Then lockout
 *    (a locked account is refused even with the right password), the password, and only
 *    after a correct password "disabled". Unknown users and wrong passwords both answer
 *    STATUS_LOGON_FAILURE. Every failure takes one lockout transaction (SELECT … FOR UPDATE,
 *    UPDATE): a wrong password counts on the account's row under its row lock; an unknown
 *    user, a locked account and a disabled one (right password) write one shared row instead
 *    (no per-name counter exists, and their own rows have nothing to count) — so no failure
 *    kind answers faster than another.
 * 4. The decision's events (4004/8004, 4005/8005, the 4030–4033 usage events with the final
 *    NTSTATUS) are written through the AuditSink and awaited before the answer, so nothing
 *    depending on them is answered unrecorded. If they cannot be written the logon fails
 *    (AuthorityError audit-failed; the acceptor reports authority-error).
 *
 * Residual signal, as in AD: STATUS_ACCOUNT_LOCKED_OUT tells a guesser that an account
 * exists once it has locked it; missing accounts never lock.
 */
import { randomBytes } from 'node:crypto';
import type { AuditSink } from '../../audit/sink.js';
import { buildEvent, type EventSpec } from '../../events/index.js';
import type { AuthorityStatus, NtlmAuthority, NtlmValidationRequest, NtlmValidationResult } from '../../ntlm/authority.js';
import type { PolicyDecision } from '../../policy/decision.js';
import { decideSecurity } from '../../policy/decide/security.js';
import { evaluate } from '../../policy/evaluate.js';
import { hexInt } from '../../policy/events.js';
import { acceptorAccepts } from '../../policy/lmCompatibility.js';
import type { NtlmPolicy } from '../../policy/policy.js';
import type { DomainRequest, MachineIdentity } from '../../policy/requests.js';
import type { Account, AccountStore } from './accountStore.js';
import { domainRequestOf } from './domainRequest.js';
import { AccountStoreError, AuthorityError, errorText } from '../errors.js';
import { afterFailure, afterSuccess, currentLockout, isLockedOut, lockoutPolicy, type LockoutPolicy } from './lockout.js';
import { netbiosProblem, qualified } from '../names.js';
import { NTSTATUS } from '../ntstatus.js';
import { resolveAccount, type DomainNames, type ResolvedAccount } from './resolve.js';
import { verifyResponse } from './verify.js';

export interface LocalAuthorityOptions {
  readonly store: AccountStore;
  /** The domain this authority is the DC of. */
  readonly domain: DomainNames;
  readonly policy: NtlmPolicy;
  /** Where the policy's events go; without one, none are written. */
  readonly audit?: AuditSink;
  /** This DC's NetBIOS name (SChannelName / Hostname when the DC is the target itself; System/Computer of the events). */
  readonly dcName: string;
  readonly lockout: LockoutPolicy;
  readonly now?: () => number;
}

/** Usage events whose Status carries the logon's final NTSTATUS. */
const USAGE_EVENTS = new Set([4030, 4031, 4032, 4033]);

interface Outcome {
  readonly result: NtlmValidationResult;
  /** What the DC knows (NO_SUCH_USER, WRONG_PASSWORD, …): written to the audit log, never returned. */
  readonly detail: AuthorityStatus;
}

const refused = (detail: AuthorityStatus, status: AuthorityStatus = detail): Outcome => ({ result: { status }, detail });

export class LocalAuthority implements NtlmAuthority {
  private readonly store: AccountStore;
  private readonly policy: NtlmPolicy;
  private readonly audit: AuditSink | undefined;
  private readonly domain: DomainNames;
  private readonly dcName: string;
  private readonly dc: MachineIdentity;
  private readonly lockout: LockoutPolicy;
  private readonly now: () => number;
  /** Checked against when the account does not exist: random, so no password can match it. */
  private readonly dummyHash = randomBytes(16);

  constructor(options: LocalAuthorityOptions) {
    const problems: string[] = [];
    const domainProblem = netbiosProblem(options.domain.netbios);
    if (domainProblem) problems.push(`domain.netbios ${JSON.stringify(options.domain.netbios)} ${domainProblem}`);
    const dcProblem = netbiosProblem(options.dcName);
    if (dcProblem) problems.push(`dcName ${JSON.stringify(options.dcName)} ${dcProblem}`);
    if (problems.length > 0) throw new AuthorityError('bad-option', problems.join('; '));
    this.lockout = lockoutPolicy(options.lockout);
    this.store = options.store;
    this.policy = options.policy;
    this.audit = options.audit;
    this.domain = { netbios: options.domain.netbios, dns: options.domain.dns };
    this.dcName = options.dcName;
    this.now = options.now ?? Date.now;
    this.dc = {
      netbiosComputerName: options.dcName,
      netbiosDomainName: options.domain.netbios,
      dnsDomainName: options.domain.dns,
      dnsComputerName: options.domain.dns ? `${options.dcName.toLowerCase()}.${options.domain.dns}` : undefined,
    };
  }

  async validate(req: NtlmValidationRequest): Promise<NtlmValidationResult> {
    const now = this.now();
    const account = resolveAccount(req, this.domain, this.dcName);
    const request = domainRequestOf(req, account, this.dc);
    const decision = this.decide(account, request);
    if (decision.action === 'block') {
      const status: AuthorityStatus = decision.setting === 'RestrictNTLMInDomain' ? 'STATUS_NTLM_BLOCKED' : 'STATUS_LOGON_FAILURE';
      await this.record(decision, req, now, status);
      return { status };
    }
    const outcome = await this.logon(req, account, now);
    await this.record(decision, req, now, outcome.detail);
    return outcome.result;
  }

  /** Domain accounts: the DC's decision then the response class. Local accounts: the response class only. */
  private decide(account: ResolvedAccount, request: DomainRequest): PolicyDecision {
    if (account.kind === 'domain') return evaluate(this.policy, { direction: 'domain', request }).decision;
    return decideSecurity(this.policy, { side: 'dc', ...request });
  }

  private async logon(req: NtlmValidationRequest, resolved: ResolvedAccount, now: number): Promise<Outcome> {
    const account = await this.storeCall(() => this.store.getAccount(resolved.key), `looking up ${qualified(resolved.key)}`);
    // The same verification whether or not the account exists (equal HMAC work, constant-time compare).
    const check = verifyResponse(account?.ntHash ?? this.dummyHash, req, acceptorAccepts(this.policy, 'LM'));
    if (!account) {
      await this.storeCall(() => this.store.recordUnknownFailure(now), 'recording a failed logon');
      return refused('STATUS_NO_SUCH_USER', 'STATUS_LOGON_FAILURE');
    }
    const locked = isLockedOut(currentLockout(account.lockout, this.lockout, now), now);
    const rightPassword = check.ok && check.sessionBaseKey !== undefined;
    if (!locked && !rightPassword) {
      await this.storeCall(() => this.store.updateLockout(account, (s) => afterFailure(s, this.lockout, now)), `counting a bad password for ${qualified(account)}`);
      return refused('STATUS_WRONG_PASSWORD', 'STATUS_LOGON_FAILURE');
    }
    if (locked || !account.enabled) {
      // Nothing to count on the account (a locked one counts no more; a disabled one had the right
      // password), yet the shared row takes the write an unknown user's takes, so a locked or disabled
      // account answers no sooner than a missing one or a wrong password (docs/authority.md).
      await this.storeCall(() => this.store.recordUnknownFailure(now), `recording a failed logon of ${qualified(account)}`);
      // Locked whatever the password, as in AD; disabled only once the password was right.
      return refused(locked ? 'STATUS_ACCOUNT_LOCKED_OUT' : 'STATUS_ACCOUNT_DISABLED');
    }
    if (account.lockout.failedCount > 0 || account.lockout.lockedUntil !== undefined) {
      // A lock another gateway set meanwhile stays; otherwise the counter goes back to 0.
      await this.storeCall(() => this.store.updateLockout(account, (s) => (isLockedOut(s, now) ? s : afterSuccess())), `resetting the bad-password count of ${qualified(account)}`);
    }
    return {
      result: { status: 'STATUS_SUCCESS', account: accountInfo(account), sessionBaseKey: check.sessionBaseKey, lmSessionKey: check.lmSessionKey },
      detail: 'STATUS_SUCCESS',
    };
  }

  /** Writes the decision's events, the usage events carrying the final status, and waits until they are durable. */
  private async record(decision: PolicyDecision, req: NtlmValidationRequest, now: number, status: AuthorityStatus): Promise<void> {
    if (!this.audit || decision.events.length === 0) return;
    const events = decision.events.map((spec) =>
      buildEvent(withStatus(spec, status), {
        time: now,
        computer: this.dc.dnsComputerName ?? this.dcName,
        context: { decision: decision.action, setting: decision.setting, reason: decision.reason, ntlmVersion: req.responseKind, attemptId: req.attemptId, status },
      }),
    );
    try {
      await this.audit.write(events);
    } catch (e) {
      throw new AuthorityError('audit-failed', `the audit events of this logon could not be written, so it is not answered: ${errorText(e)}`, { cause: e });
    }
  }

  private async storeCall<T>(fn: () => Promise<T>, what: string): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof AccountStoreError) throw new AuthorityError('store-failed', `account store ${this.store.location}: ${what}: ${e.message}`, { cause: e });
      throw e;
    }
  }
}

function withStatus(spec: EventSpec, status: AuthorityStatus): EventSpec {
  return USAGE_EVENTS.has(spec.eventId) ? { eventId: spec.eventId, data: { ...spec.data, Status: hexInt(NTSTATUS[status]) } } : spec;
}

function accountInfo(a: Account): { name: string; domain: string; sid: string; groups: readonly string[] } {
  return { name: a.name, domain: a.domain, sid: a.sid, groups: a.groups };
}
