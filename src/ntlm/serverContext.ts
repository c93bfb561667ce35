/**
 * NtlmServerContext: the acceptor (MS-NLMP §3.2). Builds the CHALLENGE, then checks the
 * AUTHENTICATE the way a hardened server does (Samba's ntlmssp_server.c is the model):
 * challenge age and single use, AV-pair echo, channel bindings, target name, the response
 * through the injected Authority, and the MIC. The response proof is always checked; the
 * MIC is additional to it, never a substitute (the sspi-rs / FreeRDP#6082 flaw).
 */
import { constantTimeEqual, randomBytes as cryptoRandomBytes } from '../crypto/hash.js';
import type { ChannelBindingMode } from '../gss/mechanism.js';
import type { AccountInfo, AuthorityStatus, NtlmAuthority } from './authority.js';
import { AvId, avString, avTimestamp, findAv, MsvAvFlagBits, readAvFlags, readAvString, type AvPair } from './avPairs.js';
import { channelBindingsHash, isZeroBinding, type ChannelBindings } from './channelBindings.js';
import { NtlmDecodeError, NtlmStateError } from './errors.js';
import { filetimeFromMs } from './filetime.js';
import type { MachineIdentity } from './machineIdentity.js';
import { hasFlag, NegotiateFlags as F } from './flags.js';
import { exportedSessionKeyFor, kxkey } from './keys.js';
import { decodeAuthenticate, type AuthenticateMessage } from './messages/authenticate.js';
import { encodeChallenge } from './messages/challenge.js';
import { decodeNegotiate } from './messages/negotiate.js';
import { computeMic } from './mic.js';
import { classifyResponse, essChallenge, parseNtlmV2Response, type NtlmVersion } from './responses.js';
import { ACCEPTOR_DEFAULT_LM_LEVEL, acceptorAcceptsAt, isLmCompatibilityLevel, type LmCompatibilityLevel } from './lmCompatibility.js';
import { NtlmSessionSecurity } from './sessionSecurity.js';
import { OUR_VERSION, type Version } from './version.js';

/** Extended Protection modes (IIS: Off / Accept / Require), as gss names them for every mechanism. */
export type { ChannelBindingMode };

/** The server's names (MachineIdentity) go into the CHALLENGE's target name and AV pairs. */
export interface NtlmServerOptions extends MachineIdentity {
  readonly authority: NtlmAuthority;
  /** Acceptor LmCompatibilityLevel: 0–3 accept all, 4 refuses LM, 5 (default) refuses LM and NTLMv1. */
  readonly lmCompatibilityLevel?: LmCompatibilityLevel;
  readonly allowAnonymous?: boolean;
  /** How long a CHALLENGE stays valid (default 5 minutes). */
  readonly challengeLifetimeMs?: number;
  /** Channel bindings: the mode and what this end of the channel expects (or its 16-byte hash). */
  readonly channelBindings?: { readonly mode: ChannelBindingMode; readonly expected?: ChannelBindings | Uint8Array };
  /** Accepted MsvAvTargetName values (SPNs, compared case-insensitively); `require` fails a logon without one. */
  readonly targetNames?: { readonly names: readonly string[]; readonly require?: boolean };
  /** Refuse NTLMv2 logons that carry no MIC (off by default: curl and older clients send none). */
  readonly requireMic?: boolean;
  readonly version?: Version;
  readonly now?: () => number;
  readonly randomBytes?: (n: number) => Buffer;
}

export type NtlmFailureReason =
  | 'malformed'
  | 'unexpected-message'
  | 'challenge-expired'
  | 'challenge-reused'
  | 'anonymous-refused'
  | 'lm-refused'
  | 'ntlmv1-refused'
  | 'av-pair-mismatch'
  | 'mic-missing'
  | 'mic-mismatch'
  | 'channel-binding-missing'
  | 'channel-binding-mismatch'
  | 'target-name-missing'
  | 'target-name-mismatch'
  | 'logon-failure'
  | 'authority-error';

/** What policy and audit need to know about the client, whether or not it logged on. */
export interface NtlmLogonInfo {
  readonly user: string;
  readonly domain: string;
  readonly workstation: string;
  readonly version: NtlmVersion;
  readonly flags: number;
  readonly micPresent: boolean;
  readonly channelBindings: 'absent' | 'zero' | 'present';
  readonly targetName?: string;
  readonly clientVersion?: Version;
}

export interface NtlmFailure {
  readonly reason: NtlmFailureReason;
  readonly message: string;
  /** The authority's status when it answered (logon-failure). */
  readonly status?: AuthorityStatus;
  readonly decodeCode?: string;
  readonly logon?: NtlmLogonInfo;
}

export interface NtlmSessionKeys {
  readonly sessionBaseKey: Buffer;
  readonly keyExchangeKey: Buffer;
  readonly exportedSessionKey: Buffer;
}

export interface NtlmAcceptResult extends NtlmLogonInfo {
  readonly account: AccountInfo;
  readonly anonymous: boolean;
  /** Channel bindings verified against what the server expected. */
  readonly channelBindingsVerified: boolean;
  readonly sessionKeys: NtlmSessionKeys;
}

export type NtlmServerStep =
  | { readonly status: 'continue'; readonly token: Buffer }
  | { readonly status: 'complete'; readonly result: NtlmAcceptResult }
  | { readonly status: 'failed'; readonly failure: NtlmFailure };

type State = 'initial' | 'challenged' | 'done';

const DEFAULT_LIFETIME_MS = 5 * 60 * 1000;

// eslint-disable-next-line no-control-regex -- U+0000 is one of the characters looked for
const UNREPRESENTABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first name field holding U+0000 or a lone surrogate. Windows names are counted UTF-16
 * strings of real characters: an embedded NUL would end the name for a C-string peer (Samba)
 * and not for a counted-string one (LSA), so the two would disagree on who logs on.
 */
function unrepresentableName(auth: AuthenticateMessage): 'user name' | 'domain name' | 'workstation name' | undefined {
  if (UNREPRESENTABLE.test(auth.userName)) return 'user name';
  if (UNREPRESENTABLE.test(auth.domainName)) return 'domain name';
  if (UNREPRESENTABLE.test(auth.workstation)) return 'workstation name';
  return undefined;
}

class Refusal extends Error {
  constructor(
    readonly reason: NtlmFailureReason,
    message: string,
    readonly status?: AuthorityStatus,
  ) {
    super(message);
  }
}

export class NtlmServerContext {
  private state: State = 'initial';
  private negotiateRaw: Buffer = Buffer.alloc(0);
  private challengeRaw: Buffer = Buffer.alloc(0);
  private serverChallenge: Buffer = Buffer.alloc(0);
  private challengeFlags = 0;
  private targetInfo: AvPair[] = [];
  private issuedAt = 0;
  private readonly now: () => number;
  private readonly rand: (n: number) => Buffer;
  private _result: NtlmAcceptResult | undefined;
  private _session: NtlmSessionSecurity | undefined;
  /** What the session is derived from; derived on first use (HTTP never signs or seals, so its 4 MD5s and 2 RC4 key schedules are skipped). */
  private sessionSource: { readonly flags: number; readonly key: Buffer } | undefined;

  constructor(private readonly opts: NtlmServerOptions) {
    this.now = opts.now ?? Date.now;
    this.rand = opts.randomBytes ?? cryptoRandomBytes;
    const level = opts.lmCompatibilityLevel ?? ACCEPTOR_DEFAULT_LM_LEVEL;
    if (!isLmCompatibilityLevel(level)) {
      throw new NtlmStateError('BAD_OPTION', `LmCompatibilityLevel must be 0–5, got ${String(level)}`);
    }
  }

  get complete(): boolean {
    return this._result !== undefined;
  }

  get result(): NtlmAcceptResult {
    if (!this._result) throw new NtlmStateError('NOT_COMPLETE', 'the NTLM handshake has not completed');
    return this._result;
  }

  get session(): NtlmSessionSecurity {
    if (!this._session) {
      if (!this.sessionSource) throw new NtlmStateError('NOT_COMPLETE', 'the NTLM handshake has not completed');
      this._session = new NtlmSessionSecurity(this.sessionSource.flags, this.sessionSource.key, 'server');
    }
    return this._session;
  }

  /** Feeds the next client token: NEGOTIATE first, then AUTHENTICATE. Never throws on peer bytes. */
  async step(token: Uint8Array): Promise<NtlmServerStep> {
    try {
      if (this.state === 'initial') return { status: 'continue', token: this.challenge(token) };
      if (this.state === 'challenged') return await this.accept(token);
      return this.fail(new Refusal('challenge-reused', 'this challenge has already been answered'));
    } catch (e) {
      if (e instanceof Refusal) return this.fail(e);
      if (e instanceof NtlmDecodeError) {
        this.state = 'done';
        return { status: 'failed', failure: { reason: 'malformed', message: e.message, decodeCode: e.code } };
      }
      throw e;
    }
  }

  /** §3.2.5.1.1: picks flags from the client's NEGOTIATE and issues a fresh challenge. */
  private challenge(token: Uint8Array): Buffer {
    this.negotiateRaw = Buffer.from(token);
    const neg = decodeNegotiate(this.negotiateRaw);
    const o = this.opts;
    const level = o.lmCompatibilityLevel ?? ACCEPTOR_DEFAULT_LM_LEVEL;
    let flags = F.NEGOTIATE_NTLM | F.NEGOTIATE_TARGET_INFO | F.NEGOTIATE_VERSION;
    if (hasFlag(neg.flags, F.NEGOTIATE_UNICODE)) flags |= F.NEGOTIATE_UNICODE;
    else if (hasFlag(neg.flags, F.NEGOTIATE_OEM)) flags |= F.NEGOTIATE_OEM;
    else throw new Refusal('malformed', 'the client offers neither Unicode nor OEM strings');
    if (hasFlag(neg.flags, F.REQUEST_TARGET)) flags |= F.REQUEST_TARGET;
    const isDomain = o.netbiosDomainName.toUpperCase() !== o.netbiosComputerName.toUpperCase();
    flags |= isDomain ? F.TARGET_TYPE_DOMAIN : F.TARGET_TYPE_SERVER;
    // Echo what the client asks for among the session-security bits (impacket#1826: SIGN must be echoed).
    flags |=
      neg.flags &
      (F.NEGOTIATE_SIGN | F.NEGOTIATE_SEAL | F.NEGOTIATE_ALWAYS_SIGN | F.NEGOTIATE_KEY_EXCH | F.NEGOTIATE_128 | F.NEGOTIATE_56);
    if (hasFlag(neg.flags, F.NEGOTIATE_EXTENDED_SESSIONSECURITY)) flags |= F.NEGOTIATE_EXTENDED_SESSIONSECURITY;
    else if (hasFlag(neg.flags, F.NEGOTIATE_LM_KEY) && acceptorAcceptsAt(level, 'NTLMv1')) flags |= F.NEGOTIATE_LM_KEY;
    this.challengeFlags = flags >>> 0;

    this.serverChallenge = this.rand(8);
    this.issuedAt = this.now();
    // No MsvAvFlags in the CHALLENGE: a zero one broke Windows 10 MICs (gss-ntlmssp#98).
    const info: AvPair[] = [
      { id: AvId.MsvAvNbDomainName, value: avString(o.netbiosDomainName) },
      { id: AvId.MsvAvNbComputerName, value: avString(o.netbiosComputerName) },
    ];
    if (o.dnsDomainName) info.push({ id: AvId.MsvAvDnsDomainName, value: avString(o.dnsDomainName) });
    if (o.dnsComputerName) info.push({ id: AvId.MsvAvDnsComputerName, value: avString(o.dnsComputerName) });
    if (o.dnsTreeName) info.push({ id: AvId.MsvAvDnsTreeName, value: avString(o.dnsTreeName) });
    info.push({ id: AvId.MsvAvTimestamp, value: avTimestamp(filetimeFromMs(this.issuedAt)) });
    this.targetInfo = info;
    this.challengeRaw = encodeChallenge({
      flags: this.challengeFlags,
      targetName: isDomain ? o.netbiosDomainName : o.netbiosComputerName,
      serverChallenge: this.serverChallenge,
      targetInfo: info,
      version: o.version ?? OUR_VERSION,
    });
    this.state = 'challenged';
    return this.challengeRaw;
  }

  /** §3.2.5.1.2: every check, in an order that costs the authority (and lockout counters) nothing for relayed or stale tokens. */
  private async accept(token: Uint8Array): Promise<NtlmServerStep> {
    // Single use: whatever happens next, this challenge is spent.
    this.state = 'done';
    const auth = decodeAuthenticate(token);
    const age = this.now() - this.issuedAt;
    const lifetime = this.opts.challengeLifetimeMs ?? DEFAULT_LIFETIME_MS;
    if (age > lifetime || age < 0) throw new Refusal('challenge-expired', `challenge is ${age} ms old (limit ${lifetime} ms)`);

    // Only bits we offered count: a client cannot add, say, KEY_EXCH or ESS afterwards.
    const flags = (auth.flags & (this.challengeFlags | F.ANONYMOUS)) >>> 0;
    const ess = hasFlag(flags, F.NEGOTIATE_EXTENDED_SESSIONSECURITY);
    const kind = classifyResponse(auth.lmChallengeResponse, auth.ntChallengeResponse, ess);
    const level = this.opts.lmCompatibilityLevel ?? ACCEPTOR_DEFAULT_LM_LEVEL;
    let info: NtlmLogonInfo = this.logonInfo(auth, kind, flags, [], false);
    const badName = unrepresentableName(auth);
    // Refused before the authority: no password is checked, so no guess is answered or counted.
    const nameRefusal = badName && new Refusal('logon-failure', `the ${badName} holds U+0000 or a lone surrogate, which no Windows name can`, 'STATUS_LOGON_FAILURE');
    if (kind === 'Anonymous' && auth.userName === '') return nameRefusal ? this.fail(nameRefusal, info) : this.acceptAnonymous(auth, flags);

    try {
      // Empty responses with a user name: nothing to check, so nothing to accept.
      if (kind === 'Anonymous') throw new Refusal('logon-failure', `no challenge response for user "${auth.userName}"`, 'STATUS_LOGON_FAILURE');
      if (kind === 'LM' && !acceptorAcceptsAt(level, kind)) throw new Refusal('lm-refused', `an LM response is refused at LmCompatibilityLevel ${level}`);
      if ((kind === 'NTLMv1' || kind === 'NTLMv1-ESS') && !acceptorAcceptsAt(level, kind)) {
        throw new Refusal('ntlmv1-refused', `an ${kind} response is refused at LmCompatibilityLevel ${level}`);
      }
      let challenge = this.serverChallenge;
      let micPresent = false;
      if (kind === 'NTLMv2') {
        const v2 = parseNtlmV2Response(auth.ntChallengeResponse);
        micPresent = (readAvFlags(v2.avPairs) & MsvAvFlagBits.MIC_PRESENT) !== 0;
        info = this.logonInfo(auth, kind, flags, v2.avPairs, micPresent);
        this.checkEcho(v2.avPairs);
        this.checkTargetName(v2.avPairs);
        this.checkChannelBindings(v2.avPairs);
        if (!micPresent && this.opts.requireMic) throw new Refusal('mic-missing', 'the client sent no MIC and one is required');
        if (micPresent && auth.micOffset === undefined) throw new Refusal('mic-missing', 'MsvAvFlags announces a MIC but the message has no room for one');
      } else if (kind === 'NTLMv1-ESS') {
        challenge = essChallenge(this.serverChallenge, auth.lmChallengeResponse.subarray(0, 8));
      }
      if (nameRefusal) throw nameRefusal;

      let v;
      try {
        v = await this.opts.authority.validate({
          userName: auth.userName,
          domainName: auth.domainName,
          workstation: auth.workstation,
          challenge,
          lmChallengeResponse: auth.lmChallengeResponse,
          ntChallengeResponse: auth.ntChallengeResponse,
          responseKind: kind,
          server: {
            netbiosName: this.opts.netbiosComputerName,
            netbiosDomainName: this.opts.netbiosDomainName,
            dnsName: this.opts.dnsComputerName,
          },
        });
      } catch (e) {
        throw new Refusal('authority-error', `the authority failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (v.status !== 'STATUS_SUCCESS' || !v.sessionBaseKey || !v.account) {
        throw new Refusal('logon-failure', `the authority refused the logon (${v.status})`, v.status);
      }

      // LM_KEY derives the key from the LM response (§3.4.5.1): it must be a full 24-byte response.
      if (kind !== 'NTLMv2' && hasFlag(flags, F.NEGOTIATE_LM_KEY) && auth.lmChallengeResponse.length !== 24) {
        throw new Refusal('malformed', `NEGOTIATE_LM_KEY with an LM response of ${auth.lmChallengeResponse.length} bytes`);
      }
      const keyExchangeKey = kxkey(flags, v.sessionBaseKey, auth.lmChallengeResponse, this.serverChallenge, v.lmSessionKey, kind === 'NTLMv2');
      const exportedSessionKey = exportedSessionKeyFor(flags, keyExchangeKey, auth.encryptedRandomSessionKey);
      if (micPresent) {
        const expected = computeMic(exportedSessionKey, this.negotiateRaw, this.challengeRaw, auth.raw, auth.micOffset);
        if (!auth.mic || !constantTimeEqual(expected, auth.mic)) throw new Refusal('mic-mismatch', 'the AUTHENTICATE MIC does not verify');
      }
      const cbState = info.channelBindings;
      const result: NtlmAcceptResult = {
        ...info,
        account: v.account,
        anonymous: false,
        channelBindingsVerified: cbState === 'present' && (this.opts.channelBindings?.mode ?? 'ignore') !== 'ignore',
        sessionKeys: { sessionBaseKey: v.sessionBaseKey, keyExchangeKey, exportedSessionKey },
      };
      this._result = result;
      // A copy: the caller may wipe result.sessionKeys before the session is first used.
      this.sessionSource = { flags, key: Buffer.from(exportedSessionKey) };
      return { status: 'complete', result };
    } catch (e) {
      if (e instanceof Refusal) return this.fail(e, info);
      throw e;
    }
  }

  /** Every AV pair we sent must come back unchanged, the timestamp included (Samba's preauth check). */
  private checkEcho(clientPairs: readonly AvPair[]): void {
    for (const sent of this.targetInfo) {
      const got = findAv(clientPairs, sent.id);
      if (!got || !got.equals(sent.value)) {
        throw new Refusal('av-pair-mismatch', `AV pair ${sent.id} sent in the CHALLENGE is missing or altered in the response`);
      }
    }
  }

  private checkTargetName(pairs: readonly AvPair[]): void {
    const cfg = this.opts.targetNames;
    if (!cfg || cfg.names.length === 0) return;
    const name = readAvString(pairs, AvId.MsvAvTargetName);
    if (name === undefined || name === '') {
      if (cfg.require) throw new Refusal('target-name-missing', 'the client sent no MsvAvTargetName and one is required');
      return;
    }
    const lower = name.toLowerCase();
    if (!cfg.names.some((n) => n.toLowerCase() === lower)) {
      throw new Refusal('target-name-mismatch', `MsvAvTargetName "${name}" is not one of this server's names`);
    }
  }

  /** MS-NLMP §3.2.5.1.2: absent or all-zero bindings are "none"; Accept allows none, Require does not. */
  private checkChannelBindings(pairs: readonly AvPair[]): void {
    const cfg = this.opts.channelBindings;
    const mode = cfg?.mode ?? 'ignore';
    if (mode === 'ignore') return;
    const got = findAv(pairs, AvId.MsvAvChannelBindings);
    const none = !got || isZeroBinding(got);
    if (none) {
      if (mode === 'require') throw new Refusal('channel-binding-missing', 'channel bindings are required but the client sent none');
      return;
    }
    if (!cfg?.expected) {
      if (mode === 'require') throw new Refusal('channel-binding-mismatch', 'no channel to bind to (not TLS), yet bindings are required');
      return;
    }
    const expected = cfg.expected instanceof Uint8Array ? Buffer.from(cfg.expected) : channelBindingsHash(cfg.expected);
    if (!constantTimeEqual(expected, got)) throw new Refusal('channel-binding-mismatch', 'channel bindings do not match this TLS channel');
  }

  private acceptAnonymous(auth: AuthenticateMessage, flags: number): NtlmServerStep {
    const info = this.logonInfo(auth, 'Anonymous', flags, [], false);
    if (!this.opts.allowAnonymous) return this.fail(new Refusal('anonymous-refused', 'anonymous logons are not allowed'), info);
    const zero = Buffer.alloc(16);
    const result: NtlmAcceptResult = {
      ...info,
      account: { name: 'ANONYMOUS LOGON', domain: 'NT AUTHORITY', sid: 'S-1-5-7' },
      anonymous: true,
      channelBindingsVerified: false,
      sessionKeys: { sessionBaseKey: zero, keyExchangeKey: zero, exportedSessionKey: zero },
    };
    this._result = result;
    return { status: 'complete', result };
  }

  private logonInfo(auth: AuthenticateMessage, version: NtlmVersion, flags: number, pairs: readonly AvPair[], micPresent: boolean): NtlmLogonInfo {
    const cb = findAv(pairs, AvId.MsvAvChannelBindings);
    return {
      user: auth.userName,
      domain: auth.domainName,
      workstation: auth.workstation,
      version,
      flags,
      micPresent,
      channelBindings: !cb ? 'absent' : isZeroBinding(cb) ? 'zero' : 'present',
      targetName: readAvString(pairs, AvId.MsvAvTargetName),
      clientVersion: auth.version,
    };
  }

  private fail(e: Refusal, logon?: NtlmLogonInfo): NtlmServerStep {
    this.state = 'done';
    return { status: 'failed', failure: { reason: e.reason, message: e.message, status: e.status, logon } };
  }
}
