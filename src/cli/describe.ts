/**
 * Token bytes → a display-ready, JSON-safe view (hex strings for bytes, strings for
 * bigints). Pure: no I/O, so `ntlmgate decode`, `ntlmgate demo` and tests share it.
 * The shapes are defined (and documented) in decodeViews.ts.
 */
import { AvId, describeAvPair, findAv, MsvAvFlagBits, readAvFlags, readAvString, type AvPair } from '../ntlm/avPairs.js';
import { NtlmDecodeError } from '../ntlm/errors.js';
import { msFromFiletime } from '../ntlm/filetime.js';
import { flagNames, hasFlag, NegotiateFlags } from '../ntlm/flags.js';
import { decodeMessage } from '../ntlm/messages/index.js';
import { classifyResponse, parseNtlmV2Response } from '../ntlm/responses.js';
import { formatVersion, type Version } from '../ntlm/version.js';
import { mechName } from '../spnego/oids.js';
import { ContextFlag, decodeNegotiationToken, isRawNtlmssp } from '../spnego/tokens.js';
import type {
  AuthenticateView,
  ContextFlagsView,
  DecodeJson,
  FlagsView,
  MechView,
  MsvAvFlagsView,
  NtlmV2View,
  NtlmView,
  SpnegoView,
  TokenView,
  VersionView,
} from './decodeViews.js';
import { parseTokenInput } from './tokenInput.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const hexOrNull = (b: Uint8Array | undefined): string | null => (b === undefined ? null : hex(b));

export function flagsView(flags: number): FlagsView {
  return { hex: `0x${(flags >>> 0).toString(16).padStart(8, '0')}`, names: flagNames(flags) };
}

function versionView(v: Version | undefined): VersionView | null {
  return v ? { major: v.major, minor: v.minor, build: v.build, revision: v.revision, text: formatVersion(v) } : null;
}

function mechView(oid: string): MechView {
  return { oid, name: mechName(oid) };
}

const CONTEXT_FLAG_NAMES = Object.entries(ContextFlag) as [string, number][];

function contextFlagsView(v: number): ContextFlagsView {
  return { value: v, names: CONTEXT_FLAG_NAMES.filter(([, bit]) => (v & bit) !== 0).map(([name]) => name) };
}

const MSV_AV_FLAG_NAMES = Object.entries(MsvAvFlagBits) as [string, number][];

function msvAvFlagsView(pairs: readonly AvPair[]): MsvAvFlagsView | null {
  if (findAv(pairs, AvId.MsvAvFlags) === undefined) return null;
  const v = readAvFlags(pairs) >>> 0;
  const names = MSV_AV_FLAG_NAMES.filter(([, bit]) => (v & bit) !== 0).map(([name]) => name);
  const known = MSV_AV_FLAG_NAMES.reduce((acc, [, bit]) => acc | bit, 0);
  const unknown = (v & ~known) >>> 0;
  if (unknown !== 0) names.push(`0x${unknown.toString(16).padStart(8, '0')}`);
  return { hex: `0x${v.toString(16).padStart(8, '0')}`, names, micAnnounced: (v & MsvAvFlagBits.MIC_PRESENT) !== 0 };
}

function timestampUtc(ft: bigint): string | null {
  const ms = msFromFiletime(ft);
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}

function ntlmV2View(nt: Buffer): NtlmV2View {
  const r = parseNtlmV2Response(nt);
  return {
    ntProofStr: hex(r.ntProofStr),
    timestamp: { filetime: r.timestamp.toString(), utc: timestampUtc(r.timestamp) },
    clientChallenge: hex(r.clientChallenge),
    avPairs: r.avPairs.map(describeAvPair),
    msvAvFlags: msvAvFlagsView(r.avPairs),
    channelBindings: hexOrNull(findAv(r.avPairs, AvId.MsvAvChannelBindings)),
    targetName: readAvString(r.avPairs, AvId.MsvAvTargetName) ?? null,
  };
}

/** Decodes one NTLM message (MS-NLMP §2.2.1); throws NtlmDecodeError on bad bytes. */
export function describeNtlm(bytes: Uint8Array): NtlmView {
  const m = decodeMessage(bytes);
  switch (m.type) {
    case 'NEGOTIATE':
      return {
        type: 'NEGOTIATE',
        messageType: 1,
        flags: flagsView(m.message.flags),
        domain: m.message.domainName ?? null,
        workstation: m.message.workstation ?? null,
        version: versionView(m.message.version),
      };
    case 'CHALLENGE':
      return {
        type: 'CHALLENGE',
        messageType: 2,
        flags: flagsView(m.message.flags),
        targetName: m.message.targetName,
        serverChallenge: hex(m.message.serverChallenge),
        targetInfo: hex(m.message.targetInfoRaw),
        avPairs: m.message.targetInfo.map(describeAvPair),
        version: versionView(m.message.version),
      };
    case 'AUTHENTICATE': {
      const a = m.message;
      const ess = hasFlag(a.flags, NegotiateFlags.NEGOTIATE_EXTENDED_SESSIONSECURITY);
      const kind = classifyResponse(a.lmChallengeResponse, a.ntChallengeResponse, ess);
      const view: AuthenticateView = {
        type: 'AUTHENTICATE',
        messageType: 3,
        flags: flagsView(a.flags),
        user: a.userName,
        domain: a.domainName,
        workstation: a.workstation,
        responseKind: kind,
        lmResponse: hex(a.lmChallengeResponse),
        ntResponse: hex(a.ntChallengeResponse),
        ntlmv2: kind === 'NTLMv2' ? ntlmV2View(a.ntChallengeResponse) : null,
        mic: hexOrNull(a.mic),
        encryptedRandomSessionKey: a.encryptedRandomSessionKey.length > 0 ? hex(a.encryptedRandomSessionKey) : null,
        version: versionView(a.version),
      };
      return view;
    }
  }
}

function withContext(field: string, bytes: Uint8Array): NtlmView {
  try {
    return describeNtlm(bytes);
  } catch (e) {
    if (e instanceof NtlmDecodeError) throw new NtlmDecodeError(e.code, `${field}: ${e.message}`);
    throw e;
  }
}

/**
 * Decodes a token as sent in an HTTP NTLM/Negotiate header: a raw NTLMSSP message, or a
 * SPNEGO token (RFC 4178, MS-SPNG) whose mechToken/responseToken is decoded when it is an
 * NTLM message. Throws NtlmDecodeError or SpnegoDecodeError on bad bytes.
 */
export function describeToken(bytes: Uint8Array): TokenView {
  if (isRawNtlmssp(bytes)) return { encoding: 'ntlmssp', length: bytes.length, spnego: null, ntlm: describeNtlm(bytes) };
  const decoded = decodeNegotiationToken(bytes);
  let spnego: SpnegoView;
  let inner: { field: string; bytes: Buffer } | undefined;
  if (decoded.kind === 'init') {
    const t = decoded.token;
    spnego = {
      type: t.form === 'init2' ? 'NegTokenInit2' : 'NegTokenInit',
      framed: decoded.framed,
      mechTypes: t.mechTypes.map(mechView),
      reqFlags: t.reqFlags === undefined ? null : contextFlagsView(t.reqFlags),
      mechToken: hexOrNull(t.mechToken),
      negHints: t.negHints
        ? { hintName: t.negHints.hintName ?? null, hintAddress: hexOrNull(t.negHints.hintAddress) }
        : null,
      mechListMIC: hexOrNull(t.mechListMIC),
    };
    if (t.mechToken) inner = { field: 'mechToken', bytes: t.mechToken };
  } else {
    const t = decoded.token;
    spnego = {
      type: 'NegTokenResp',
      framed: decoded.framed,
      negState: t.negState ?? null,
      supportedMech: t.supportedMech === undefined ? null : mechView(t.supportedMech),
      responseToken: hexOrNull(t.responseToken),
      mechListMIC: hexOrNull(t.mechListMIC),
    };
    if (t.responseToken) inner = { field: 'responseToken', bytes: t.responseToken };
  }
  const ntlm = inner && isRawNtlmssp(inner.bytes) ? withContext(inner.field, inner.bytes) : null;
  return { encoding: 'spnego', length: bytes.length, spnego, ntlm };
}

/** parseTokenInput + describeToken: what `ntlmgate decode --json` prints. */
export function describeInput(text: string): DecodeJson {
  const input = parseTokenInput(text);
  return { input: { header: input.header, scheme: input.scheme, direction: input.direction }, ...describeToken(input.bytes) };
}
