/**
 * Seed corpus for the NTLM fuzz targets: real messages made by the contexts (NTLMv2 with
 * MIC and channel bindings, NTLMv1, NTLMv1-ESS, anonymous, OEM, LM_KEY), the MS-NLMP §4.2
 * example messages and the captured Windows exchange. Everything is deterministic: the
 * contexts get a fixed clock and seeded "random" bytes, so a fresh server context issues
 * the very CHALLENGE each seeded AUTHENTICATE answers, and those seeds log on.
 */
import { readFileSync } from 'node:fs';
import { MemoryAuthority } from '../../src/authority/memoryAuthority.js';
import { channelBindingsHash, tlsServerEndPointData } from '../../src/ntlm/channelBindings.js';
import { NtlmClientContext, type LmCompatibilityLevel, type NtlmClientOptions } from '../../src/ntlm/clientContext.js';
import { NegotiateFlags as F } from '../../src/ntlm/flags.js';
import { decodeAuthenticate, type AuthenticateMessage } from '../../src/ntlm/messages/authenticate.js';
import { decodeChallenge, encodeChallenge } from '../../src/ntlm/messages/challenge.js';
import { encodeNegotiate } from '../../src/ntlm/messages/negotiate.js';
import { lmowfv1, ntowfv1 } from '../../src/ntlm/owf.js';
import { NtlmServerContext, type NtlmServerOptions, type NtlmServerStep } from '../../src/ntlm/serverContext.js';
import { AvId, avString } from '../../src/ntlm/avPairs.js';
import { Rng } from './mutate.js';

export const FIXED_NOW = Date.UTC(2024, 4, 6, 7, 8, 9);
export const ACCOUNT = { domain: 'CORP', user: 'alice', password: 'Tr0ub4dor&3' } as const;
export const SPN = 'HTTP/web1.corp.example.test';
export const CHANNEL_BINDINGS = { applicationData: tlsServerEndPointData(Buffer.alloc(32, 0x5c)) };
export const CHANNEL_BINDINGS_HASH = channelBindingsHash(CHANNEL_BINDINGS);

const NT_HASH = ntowfv1(ACCOUNT.password);
const LM_HASH = lmowfv1(ACCOUNT.password);

/** A fresh deterministic byte source: every context built with the same seed draws the same bytes. */
export function seededBytes(seed: number): (n: number) => Buffer {
  const rng = new Rng(seed);
  return (n) => rng.bytes(n);
}

/** One account; its LM hash is kept so the LM and LM_KEY paths are reachable. Stateless, so shared. */
export const authority = new MemoryAuthority(ACCOUNT.domain).add({
  domain: ACCOUNT.domain,
  name: ACCOUNT.user,
  password: ACCOUNT.password,
  keepLmHash: true,
});

export type ServerProfile = 'lenient' | 'strict';
export const SERVER_PROFILES: readonly ServerProfile[] = ['lenient', 'strict'];

/**
 * `lenient`: LmCompatibilityLevel 0 (LM, NTLMv1 and NTLMv2 accepted), anonymous allowed,
 * channel bindings and target names checked when sent. `strict`: level 5, MIC, channel
 * bindings and target name required.
 */
export function serverOptions(profile: ServerProfile): NtlmServerOptions {
  const base = {
    authority,
    netbiosComputerName: 'WEB1',
    netbiosDomainName: 'CORP',
    dnsComputerName: 'web1.corp.example.test',
    dnsDomainName: 'corp.example.test',
    dnsTreeName: 'corp.example.test',
    now: () => FIXED_NOW,
    randomBytes: seededBytes(0x5e4e4),
  };
  return profile === 'lenient'
    ? {
        ...base,
        lmCompatibilityLevel: 0,
        allowAnonymous: true,
        channelBindings: { mode: 'accept', expected: CHANNEL_BINDINGS },
        targetNames: { names: [SPN, 'HTTP/web1'] },
      }
    : {
        ...base,
        requireMic: true,
        channelBindings: { mode: 'require', expected: CHANNEL_BINDINGS_HASH },
        targetNames: { names: [SPN, 'HTTP/web1'], require: true },
      };
}

export interface ClientProfile {
  readonly name: string;
  readonly level: LmCompatibilityLevel;
  options(): NtlmClientOptions;
}

function clientProfile(name: string, level: LmCompatibilityLevel, extra: Partial<NtlmClientOptions> = {}, anonymous = false): ClientProfile {
  return {
    name,
    level,
    options: () => ({
      credentials: anonymous ? { anonymous: true } : { user: ACCOUNT.user, domain: ACCOUNT.domain, ntHash: NT_HASH, lmHash: LM_HASH },
      workstation: 'WS042',
      lmCompatibilityLevel: level,
      now: () => FIXED_NOW,
      randomBytes: seededBytes(0xc11e47),
      ...extra,
    }),
  };
}

export const CLIENT_PROFILES: readonly ClientProfile[] = [
  clientProfile('NTLMv2+CB+SPN', 3, { channelBindings: CHANNEL_BINDINGS, targetSpn: SPN, seal: true }),
  clientProfile('NTLMv2 plain', 5),
  clientProfile('NTLMv2 zero CB', 4, { sendZeroChannelBindings: true, channelBindings: undefined, targetSpn: 'HTTP/web1' }),
  clientProfile('NTLMv1 (level 0)', 0),
  clientProfile('NTLMv1-ESS (level 1)', 1, { seal: true }),
  clientProfile('NTLMv1 NoLM (level 2)', 2),
  clientProfile('anonymous', 3, {}, true),
];

export interface ServerScenario {
  readonly name: string;
  readonly profile: ServerProfile;
  /** The NEGOTIATE the server sees (possibly altered from what the client produced). */
  readonly negotiate: Buffer;
  readonly challenge: Buffer;
  /** A valid answer to `challenge` that logs on against a fresh server. */
  readonly authenticate: Buffer;
  /** The seed is NTLMv2 with a MIC: any change to it must keep it from logging on. */
  readonly micProtected: boolean;
  newServer(): NtlmServerContext;
}

interface ScenarioPlan {
  name: string;
  profile: ServerProfile;
  client: string;
  micProtected: boolean;
  /** Alters the client's NEGOTIATE before the server sees it. */
  negotiate?: (neg: Buffer) => Buffer;
  /** Alters the client's AUTHENTICATE (only for seeds without a MIC). */
  authenticate?: (auth: Buffer) => Buffer;
}

function withFlags(b: Buffer, at: number, set: number, clear = 0): Buffer {
  const out = Buffer.from(b);
  out.writeUInt32LE(((out.readUInt32LE(at) | set) & ~clear) >>> 0, at);
  return out;
}

const PLANS: readonly ScenarioPlan[] = [
  { name: 'NTLMv2 + MIC + CB + SPN (lenient)', profile: 'lenient', client: 'NTLMv2+CB+SPN', micProtected: true },
  { name: 'NTLMv2 + MIC + CB + SPN (strict)', profile: 'strict', client: 'NTLMv2+CB+SPN', micProtected: true },
  { name: 'NTLMv2 + MIC, no CB (lenient)', profile: 'lenient', client: 'NTLMv2 plain', micProtected: true },
  { name: 'NTLMv2 + MIC, zero CB (lenient)', profile: 'lenient', client: 'NTLMv2 zero CB', micProtected: true },
  { name: 'NTLMv1 (lenient)', profile: 'lenient', client: 'NTLMv1 (level 0)', micProtected: false },
  { name: 'NTLMv1-ESS (lenient)', profile: 'lenient', client: 'NTLMv1-ESS (level 1)', micProtected: false },
  { name: 'NTLMv1 NoLM (lenient)', profile: 'lenient', client: 'NTLMv1 NoLM (level 2)', micProtected: false },
  { name: 'anonymous (lenient)', profile: 'lenient', client: 'anonymous', micProtected: false },
  {
    // The client asks for LM_KEY (not ESS); the server, at level 0, grants it.
    name: 'NTLMv1 + LM_KEY (lenient)',
    profile: 'lenient',
    client: 'NTLMv1 (level 0)',
    micProtected: false,
    negotiate: (neg) => withFlags(neg, 12, F.NEGOTIATE_LM_KEY),
    authenticate: (auth) => withFlags(auth, 60, F.NEGOTIATE_LM_KEY),
  },
  {
    // OEM strings: the client offers OEM only, the server answers OEM, names go as latin1.
    name: 'NTLMv1 OEM (lenient)',
    profile: 'lenient',
    client: 'NTLMv1 (level 0)',
    micProtected: false,
    negotiate: (neg) => withFlags(neg, 12, F.NEGOTIATE_OEM, F.NEGOTIATE_UNICODE),
  },
];

export function clientByName(name: string): ClientProfile {
  const p = CLIENT_PROFILES.find((c) => c.name === name);
  if (!p) throw new Error(`no client profile ${name}`);
  return p;
}

function describeStep(s: NtlmServerStep): string {
  return s.status === 'failed' ? `failed (${s.failure.reason}: ${s.failure.message})` : s.status;
}

/** Builds every server scenario and checks that its unmutated seed logs on. */
export async function serverScenarios(): Promise<ServerScenario[]> {
  const out: ServerScenario[] = [];
  for (const plan of PLANS) {
    const client = new NtlmClientContext(clientByName(plan.client).options());
    const negotiate = (plan.negotiate ?? ((b: Buffer) => b))(Buffer.from(client.negotiate()));
    const newServer = (): NtlmServerContext => new NtlmServerContext(serverOptions(plan.profile));
    const first = await newServer().step(negotiate);
    if (first.status !== 'continue') throw new Error(`scenario ${plan.name}: NEGOTIATE not accepted: ${describeStep(first)}`);
    const authenticate = (plan.authenticate ?? ((b: Buffer) => b))(Buffer.from(client.authenticate(first.token)));
    // Replay against a fresh server: same challenge, and the seed must log on.
    const server = newServer();
    const again = await server.step(negotiate);
    if (again.status !== 'continue' || !again.token.equals(first.token)) throw new Error(`scenario ${plan.name}: the server is not deterministic`);
    const done = await server.step(authenticate);
    if (done.status !== 'complete') throw new Error(`scenario ${plan.name}: the seed does not log on: ${describeStep(done)}`);
    if (done.result.micPresent !== plan.micProtected) throw new Error(`scenario ${plan.name}: MIC ${done.result.micPresent ? 'present' : 'absent'}`);
    out.push({ name: plan.name, profile: plan.profile, negotiate, challenge: first.token, authenticate, micProtected: plan.micProtected, newServer });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Published messages.

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** MS-NLMP §4.2.2.3 and §4.2.4.3 (as in test/ntlm/vectors.test.ts). */
export const SPEC_MESSAGES = {
  v1Challenge: h(
    '4e544c4d53535000020000000c000c0038000000338202e20123456789abcdef00000000000000000000000000000000060070170000000f530065007200760065007200',
  ),
  v1Authenticate: h(
    '4e544c4d5353500003000000180018006c00000018001800840000000c000c00480000000800080054000000100010005c000000100010009c000000358280e20501280a0000000f44006f006d00610069006e00550073006500720043004f004d005000550054004500520098def7b87f88aa5dafe2df779688a172def11c7d5ccdef1367c43011f30298a2ad35ece64f16331c44bdbed927841f94518822b1b3f350c8958682ecbb3e3cb7',
  ),
  v2Challenge: h(
    '4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000',
  ),
  v2Authenticate: h(
    '4e544c4d5353500003000000180018006c00000054005400840000000c000c00480000000800080054000000100010005c00000010001000d8000000358288e20501280a0000000f44006f006d00610069006e00550073006500720043004f004d005000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000c5dad2544fc9799094ce1ce90bc9d03e',
  ),
};

interface Capture {
  ChallengeMessage: string;
  AuthenticateMessage: string;
}

/** The Windows 7 → Server 2008 R2 NTLMv2 exchange with MIC and channel bindings. */
export function windowsCapture(): { challenge: Buffer; authenticate: Buffer } {
  const cap = JSON.parse(readFileSync(new URL('../../../test/fixtures/windows-ntlmv2-mic-cbt.json', import.meta.url), 'utf8')) as Capture;
  return { challenge: h(cap.ChallengeMessage), authenticate: h(cap.AuthenticateMessage) };
}

// ---------------------------------------------------------------------------
// The decoder corpus.

export interface NtlmCorpus {
  readonly negotiate: Buffer[];
  readonly challenge: Buffer[];
  readonly authenticate: Buffer[];
  /** TargetInfo blobs and the AV pair lists inside NTLMv2 responses (padding included). */
  readonly avPairs: Buffer[];
  readonly ntlmV2Responses: Buffer[];
  readonly all: Buffer[];
  readonly scenarios: ServerScenario[];
}

function unique(list: Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return list.filter((b) => {
    const k = b.toString('hex');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

let cached: Promise<NtlmCorpus> | undefined;

export function ntlmCorpus(): Promise<NtlmCorpus> {
  cached ??= buildCorpus();
  return cached;
}

async function buildCorpus(): Promise<NtlmCorpus> {
  const scenarios = await serverScenarios();
  const win = windowsCapture();
  const negotiate = unique([
    ...scenarios.map((s) => s.negotiate),
    ...CLIENT_PROFILES.map((p) => new NtlmClientContext(p.options()).negotiate()),
    // curl's legacy 32-byte NEGOTIATE without Version.
    encodeNegotiate({ flags: 0xa2088207 }).subarray(0, 32),
    encodeNegotiate({ flags: 0xe2088297, domainName: 'CORP', workstation: 'WS042', version: { major: 6, minor: 1, build: 7601, revision: 15 } }),
  ]);
  const plainChallenge = encodeChallenge({
    flags: F.NEGOTIATE_UNICODE | F.NEGOTIATE_NTLM | F.REQUEST_TARGET | F.TARGET_TYPE_SERVER,
    targetName: 'WEB1',
    serverChallenge: Buffer.from('0011223344556677', 'hex'),
    targetInfo: [],
  });
  const oemChallenge = encodeChallenge({
    flags: F.NEGOTIATE_OEM | F.NEGOTIATE_NTLM | F.NEGOTIATE_TARGET_INFO | F.NEGOTIATE_VERSION | F.NEGOTIATE_KEY_EXCH | F.NEGOTIATE_128,
    targetName: 'WEB1',
    serverChallenge: Buffer.from('8899aabbccddeeff', 'hex'),
    targetInfo: [
      { id: AvId.MsvAvNbDomainName, value: avString('CORP') },
      { id: AvId.MsvAvNbComputerName, value: avString('WEB1') },
      { id: AvId.MsvAvFlags, value: Buffer.from([0, 0, 0, 0]) },
    ],
    version: { major: 10, minor: 0, build: 17763, revision: 15 },
  });
  const challenge = unique([
    ...scenarios.map((s) => s.challenge),
    SPEC_MESSAGES.v1Challenge,
    SPEC_MESSAGES.v2Challenge,
    win.challenge,
    plainChallenge,
    oemChallenge,
  ]);
  const authenticate = unique([...scenarios.map((s) => s.authenticate), SPEC_MESSAGES.v1Authenticate, SPEC_MESSAGES.v2Authenticate, win.authenticate]);
  const decodedAuth: AuthenticateMessage[] = authenticate.map((a) => decodeAuthenticate(a));
  const ntlmV2Responses = unique(decodedAuth.map((a) => a.ntChallengeResponse).filter((nt) => nt.length > 48));
  const avPairs = unique([
    ...challenge.map((c) => decodeChallenge(c).targetInfoRaw).filter((t) => t.length > 0),
    ...ntlmV2Responses.map((nt) => Buffer.from(nt.subarray(44))),
  ]);
  return {
    negotiate,
    challenge,
    authenticate,
    avPairs,
    ntlmV2Responses,
    all: [...negotiate, ...challenge, ...authenticate],
    scenarios,
  };
}
