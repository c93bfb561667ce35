/**
 * Text layout for the CLI: aligned `Name: value` lines in indented sections, and the text
 * form of a decoded token (shared by `decode` and `demo`).
 */
import type { AvPairView } from '../ntlm/avPairs.js';
import type { AuthenticateView, FlagsView, NtlmView, SpnegoView, TokenView, VersionView } from './decodeViews.js';

export type TextNode =
  | { readonly label: string; readonly value: string | readonly string[] }
  | { readonly title: string; readonly children: readonly TextNode[] };

const INDENT = '  ';

/** Lays nodes out: labels of one block are padded to a common width; extra value lines align under the first. */
export function renderText(nodes: readonly TextNode[], depth = 0): string[] {
  const pad = INDENT.repeat(depth);
  const width = Math.max(0, ...nodes.map((n) => ('label' in n ? n.label.length + 1 : 0)));
  const out: string[] = [];
  for (const n of nodes) {
    if ('title' in n) {
      out.push(`${pad}${n.title}`);
      out.push(...renderText(n.children, depth + 1));
      continue;
    }
    const values = typeof n.value === 'string' ? [n.value] : n.value.length > 0 ? n.value : ['(none)'];
    const head = `${n.label}:`.padEnd(width);
    values.forEach((v, i) => {
      out.push(`${pad}${i === 0 ? head : ' '.repeat(width)}  ${v}`.trimEnd());
    });
  }
  return out;
}

/** Splits long hex into lines of `width` digits; '(none)' for empty. */
export function hexLines(hex: string | null, width = 64): string[] {
  if (hex === null || hex === '') return ['(none)'];
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += width) lines.push(hex.slice(i, i + width));
  return lines;
}

function bytesNote(hex: string | null): string {
  return hex === null ? '(none)' : `${hex.length / 2} bytes`;
}

function flagsValue(f: FlagsView): string[] {
  return [f.hex, ...f.names];
}

function versionText(v: VersionView | null): string {
  return v ? v.text : '(not sent)';
}

function avPairValue(p: AvPairView): string {
  const v = p.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return `0x${v.toString(16).padStart(8, '0')}`;
  return `size ${v.size}, customData ${v.customData}, machineId ${v.machineId}`;
}

function avPairNodes(pairs: readonly AvPairView[]): TextNode[] {
  return pairs.length === 0 ? [{ label: '(none)', value: '' }] : pairs.map((p) => ({ label: p.id, value: avPairValue(p) }));
}

const MESSAGE_TITLES: Record<NtlmView['type'], string> = {
  NEGOTIATE: 'NTLM NEGOTIATE_MESSAGE (type 1)',
  CHALLENGE: 'NTLM CHALLENGE_MESSAGE (type 2)',
  AUTHENTICATE: 'NTLM AUTHENTICATE_MESSAGE (type 3)',
};

function authenticateNodes(a: AuthenticateView): TextNode[] {
  const nodes: TextNode[] = [
    { label: 'Flags', value: flagsValue(a.flags) },
    { label: 'User', value: a.user || '(empty)' },
    { label: 'Domain', value: a.domain || '(empty)' },
    { label: 'Workstation', value: a.workstation || '(empty)' },
    { label: 'Response kind', value: a.responseKind },
    { label: 'LM response', value: hexLines(a.lmResponse) },
    { label: 'NT response', value: hexLines(a.ntResponse) },
  ];
  const v2 = a.ntlmv2;
  if (v2) {
    const flags = v2.msvAvFlags;
    nodes.push({
      title: 'NTLMv2 response',
      children: [
        { label: 'NTProofStr', value: v2.ntProofStr },
        { label: 'Timestamp', value: `${v2.timestamp.utc ?? 'out of range'} (FILETIME 0x${BigInt(v2.timestamp.filetime).toString(16)})` },
        { label: 'Client challenge', value: v2.clientChallenge },
        {
          label: 'MsvAvFlags',
          value: flags
            ? `${flags.hex}${flags.names.length ? ` (${flags.names.join(' | ')})` : ''}, MIC ${flags.micAnnounced ? 'announced' : 'not announced'}`
            : '(absent), MIC not announced',
        },
        {
          label: 'Channel bindings',
          value:
            v2.channelBindings === null
              ? '(absent)'
              : /^0+$/.test(v2.channelBindings)
                ? `${v2.channelBindings} (all zero: none)`
                : v2.channelBindings,
        },
        { label: 'Target name', value: v2.targetName ?? '(absent)' },
        { title: 'AV pairs', children: avPairNodes(v2.avPairs) },
      ],
    });
  }
  nodes.push(
    { label: 'MIC', value: a.mic ?? '(no room in this layout)' },
    { label: 'Encrypted session key', value: a.encryptedRandomSessionKey ?? '(none: no key exchange)' },
    { label: 'Version', value: versionText(a.version) },
  );
  return nodes;
}

export function ntlmNodes(m: NtlmView): TextNode {
  switch (m.type) {
    case 'NEGOTIATE':
      return {
        title: MESSAGE_TITLES.NEGOTIATE,
        children: [
          { label: 'Flags', value: flagsValue(m.flags) },
          { label: 'Domain', value: m.domain ?? '(not supplied)' },
          { label: 'Workstation', value: m.workstation ?? '(not supplied)' },
          { label: 'Version', value: versionText(m.version) },
        ],
      };
    case 'CHALLENGE':
      return {
        title: MESSAGE_TITLES.CHALLENGE,
        children: [
          { label: 'Flags', value: flagsValue(m.flags) },
          { label: 'Target name', value: m.targetName || '(empty)' },
          { label: 'Server challenge', value: m.serverChallenge },
          { label: 'Target info', value: hexLines(m.targetInfo) },
          { label: 'Version', value: versionText(m.version) },
          { title: 'AV pairs', children: avPairNodes(m.avPairs) },
        ],
      };
    case 'AUTHENTICATE':
      return { title: MESSAGE_TITLES.AUTHENTICATE, children: authenticateNodes(m) };
  }
}

function innerNote(hex: string | null, ntlm: NtlmView | null): string {
  if (hex === null) return '(none)';
  return `${bytesNote(hex)}, ${ntlm ? 'NTLM message, decoded below' : 'not an NTLM message (not decoded)'}`;
}

export function spnegoNodes(s: SpnegoView, ntlm: NtlmView | null): TextNode {
  const framing = s.framed ? ' (GSS-API InitialContextToken)' : '';
  if (s.type === 'NegTokenResp') {
    return {
      title: `SPNEGO NegTokenResp${framing}`,
      children: [
        { label: 'negState', value: s.negState ?? '(absent)' },
        { label: 'supportedMech', value: s.supportedMech ? `${s.supportedMech.name} (${s.supportedMech.oid})` : '(absent)' },
        { label: 'responseToken', value: innerNote(s.responseToken, ntlm) },
        { label: 'mechListMIC', value: s.mechListMIC ?? '(absent)' },
      ],
    };
  }
  const children: TextNode[] = [
    { label: 'mechTypes', value: s.mechTypes.map((m) => `${m.name} (${m.oid})`) },
    {
      label: 'reqFlags',
      value: s.reqFlags ? `0x${s.reqFlags.value.toString(16)}${s.reqFlags.names.length ? ` (${s.reqFlags.names.join(', ')})` : ''}` : '(absent)',
    },
    { label: 'mechToken', value: innerNote(s.mechToken, ntlm) },
  ];
  if (s.negHints) {
    children.push({ label: 'hintName', value: s.negHints.hintName ?? '(absent)' });
    if (s.negHints.hintAddress !== null) children.push({ label: 'hintAddress', value: s.negHints.hintAddress });
  }
  children.push({ label: 'mechListMIC', value: s.mechListMIC ?? '(absent)' });
  return { title: `SPNEGO ${s.type}${framing}`, children };
}

/** The sections of a decoded token: SPNEGO layer (if any), then the NTLM message (if any). */
export function tokenNodes(t: TokenView): TextNode[] {
  const nodes: TextNode[] = [];
  if (t.spnego) nodes.push(spnegoNodes(t.spnego, t.ntlm));
  if (t.ntlm) nodes.push(ntlmNodes(t.ntlm));
  return nodes;
}
