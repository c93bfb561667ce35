/**
 * `ntlmgate policy show` prints the effective NTLM policy with Windows names, values and
 * labels (policy/describe.ts); `ntlmgate policy explain` prints what the policy decides for one
 * logon and the events it would write (policy/explain.ts). Both read `--policy <file>` (YAML or
 * JSON) or take the defaults; the commands only read the file, call policy and render.
 */
import { Option, type Command } from 'commander';
import type { NtlmVersion } from '../../ntlm/responses.js';
import { describePolicy, type ServiceView, type SettingView } from '../../policy/describe.js';
import { PolicyConfigError } from '../../policy/errors.js';
import type { TrafficDirection } from '../../policy/evaluate.js';
import { explain, ExplainInputError, type ExplainInput, type ExplainResult } from '../../policy/explain.js';
import { loadPolicyFile } from '../../config/policyFile.js';
import { accountName } from '../../policy/names.js';
import { DEFAULT_POLICY, type NtlmPolicy } from '../../policy/policy.js';
import { AUTH_SCHEMES, type AuthScheme } from '../../policy/requests.js';
import type { SettingScope } from '../../policy/settings.js';
import { CliError } from '../errors.js';
import { writeOut } from '../io.js';
import { renderText, type TextNode } from '../render.js';

// ---------------------------------------------------------------------------
// `policy show`

/** The JSON document `policy show --json` prints. */
export interface PolicyShowJson {
  /** The policy file, or null for the defaults. */
  readonly file: string | null;
  readonly settings: readonly SettingView[];
  readonly services: readonly ServiceView[];
}

export function showPolicy(policy: NtlmPolicy, file: string | null): PolicyShowJson {
  const v = describePolicy(policy);
  return { file, settings: v.settings, services: v.services };
}

const SCOPE_TITLES: Readonly<Record<SettingScope, string>> = {
  domain: 'Domain (enforced by the domain controller role)',
  incoming: 'Incoming (this server)',
  outgoing: 'Outgoing (this client)',
  security: 'Response class and session security',
  logging: 'Enhanced NTLM logging',
  service: 'Services',
};

function settingNode(s: SettingView, label = s.name): TextNode {
  return { label, value: s.source === 'default' ? `${s.text}  (default)` : s.text };
}

export function formatShowText(doc: PolicyShowJson): string {
  const scopes: SettingScope[] = ['domain', 'incoming', 'outgoing', 'security', 'logging'];
  const nodes: TextNode[] = [
    { label: 'Policy', value: doc.file ?? '(none: Windows defaults, with ntlmgate\'s for LmCompatibilityLevel)' },
    ...scopes.map((scope) => ({ title: SCOPE_TITLES[scope], children: doc.settings.filter((s) => s.scope === scope).map((s) => settingNode(s)) })),
    {
      title: SCOPE_TITLES.service,
      children:
        doc.services.length === 0
          ? [{ label: '(none)', value: '' }]
          : doc.services.map((svc) => ({ title: svc.service, children: svc.settings.map((s) => settingNode(s, s.name.slice(`services.${svc.service}.`.length))) })),
    },
  ];
  return renderText(nodes).join('\n');
}

// ---------------------------------------------------------------------------
// `policy explain`

function account(user: string, domain: string): string {
  return accountName(user, domain, '(anonymous)');
}

function requestNodes(result: ExplainResult): TextNode[] {
  const cb = (micPresent: boolean, channelBindings: string): TextNode[] => [
    { label: 'MIC', value: micPresent ? 'present' : 'absent' },
    { label: 'Channel bindings', value: channelBindings },
  ];
  switch (result.direction) {
    case 'outgoing': {
      const o = result.request;
      return [
        { label: 'Direction', value: 'outgoing (this client)' },
        { label: 'Target', value: o.targetSpn ?? '(none)' },
        { label: 'Supplied account', value: account(o.user, o.domain) },
        { label: 'NTLM version', value: o.version },
        ...cb(o.micPresent, o.channelBindings),
        { label: 'Scheme', value: o.scheme ?? 'Negotiate' },
        ...(o.service !== undefined ? [{ label: 'Service', value: o.service }] : []),
      ];
    }
    case 'domain': {
      const d = result.request;
      return [
        { label: 'Direction', value: 'domain (this domain controller)' },
        { label: 'Domain controller', value: `${d.dc.netbiosComputerName} (domain ${d.dc.netbiosDomainName})` },
        { label: 'Server', value: `${d.server.netbiosComputerName} (domain ${d.server.netbiosDomainName})` },
        { label: 'Account', value: account(d.user, d.domain) },
        { label: 'Workstation', value: d.workstation || '(none)' },
        { label: 'NTLM version', value: d.version },
        ...cb(d.micPresent, d.channelBindings),
      ];
    }
    case 'incoming': {
      const i = result.request;
      return [
        { label: 'Direction', value: 'incoming (this server)' },
        { label: 'Server', value: `${i.server.netbiosComputerName} (domain ${i.server.netbiosDomainName})` },
        { label: 'Account', value: account(i.user, i.domain) },
        { label: 'Workstation', value: i.workstation || '(none)' },
        ...(i.clientIp !== undefined ? [{ label: 'Client IP', value: i.clientIp }] : []),
        { label: 'NTLM version', value: i.version },
        ...cb(i.micPresent, i.channelBindings),
        { label: 'Scheme', value: i.scheme ?? 'Negotiate' },
        ...(i.service !== undefined ? [{ label: 'Service', value: i.service }] : []),
      ];
    }
  }
}

export function formatExplainText(result: ExplainResult): string {
  const nodes: TextNode[] = [
    { label: 'Decision', value: result.decision.action },
    { label: 'Setting', value: result.decision.setting },
    { label: 'Reason', value: result.decision.reason },
    { title: 'Logon', children: requestNodes(result) },
    {
      title: 'Steps',
      children: result.steps.map((s, n) => ({ label: `${n + 1}. ${s.action}`, value: `${s.setting}: ${s.reason}` })),
    },
    {
      title: 'Events',
      children:
        result.events.length === 0
          ? [{ label: '(none)', value: '' }]
          : result.events.map((e) => ({
              title: `${e.eventId} ${e.level} (${e.provider}, logged on ${e.computer}): ${e.title}`,
              children: Object.entries(e.data).map(([k, v]) => ({ label: k, value: v === '' ? '(empty)' : v })),
            })),
    },
  ];
  return renderText(nodes).join('\n');
}

// ---------------------------------------------------------------------------

/** explain(), with a --server or --dc that names no machine as a usage error. */
function explainOrUsage(policy: NtlmPolicy, input: ExplainInput): ExplainResult {
  try {
    return explain(policy, input);
  } catch (e) {
    if (e instanceof ExplainInputError) throw new CliError(`--${e.field} ${e.message}`, 2);
    throw e;
  }
}

async function readPolicy(file: string | undefined): Promise<NtlmPolicy> {
  if (file === undefined) return DEFAULT_POLICY;
  try {
    return await loadPolicyFile(file);
  } catch (e) {
    if (e instanceof PolicyConfigError) throw new CliError(e.message, 1);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw new CliError(`cannot read policy file ${file}: ${code}`, 1);
    throw e;
  }
}

interface ShowOptions {
  readonly policy?: string;
  readonly json?: boolean;
}

interface ExplainOptions {
  readonly user: string;
  readonly server: string;
  readonly direction: TrafficDirection;
  readonly serverDomain?: string;
  readonly workstation?: string;
  readonly version: NtlmVersion;
  readonly clientIp?: string;
  readonly service?: string;
  readonly mic: boolean;
  readonly channelBinding: boolean;
  readonly scheme: AuthScheme;
  readonly dc?: string;
  readonly localAccount?: boolean;
  readonly policy?: string;
  readonly json?: boolean;
}

/** Adds `ntlmgate policy show` and `ntlmgate policy explain` to the program; `write` prints (stdout by default). */
export function registerPolicy(program: Command, write: (text: string) => void = writeOut): void {
  // `explain --version NTLMv2` must reach explain, not the program's own -V/--version:
  // program options are then only read before the subcommand (`ntlmgate --version` still works).
  const policy = program
    .command('policy')
    .summary('show the NTLM policy, or explain its decision for a logon')
    .description(
      'The Windows "Restrict NTLM" settings, LmCompatibilityLevel, minimum session security, BlockNtlmv1SSO and per-service ' +
        'NTLM blocks, read from a YAML or JSON file keyed by registry value name (see docs/policy.md).',
    );

  policy
    .command('show')
    .summary('print the effective policy')
    .description('Print every setting with its registry value name, value and option label, and whether it came from the file or a default.')
    .option('--policy <file>', 'policy file (YAML or JSON); the defaults without one')
    .option('--json', 'print a JSON document instead of text')
    .action(async (opts: ShowOptions) => {
      const doc = showPolicy(await readPolicy(opts.policy), opts.policy ?? null);
      write(opts.json ? JSON.stringify(doc, null, 2) : formatShowText(doc));
    });

  policy
    .command('explain')
    .summary('explain the decision for one logon')
    .description(
      'Print what the policy decides for one NTLM logon: the action (allow, audit, block), the reason, the setting that made it, ' +
        'each decision taken, and the NTLM/Operational events that would be written, with their fields.',
    )
    .requiredOption('--user <account>', 'DOMAIN\\user, .\\user, user@dns.domain or user')
    .requiredOption('--server <name>', 'incoming: this server; outgoing: the target host or SPN; domain: the server passing the logon through (NAME, DOMAIN\\NAME or FQDN)')
    .addOption(new Option('--direction <direction>', 'which side decides').choices(['incoming', 'outgoing', 'domain']).default('incoming'))
    .option('--server-domain <domain>', "the server's NetBIOS domain (default: from --server, else the user's domain)")
    .option('--workstation <name>', 'the client workstation name', 'WS01')
    .addOption(new Option('--version <version>', 'the response class').choices(['LM', 'NTLMv1', 'NTLMv1-ESS', 'NTLMv2', 'Anonymous']).default('NTLMv2'))
    .option('--client-ip <ip>', 'the client address')
    .option('--service <name>', 'the ntlmgate service (services.<name> in the policy)')
    .option('--no-mic', 'the AUTHENTICATE message carries no MIC')
    .option('--no-channel-binding', 'no channel bindings (no TLS, or a client without EPA)')
    .addOption(new Option('--scheme <scheme>', 'the HTTP scheme that carried NTLM').choices(AUTH_SCHEMES).default('Negotiate'))
    .option('--dc <name>', 'domain direction: this domain controller (NAME or DOMAIN\\NAME)', 'DC1')
    .option('--local-account', 'the account is known to be local (for an empty or "." domain)')
    .option('--policy <file>', 'policy file (YAML or JSON); the defaults without one')
    .option('--json', 'print a JSON document instead of text')
    .action(async (opts: ExplainOptions) => {
      const p = await readPolicy(opts.policy);
      const result = explainOrUsage(p, {
        direction: opts.direction,
        user: opts.user,
        server: opts.server,
        serverDomain: opts.serverDomain,
        workstation: opts.workstation,
        version: opts.version,
        clientIp: opts.clientIp,
        service: opts.service,
        mic: opts.mic,
        channelBinding: opts.channelBinding,
        scheme: opts.scheme,
        dc: opts.dc,
        localAccount: opts.localAccount,
      });
      write(opts.json ? JSON.stringify(result, null, 2) : formatExplainText(result));
    });
}
