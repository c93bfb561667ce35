/**
 * `ntlmgate decode [token...]`: decodes an NTLM or SPNEGO token given as base64, as an
 * `NTLM …` / `Negotiate …` header value, or as a whole header line; read from stdin when
 * the token is `-` or left out. Text by default, JSON (the DecodeJson type below) with --json.
 */
import type { Command } from 'commander';
import type { AvPairView } from '../../ntlm/avPairs.js';
import type { NtlmVersion } from '../../ntlm/responses.js';
import type { NegState } from '../../spnego/tokens.js';
import { describeInput } from '../describe.js';
import { CliError, isTokenError, tokenErrorMessage } from '../errors.js';
import { renderText, tokenNodes, type TextNode } from '../render.js';
import { readStdin, writeOut } from '../io.js';
import type { AuthHeaderName, AuthScheme } from '../tokenInput.js';

// ---------------------------------------------------------------------------
// The JSON document `ntlmgate decode --json` prints. Stable: fields are only ever added.
// Bytes are lowercase hex strings, bigints decimal strings; absent optional parts are null.

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

// ---------------------------------------------------------------------------

export function formatDecodeText(v: DecodeJson): string {
  const src: string[] = [];
  if (v.input.header) src.push(`${v.input.header} header`);
  if (v.input.scheme) src.push(`${v.input.scheme} scheme`);
  const input: TextNode = {
    title: 'Input',
    children: [
      { label: 'Source', value: src.length > 0 ? src.join(', ') : 'bare base64' },
      ...(v.input.direction ? [{ label: 'Direction', value: v.input.direction.replace(/-/g, ' ') }] : []),
      { label: 'Token', value: `${v.length} bytes, ${v.encoding === 'ntlmssp' ? 'raw NTLMSSP' : 'SPNEGO'}` },
    ],
  };
  return renderText([input, ...tokenNodes(v)]).join('\n');
}

export interface DecodeOptions {
  readonly json?: boolean;
}

export async function runDecode(tokenArgs: readonly string[], opts: DecodeOptions): Promise<void> {
  let text: string;
  if (tokenArgs.length === 0 || (tokenArgs.length === 1 && tokenArgs[0] === '-')) {
    if (tokenArgs.length === 0 && process.stdin.isTTY) {
      throw new CliError('no token given: pass it as an argument, or pipe it on stdin', 2);
    }
    text = await readStdin();
  } else {
    // Unquoted `decode NTLM TlRM…` or `decode Authorization: NTLM TlRM…` arrives as several words.
    text = tokenArgs.join(' ');
  }
  let view: DecodeJson;
  try {
    view = describeInput(text);
  } catch (e) {
    if (isTokenError(e)) throw new CliError(tokenErrorMessage(e), 1);
    throw e;
  }
  writeOut(opts.json ? JSON.stringify(view, null, 2) : formatDecodeText(view));
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .summary('decode an NTLM or SPNEGO token')
    .description(
      'Decode an NTLM (MS-NLMP) or SPNEGO (RFC 4178) token: the SPNEGO layer, then the NTLM message inside.\n\n' +
        'The token may be bare base64, a header value ("NTLM TlRM…", "Negotiate YII…") or a whole header line ' +
        '("Authorization: Negotiate …", "WWW-Authenticate: NTLM …", "Proxy-Authorization: …"). ' +
        'With no token, or "-", it is read from stdin.',
    )
    .argument('[token...]', 'the token, header value or header line (quotes optional)')
    .option('--json', 'print a JSON document instead of text')
    .action(async (token: string[], opts: DecodeOptions) => {
      await runDecode(token, opts);
    });
}
