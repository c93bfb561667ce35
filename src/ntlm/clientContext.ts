/**
 * NtlmClientContext: the initiator state machine (MS-NLMP §3.1). Pure: no I/O; clock and
 * RNG are injected. NEGOTIATE → (CHALLENGE) → AUTHENTICATE, then session security.
 * It is the NTLM InitiatorContext (src/gss/initiator.ts): step() drives the same legs without
 * throwing on the acceptor's bytes, so SPNEGO picks NTLM like any registered mechanism.
 */
import { randomBytes as cryptoRandomBytes } from '../crypto/hash.js';
import type { InitiatorContext, InitiatorMechanism, InitiatorStep } from '../gss/initiator.js';
import type { MechanismIntegrity } from '../gss/mechanism.js';
import {
  AvId,
  avFlags,
  avString,
  encodeAvPairs,
  findAv,
  MsvAvFlagBits,
  readAvFlags,
  setAv,
  type AvPair,
} from './avPairs.js';
import { channelBindingsHash, type ChannelBindings } from './channelBindings.js';
import { NtlmDecodeError, NtlmIntegrityError, NtlmStateError } from './errors.js';
import { encodeFiletime, filetimeFromMs } from './filetime.js';
import { hasFlag, NegotiateFlags as F } from './flags.js';
import { encryptSessionKey, kxkey } from './keys.js';
import { MAX_MESSAGE_SIZE, MAX_WORKSTATION_LENGTH } from './limits.js';
import { CLIENT_DEFAULT_LM_LEVEL, clientSendsAt, isLmCompatibilityLevel, type LmCompatibilityLevel } from './lmCompatibility.js';

/** A payload field's length is 16 bits (MS-NLMP §2.2.1). */
const MAX_RESPONSE_FIELD = 0xffff;
import { encodeAuthenticate, withMic } from './messages/authenticate.js';
import { decodeChallenge, type ChallengeMessage } from './messages/challenge.js';
import { encodeNegotiate } from './messages/negotiate.js';
import { computeMic } from './mic.js';
import { OID_NTLMSSP } from './oid.js';
import { lmowfv1, ntowfv1, ntowfv2FromHash } from './owf.js';
import { computeV1EssResponses, computeV1Responses, computeV2Responses, type NtlmVersion } from './responses.js';
import { NtlmSessionSecurity } from './sessionSecurity.js';
import { OUR_VERSION, type Version } from './version.js';

export type { LmCompatibilityLevel } from './lmCompatibility.js';

export type NtlmCredentials =
  | { readonly user: string; readonly domain?: string; readonly password: string }
  | { readonly user: string; readonly domain?: string; readonly ntHash: Uint8Array; readonly lmHash?: Uint8Array }
  | { readonly anonymous: true };

export interface NtlmClientOptions {
  readonly credentials: NtlmCredentials;
  /** NetBIOS name sent as Workstation: at most 15 characters (longer names break some servers). */
  readonly workstation?: string;
  /** SPN of the target, e.g. `HTTP/web1.corp.example.test`, sent as MsvAvTargetName. */
  readonly targetSpn?: string;
  /** Channel bindings (for TLS: tls-server-end-point), or their precomputed 16-byte hash. */
  readonly channelBindings?: ChannelBindings | Uint8Array;
  /** Send an all-zero MsvAvChannelBindings when no bindings are known (Windows does; off by default, gss-ntlmssp#25). */
  readonly sendZeroChannelBindings?: boolean;
  readonly lmCompatibilityLevel?: LmCompatibilityLevel;
  /** Ask for confidentiality (NEGOTIATE_SEAL). Integrity (SIGN) is always requested. */
  readonly seal?: boolean;
  readonly version?: Version;
  readonly now?: () => number;
  readonly randomBytes?: (n: number) => Buffer;
}

export interface NtlmClientResult {
  readonly version: NtlmVersion;
  readonly flags: number;
  readonly micSent: boolean;
  readonly channelBindingsSent: boolean;
  readonly exportedSessionKey: Buffer;
  readonly challenge: ChallengeMessage;
}

type State = 'initial' | 'negotiated' | 'complete';

export class NtlmClientContext implements InitiatorContext {
  private state: State = 'initial';
  private negotiateRaw: Buffer = Buffer.alloc(0);
  private readonly requested: number;
  private readonly level: LmCompatibilityLevel;
  private readonly now: () => number;
  private readonly rand: (n: number) => Buffer;
  private _result: NtlmClientResult | undefined;
  private sessionKey: Buffer = Buffer.alloc(0);
  /** Derived from the result on first use: an HTTP logon never signs or seals (4 MD5s and 2 RC4 key schedules saved). */
  private _session: NtlmSessionSecurity | undefined;

  constructor(private readonly opts: NtlmClientOptions) {
    const ws = opts.workstation ?? '';
    if (ws.length > MAX_WORKSTATION_LENGTH) {
      throw new NtlmStateError('BAD_OPTION', `workstation name "${ws}" is longer than ${MAX_WORKSTATION_LENGTH} characters`);
    }
    const level = opts.lmCompatibilityLevel ?? CLIENT_DEFAULT_LM_LEVEL;
    if (!isLmCompatibilityLevel(level)) {
      throw new NtlmStateError('BAD_OPTION', `LmCompatibilityLevel must be 0–5, got ${String(level)}`);
    }
    this.level = level;
    this.now = opts.now ?? Date.now;
    this.rand = opts.randomBytes ?? cryptoRandomBytes;
    let flags =
      F.NEGOTIATE_UNICODE |
      F.NEGOTIATE_OEM |
      F.REQUEST_TARGET |
      F.NEGOTIATE_SIGN |
      F.NEGOTIATE_NTLM |
      F.NEGOTIATE_ALWAYS_SIGN |
      F.NEGOTIATE_VERSION |
      F.NEGOTIATE_128 |
      F.NEGOTIATE_56 |
      F.NEGOTIATE_KEY_EXCH;
    if (clientSendsAt(level, 'NTLMv1-ESS') || clientSendsAt(level, 'NTLMv2')) flags |= F.NEGOTIATE_EXTENDED_SESSIONSECURITY;
    if (opts.seal) flags |= F.NEGOTIATE_SEAL;
    this.requested = flags >>> 0;
  }

  get complete(): boolean {
    return this.state === 'complete';
  }

  get result(): NtlmClientResult {
    if (!this._result) throw new NtlmStateError('NOT_COMPLETE', 'the NTLM handshake has not completed');
    return this._result;
  }

  /** Session security with the negotiated keys (client → server direction outgoing). */
  get session(): NtlmSessionSecurity {
    if (!this._session) {
      if (!this._result) throw new NtlmStateError('NOT_COMPLETE', 'the NTLM handshake has not completed');
      this._session = new NtlmSessionSecurity(this._result.flags, this.sessionKey, 'client');
    }
    return this._session;
  }

  /**
   * The InitiatorContext legs: no token → NEGOTIATE (continue); the CHALLENGE → AUTHENTICATE
   * (complete: NTLM's initiator has nothing after it). A CHALLENGE that does not decode, or
   * cannot be answered, fails with the NtlmDecodeError as its cause.
   */
  step(token?: Buffer): InitiatorStep {
    if (this.state === 'initial' && token === undefined) return { status: 'continue', token: this.negotiate() };
    if (this.state !== 'negotiated' || token === undefined) {
      const cause = new NtlmStateError('WRONG_STATE', token === undefined ? 'NTLM expects the CHALLENGE' : `no acceptor token expected in state ${this.state}`);
      return { status: 'failed', failure: { reason: 'unexpected-message', message: cause.message, cause } };
    }
    try {
      return { status: 'complete', token: this.authenticate(token) };
    } catch (e) {
      if (!(e instanceof NtlmDecodeError)) throw e;
      return { status: 'failed', failure: { reason: 'malformed', message: e.message, cause: e } };
    }
  }

  /**
   * MS-SPNG §3.3.5.1: the mechListMIC is exchanged when the AUTHENTICATE carried a MIC; the RC4
   * state is reset after each MIC, sequence numbers carry on (pyspnego's and sspi-rs' rule).
   */
  mechListMic(): MechanismIntegrity | undefined {
    if (!this._result?.micSent) return undefined;
    const session = this.session;
    return {
      sign(message: Buffer): Buffer {
        const mic = session.sign(message);
        session.resetCipherState('out');
        return mic;
      },
      verify(message: Buffer, mic: Buffer): boolean {
        try {
          session.verify(message, mic);
        } catch (e) {
          if (e instanceof NtlmIntegrityError) return false;
          throw e;
        }
        session.resetCipherState('in');
        return true;
      },
    };
  }

  /** First leg: the NEGOTIATE message (always with the Version field, §2.2.1.1). */
  negotiate(): Buffer {
    if (this.state !== 'initial') throw new NtlmStateError('WRONG_STATE', 'NEGOTIATE was already produced');
    this.negotiateRaw = encodeNegotiate({ flags: this.requested, version: this.opts.version ?? OUR_VERSION });
    this.state = 'negotiated';
    return this.negotiateRaw;
  }

  /** Second leg: answers the server's CHALLENGE with an AUTHENTICATE (throws NtlmDecodeError on a bad one). */
  authenticate(challengeToken: Uint8Array): Buffer {
    if (this.state !== 'negotiated') throw new NtlmStateError('WRONG_STATE', 'authenticate() needs a prior negotiate()');
    const challengeRaw = Buffer.from(challengeToken);
    const chal = decodeChallenge(challengeRaw);
    const unicode = hasFlag(chal.flags, F.NEGOTIATE_UNICODE);
    let flags = (chal.flags & this.requested) | F.NEGOTIATE_VERSION | (chal.flags & F.NEGOTIATE_TARGET_INFO);
    flags = unicode ? (flags & ~F.NEGOTIATE_OEM) | F.NEGOTIATE_UNICODE : flags | F.NEGOTIATE_OEM;
    flags >>>= 0;

    const creds = this.opts.credentials;
    const workstation = this.opts.workstation ?? '';
    if ('anonymous' in creds) return this.finishAnonymous(flags | F.ANONYMOUS, chal, workstation);

    const ntHash = 'password' in creds ? ntowfv1(creds.password) : Buffer.from(creds.ntHash);
    // The LM hash only matters for NTLMv1 (LM response, LM_KEY); never derive it for NTLMv2.
    const lmHash =
      !clientSendsAt(this.level, 'NTLMv1') ? undefined : 'password' in creds ? lmowfv1(creds.password) : creds.lmHash ? Buffer.from(creds.lmHash) : undefined;
    const domain = creds.domain ?? '';
    const ess = hasFlag(flags, F.NEGOTIATE_EXTENDED_SESSIONSECURITY);

    let lm: Buffer;
    let nt: Buffer;
    let sessionBaseKey: Buffer;
    let version: NtlmVersion;
    let micWanted = false;
    let cbSent = false;
    if (clientSendsAt(this.level, 'NTLMv2')) {
      // NTLMv2 (§3.3.2). With a server timestamp: use it, send a MIC and LM = Z(24) (§3.1.5.1.2).
      const clientChallenge = this.rand(8);
      const serverTime = findAv(chal.targetInfo, AvId.MsvAvTimestamp);
      const time = serverTime ?? encodeFiletime(filetimeFromMs(this.now()));
      const pairs = this.clientAvPairs(chal.targetInfo, serverTime !== undefined);
      micWanted = serverTime !== undefined;
      cbSent = findAv(pairs, AvId.MsvAvChannelBindings) !== undefined;
      const targetInfo = encodeAvPairs(pairs);
      // The NT response echoes the server's TargetInfo plus our pairs and 48 bytes; a hostile
      // CHALLENGE near the size cap must fail as a decode error, not overflow a 16-bit field.
      if (targetInfo.length + 48 > MAX_RESPONSE_FIELD) {
        throw new NtlmDecodeError('FIELD_TOO_LONG', `CHALLENGE TargetInfo of ${chal.targetInfoRaw.length} bytes is too large to answer`);
      }
      const key = ntowfv2FromHash(ntHash, creds.user, domain);
      const r = computeV2Responses(key, chal.serverChallenge, clientChallenge, time, targetInfo);
      nt = r.ntChallengeResponse;
      lm = micWanted ? Buffer.alloc(24) : r.lmChallengeResponse;
      sessionBaseKey = r.sessionBaseKey;
      version = 'NTLMv2';
    } else if (ess) {
      const r = computeV1EssResponses(ntHash, chal.serverChallenge, this.rand(8));
      ({ ntChallengeResponse: nt, lmChallengeResponse: lm, sessionBaseKey } = r);
      version = 'NTLMv1-ESS';
    } else {
      // Level 2 sends the NT response in both fields (NoLMResponseNTLMv1); 0 and 1 send the real LM.
      const r = computeV1Responses(ntHash, this.level === 2 ? undefined : lmHash, chal.serverChallenge);
      ({ ntChallengeResponse: nt, lmChallengeResponse: lm, sessionBaseKey } = r);
      version = 'NTLMv1';
    }

    const keyExchangeKey = kxkey(flags, sessionBaseKey, lm, chal.serverChallenge, lmHash, version === 'NTLMv2');
    const { exportedSessionKey, encryptedRandomSessionKey } = this.exchangeKey(flags, keyExchangeKey);
    let auth = encodeAuthenticate({
      flags,
      lmChallengeResponse: lm,
      ntChallengeResponse: nt,
      domainName: domain,
      userName: creds.user,
      workstation,
      encryptedRandomSessionKey,
      version: this.opts.version ?? OUR_VERSION,
      mic: micWanted ? Buffer.alloc(16) : undefined,
    });
    if (auth.length > MAX_MESSAGE_SIZE) {
      throw new NtlmDecodeError('TOO_LARGE', `the AUTHENTICATE answering this CHALLENGE would be ${auth.length} bytes`);
    }
    if (micWanted) auth = withMic(auth, computeMic(exportedSessionKey, this.negotiateRaw, challengeRaw, auth));
    this.finish({ version, flags, micSent: micWanted, channelBindingsSent: cbSent, exportedSessionKey, challenge: chal });
    return auth;
  }

  /** The AV pairs the client returns: the server's, plus MsvAvFlags, bindings and the SPN. */
  private clientAvPairs(serverPairs: readonly AvPair[], mic: boolean): AvPair[] {
    let pairs: AvPair[] = [...serverPairs];
    if (mic) pairs = setAv(pairs, AvId.MsvAvFlags, avFlags(readAvFlags(serverPairs) | MsvAvFlagBits.MIC_PRESENT));
    const cb = this.opts.channelBindings;
    if (cb) {
      const hash = cb instanceof Uint8Array ? Buffer.from(cb) : channelBindingsHash(cb);
      if (hash.length !== 16) throw new NtlmStateError('BAD_OPTION', 'a channel-binding hash must be 16 bytes');
      pairs = setAv(pairs, AvId.MsvAvChannelBindings, hash);
    } else if (this.opts.sendZeroChannelBindings) {
      pairs = setAv(pairs, AvId.MsvAvChannelBindings, Buffer.alloc(16));
    }
    if (this.opts.targetSpn) pairs = setAv(pairs, AvId.MsvAvTargetName, avString(this.opts.targetSpn));
    return pairs;
  }

  private exchangeKey(flags: number, keyExchangeKey: Buffer): { exportedSessionKey: Buffer; encryptedRandomSessionKey: Buffer } {
    if (!hasFlag(flags, F.NEGOTIATE_KEY_EXCH)) return { exportedSessionKey: keyExchangeKey, encryptedRandomSessionKey: Buffer.alloc(0) };
    const exportedSessionKey = this.rand(16);
    return { exportedSessionKey, encryptedRandomSessionKey: encryptSessionKey(keyExchangeKey, exportedSessionKey) };
  }

  /** Anonymous (§3.1.5.1.2): empty user, LM = Z(1), no NT response, no MIC. */
  private finishAnonymous(flags: number, chal: ChallengeMessage, workstation: string): Buffer {
    const exportedSessionKey = Buffer.alloc(16);
    const auth = encodeAuthenticate({
      flags,
      lmChallengeResponse: Buffer.alloc(1),
      ntChallengeResponse: Buffer.alloc(0),
      domainName: '',
      userName: '',
      workstation,
      encryptedRandomSessionKey: Buffer.alloc(0),
      version: this.opts.version ?? OUR_VERSION,
    });
    this.finish({ version: 'Anonymous', flags, micSent: false, channelBindingsSent: false, exportedSessionKey, challenge: chal });
    return auth;
  }

  private finish(r: NtlmClientResult): void {
    this._result = r;
    // A copy: the caller may wipe result.exportedSessionKey before the session is first used.
    this.sessionKey = Buffer.from(r.exportedSessionKey);
    this.state = 'complete';
  }
}

/** NTLM as a registered initiator mechanism: each context gets these options. */
export function ntlmInitiator(options: NtlmClientOptions): InitiatorMechanism<NtlmClientContext> {
  return { oid: OID_NTLMSSP, name: 'NTLM', newContext: () => new NtlmClientContext(options) };
}
