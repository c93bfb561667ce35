/**
 * The JSON document `ntlmgate decode --json` prints (describe.ts builds it, render.ts draws it as
 * text, commands/decode.ts prints it). Stable: fields are only ever added.
 * Bytes are lowercase hex strings, bigints decimal strings; absent optional parts are null.
 */
import type { AvPairView } from '../ntlm/avPairs.js';
import type { NtlmVersion } from '../ntlm/responses.js';
import type { NegState } from '../spnego/tokens.js';
import type { AuthHeaderName, AuthScheme } from './tokenInput.js';

/** NegotiateFlags (MS-NLMP §2.2.2.5): `0x` + 8 hex digits, and the set flags by name in bit order. */
export interface FlagsView {
  readonly hex: string;
  readonly names: readonly string[];
}

/** VERSION (MS-NLMP §2.2.2.10); `text` is e.g. "6.1.7600 (NTLM revision 15)". */
export interface VersionView {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
  readonly revision: number;
  readonly text: string;
}

/** A SPNEGO mechanism: dotted OID and display name (the OID itself when unknown). */
export interface MechView {
  readonly oid: string;
  readonly name: string;
}

/** reqFlags ContextFlags (RFC 4178 §4.2.1): the bit mask and the names of the set bits. */
export interface ContextFlagsView {
  readonly value: number;
  readonly names: readonly string[];
}

export interface NegTokenInitView {
  readonly type: 'NegTokenInit' | 'NegTokenInit2';
  /** Wrapped in the RFC 2743 §3.1 InitialContextToken header (0x60 …). */
  readonly framed: boolean;
  readonly mechTypes: readonly MechView[];
  readonly reqFlags: ContextFlagsView | null;
  readonly mechToken: string | null;
  /** NegTokenInit2 only (MS-SPNG §2.2.1). */
  readonly negHints: { readonly hintName: string | null; readonly hintAddress: string | null } | null;
  readonly mechListMIC: string | null;
}

export interface NegTokenRespView {
  readonly type: 'NegTokenResp';
  readonly framed: boolean;
  readonly negState: NegState | null;
  readonly supportedMech: MechView | null;
  readonly responseToken: string | null;
  readonly mechListMIC: string | null;
}

export type SpnegoView = NegTokenInitView | NegTokenRespView;

export interface NegotiateView {
  readonly type: 'NEGOTIATE';
  readonly messageType: 1;
  readonly flags: FlagsView;
  /** OEM domain/workstation, null unless the *_SUPPLIED flag is set. */
  readonly domain: string | null;
  readonly workstation: string | null;
  readonly version: VersionView | null;
}

export interface ChallengeView {
  readonly type: 'CHALLENGE';
  readonly messageType: 2;
  readonly flags: FlagsView;
  readonly targetName: string;
  readonly serverChallenge: string;
  /** TargetInfo bytes as sent ('' when absent). */
  readonly targetInfo: string;
  /** TargetInfo decoded pair by pair (describeAvPair), MsvAvEOL not listed. */
  readonly avPairs: readonly AvPairView[];
  readonly version: VersionView | null;
}

/** MsvAvFlags of the client's AV pairs (MS-NLMP §2.2.2.1). */
export interface MsvAvFlagsView {
  readonly hex: string;
  /** CONSTRAINED, MIC_PRESENT, UNVERIFIED_SPN; unknown bits as 0x…. */
  readonly names: readonly string[];
  readonly micAnnounced: boolean;
}

/** NTLMv2_RESPONSE (MS-NLMP §2.2.2.8) taken apart. */
export interface NtlmV2View {
  readonly ntProofStr: string;
  /** The client challenge's FILETIME: decimal string, and as ISO 8601 UTC (null when out of range). */
  readonly timestamp: { readonly filetime: string; readonly utc: string | null };
  readonly clientChallenge: string;
  readonly avPairs: readonly AvPairView[];
  readonly msvAvFlags: MsvAvFlagsView | null;
  /** MsvAvChannelBindings: MD5 of gss_channel_bindings_struct (all zero = no bindings). */
  readonly channelBindings: string | null;
  /** MsvAvTargetName: the SPN the client meant to authenticate to. */
  readonly targetName: string | null;
}

export interface AuthenticateView {
  readonly type: 'AUTHENTICATE';
  readonly messageType: 3;
  readonly flags: FlagsView;
  readonly user: string;
  readonly domain: string;
  readonly workstation: string;
  /** classifyResponse with the message's ESS flag: what the client sent, before any check. */
  readonly responseKind: NtlmVersion;
  readonly lmResponse: string;
  readonly ntResponse: string;
  /** Present when responseKind is NTLMv2. */
  readonly ntlmv2: NtlmV2View | null;
  /** The 16 bytes at offset 72 when the layout has room for a MIC (whether or not one is announced). */
  readonly mic: string | null;
  readonly encryptedRandomSessionKey: string | null;
  readonly version: VersionView | null;
}

export type NtlmView = NegotiateView | ChallengeView | AuthenticateView;

export interface TokenView {
  /** Raw NTLMSSP message, or a SPNEGO token (whose inner token may be NTLM). */
  readonly encoding: 'ntlmssp' | 'spnego';
  /** Token length in bytes. */
  readonly length: number;
  readonly spnego: SpnegoView | null;
  /** The NTLM message; null when a SPNEGO token carries none (or a non-NTLM one). */
  readonly ntlm: NtlmView | null;
}

/** The whole `decode --json` document. */
export interface DecodeJson extends TokenView {
  readonly input: {
    readonly header: AuthHeaderName | null;
    readonly scheme: AuthScheme | null;
    readonly direction: 'client-to-server' | 'server-to-client' | null;
  };
}
