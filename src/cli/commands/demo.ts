/**
 * `ntlmgate demo`: one complete NTLMv2 handshake run in-process between NtlmClientContext
 * and NtlmServerContext (MemoryAuthority, channel bindings required, MIC required), printed
 * as the HTTP headers a browser and IIS would exchange, each token decoded, then the
 * outcome and a sealed message. A demonstration only: no network is involved.
 */
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { MemoryAuthority } from '../../authority/memoryAuthority.js';
import { channelBindingsHash, tlsServerEndPointData, type ChannelBindings } from '../../ntlm/channelBindings.js';
import { NtlmClientContext } from '../../ntlm/clientContext.js';
import { NtlmDecodeError, NtlmIntegrityError } from '../../ntlm/errors.js';
import type { NtlmVersion } from '../../ntlm/responses.js';
import { NtlmServerContext, type NtlmFailureReason } from '../../ntlm/serverContext.js';
import { describeToken, flagsView } from '../describe.js';
import { CliError } from '../errors.js';
import { writeOut } from '../io.js';
import { renderText, tokenNodes, type TextNode } from '../render.js';
import type { FlagsView, TokenView } from '../decodeViews.js';

export const DEMO = {
  user: 'alice',
  domain: 'CORP',
  /** A demonstration password, known to the in-memory authority; never a real secret. */
  password: 'Demo-Passw0rd!',
  workstation: 'WS01',
  targetSpn: 'HTTP/web1.corp.example.test',
  server: { netbios: 'WEB1', netbiosDomain: 'CORP', dns: 'web1.corp.example.test', dnsDomain: 'corp.example.test' },
  /** Stands in for the TLS certificate's RFC 5929 hash: SHA-256 of this text (there is no TLS here). */
  certificateLabel: 'ntlmgate demo certificate',
} as const;

export const DEMO_NOTICE =
  'In-process demonstration: client and server contexts run inside this process and exchange tokens directly; ' +
  'no network is used (`ntlmgate serve` runs the same contexts behind HTTP).';

// ---------------------------------------------------------------------------
// The JSON document `ntlmgate demo --json` prints.

export interface DemoLeg {
  readonly step: number;
  readonly from: 'client' | 'server';
  /** Request or status line the header would travel with. */
  readonly http: string;
  /** The header line exactly as sent, e.g. `Authorization: NTLM TlRM…`. */
  readonly header: string;
  /** The decoded token; null for a header without one (the initial `WWW-Authenticate: NTLM`). */
  readonly token: TokenView | null;
}

export interface DemoResult {
  readonly authenticated: boolean;
  readonly user: string | null;
  readonly domain: string | null;
  readonly ntlmVersion: NtlmVersion | null;
  readonly micVerified: boolean;
  readonly channelBindingsVerified: boolean;
  readonly targetName: string | null;
  readonly flags: FlagsView | null;
  /** Set when the server refused the logon. */
  readonly failure: { readonly reason: NtlmFailureReason; readonly message: string } | null;
}

export interface DemoSealed {
  readonly plaintext: string;
  readonly sealed: string;
  readonly signature: string;
  readonly unsealed: string;
  readonly ok: boolean;
}

export interface DemoJson {
  readonly notice: string;
  readonly setup: {
    readonly user: string;
    readonly domain: string;
    readonly workstation: string;
    readonly targetSpn: string;
    readonly server: string;
    readonly channelBindings: { readonly mode: 'require'; readonly certificateHash: string; readonly hash: string };
  };
  readonly legs: readonly DemoLeg[];
  readonly result: DemoResult;
  readonly sealed: DemoSealed | null;
}

export interface DemoOptions {
  readonly json?: boolean;
  /** The password the client uses; a wrong one shows a refused logon. */
  readonly password?: string;
}

/** Runs the handshake; never throws for a refused logon (result.authenticated is false). */
export async function runDemoHandshake(opts: { password?: string } = {}): Promise<DemoJson> {
  const certificateHash = createHash('sha256').update(DEMO.certificateLabel).digest();
  const bindings: ChannelBindings = { applicationData: tlsServerEndPointData(certificateHash) };

  const client = new NtlmClientContext({
    credentials: { user: DEMO.user, domain: DEMO.domain, password: opts.password ?? DEMO.password },
    workstation: DEMO.workstation,
    targetSpn: DEMO.targetSpn,
    channelBindings: bindings,
    seal: true,
  });
  const server = new NtlmServerContext({
    authority: new MemoryAuthority(DEMO.domain).add({ domain: DEMO.domain, name: DEMO.user, password: DEMO.password }),
    netbiosComputerName: DEMO.server.netbios,
    netbiosDomainName: DEMO.server.netbiosDomain,
    dnsComputerName: DEMO.server.dns,
    dnsDomainName: DEMO.server.dnsDomain,
    dnsTreeName: DEMO.server.dnsDomain,
    channelBindings: { mode: 'require', expected: bindings },
    targetNames: { names: [DEMO.targetSpn], require: true },
    requireMic: true,
  });

  const legs: DemoLeg[] = [];
  const leg = (from: DemoLeg['from'], http: string, headerName: string, token?: Buffer): void => {
    const header = token ? `${headerName}: NTLM ${token.toString('base64')}` : `${headerName}: NTLM`;
    legs.push({ step: legs.length + 1, from, http, header, token: token ? describeToken(token) : null });
  };

  leg('server', 'HTTP/1.1 401 Unauthorized (GET / without credentials)', 'WWW-Authenticate');
  const negotiate = client.negotiate();
  leg('client', 'GET / HTTP/1.1', 'Authorization', negotiate);
  const first = await server.step(negotiate);
  if (first.status !== 'continue') throw new CliError('the demo server did not answer the NEGOTIATE with a CHALLENGE');
  leg('server', 'HTTP/1.1 401 Unauthorized', 'WWW-Authenticate', first.token);
  const authenticate = client.authenticate(first.token);
  leg('client', 'GET / HTTP/1.1', 'Authorization', authenticate);
  const done = await server.step(authenticate);

  const setup: DemoJson['setup'] = {
    user: DEMO.user,
    domain: DEMO.domain,
    workstation: DEMO.workstation,
    targetSpn: DEMO.targetSpn,
    server: `${DEMO.server.netbios} (${DEMO.server.dns}) in ${DEMO.server.netbiosDomain}`,
    channelBindings: { mode: 'require', certificateHash: certificateHash.toString('hex'), hash: channelBindingsHash(bindings).toString('hex') },
  };

  if (done.status !== 'complete') {
    const failure =
      done.status === 'failed'
        ? { reason: done.failure.reason, message: done.failure.message }
        : { reason: 'unexpected-message' as const, message: 'the server asked for another leg' };
    return {
      notice: DEMO_NOTICE,
      setup,
      legs,
      result: {
        authenticated: false,
        user: null,
        domain: null,
        ntlmVersion: null,
        micVerified: false,
        channelBindingsVerified: false,
        targetName: null,
        flags: null,
        failure,
      },
      sealed: null,
    };
  }

  const r = done.result;
  const plaintext = 'hello';
  const { sealed, signature } = client.session.seal(Buffer.from(plaintext, 'utf8'));
  let unsealed = '';
  let ok = false;
  try {
    unsealed = server.session.unseal(sealed, signature).toString('utf8');
    ok = unsealed === plaintext;
  } catch (e) {
    if (!(e instanceof NtlmIntegrityError)) throw e;
  }
  return {
    notice: DEMO_NOTICE,
    setup,
    legs,
    result: {
      authenticated: true,
      user: r.user,
      domain: r.domain,
      ntlmVersion: r.version,
      // The server checks the MIC whenever the client announces one (and here requires one),
      // so a completed logon with micPresent means the MIC verified.
      micVerified: r.micPresent,
      channelBindingsVerified: r.channelBindingsVerified,
      targetName: r.targetName ?? null,
      flags: flagsView(r.flags),
      failure: null,
    },
    sealed: { plaintext, sealed: sealed.toString('hex'), signature: signature.toString('hex'), unsealed, ok },
  };
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

export function formatDemoText(d: DemoJson): string {
  const out: string[] = ['ntlmgate demo: one NTLMv2 handshake, as a browser and IIS would exchange it', d.notice, ''];
  out.push(
    ...renderText([
      {
        title: 'Setup',
        children: [
          { label: 'Client', value: `${d.setup.domain}\\${d.setup.user} on ${d.setup.workstation} (demo password)` },
          { label: 'Target SPN', value: d.setup.targetSpn },
          { label: 'Server', value: `${d.setup.server}, MemoryAuthority, MIC and target name required` },
          {
            label: 'Channel bindings',
            value: [
              `required; tls-server-end-point over demo certificate hash ${d.setup.channelBindings.certificateHash}`,
              `MsvAvChannelBindings ${d.setup.channelBindings.hash}`,
            ],
          },
        ],
      },
    ]),
  );
  for (const l of d.legs) {
    out.push('', `--- ${l.step}. ${l.from === 'client' ? 'client -> server' : 'server -> client'}: ${l.http}`, l.header);
    if (l.token) out.push(...renderText(tokenNodes(l.token), 1));
  }
  const r = d.result;
  const nodes: TextNode[] = r.authenticated
    ? [
        {
          title: 'Result: authenticated (HTTP/1.1 200 OK)',
          children: [
            { label: 'User', value: r.user ?? '' },
            { label: 'Domain', value: r.domain ?? '' },
            { label: 'NTLM version', value: r.ntlmVersion ?? '' },
            { label: 'MIC verified', value: yesNo(r.micVerified) },
            { label: 'Channel bindings verified', value: yesNo(r.channelBindingsVerified) },
            { label: 'Target name', value: r.targetName ?? '(none)' },
            { label: 'Negotiated flags', value: r.flags ? [r.flags.hex, ...r.flags.names] : '(none)' },
          ],
        },
      ]
    : [
        {
          title: 'Result: logon refused (HTTP/1.1 401 Unauthorized)',
          children: [
            { label: 'Reason', value: r.failure?.reason ?? 'unknown' },
            { label: 'Message', value: r.failure?.message ?? '' },
          ],
        },
      ];
  out.push('', ...renderText(nodes));
  if (d.sealed) {
    out.push('');
    out.push(...renderText([{
      title: 'Sealed round trip (client seals, server unseals)',
      children: [
        { label: 'Plaintext', value: JSON.stringify(d.sealed.plaintext) },
        { label: 'Sealed', value: d.sealed.sealed },
        { label: 'Signature', value: d.sealed.signature },
        { label: 'Unsealed', value: d.sealed.ok ? JSON.stringify(d.sealed.unsealed) : '(signature did not verify)' },
      ],
    }]));
  }
  return out.join('\n');
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  let d: DemoJson;
  try {
    d = await runDemoHandshake({ password: opts.password });
  } catch (e) {
    // A decode failure here is a bug in one of the two contexts, but still one line, not a trace.
    if (e instanceof NtlmDecodeError) throw new CliError(`demo handshake failed: ${e.message} (${e.code})`);
    throw e;
  }
  writeOut(opts.json ? JSON.stringify(d, null, 2) : formatDemoText(d));
  if (!d.result.authenticated) {
    const f = d.result.failure;
    throw new CliError(`demo handshake failed: ${f?.message ?? 'not authenticated'} (${f?.reason ?? 'unknown'})`);
  }
  if (!d.sealed?.ok) throw new CliError('demo sealed round trip failed: the server could not unseal the client message');
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .summary('run an in-process NTLMv2 handshake and show every leg')
    .description(
      `${DEMO_NOTICE}\n\n` +
        `The client (${DEMO.domain}\\${DEMO.user}) authenticates to ${DEMO.targetSpn} with NTLMv2, MIC and channel bindings; ` +
        'each leg is printed as its HTTP header and decoded, then the result and a sealed "hello".',
    )
    .option('--json', 'print a JSON document instead of text')
    .option('--password <password>', 'password the client uses (a wrong one demonstrates a refused logon)')
    .action(async (opts: DemoOptions) => {
      await runDemo(opts);
    });
}
