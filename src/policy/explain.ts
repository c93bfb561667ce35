/**
 * `policy explain`'s logic: one logon described the way a person types it (`CORP\alice` on
 * `web1.corp.example.test`, NTLMv1, no MIC…) turned into the request of its direction, run
 * through evaluate(), and the NTLM/Operational events that decision would write, built as the
 * audit would build them. Pure: no I/O, no clock (events carry time 0). The CLI only renders.
 */
import { buildEvent, eventDefinition, LEVEL_NAMES } from '../events/index.js';
import type { NtlmVersion } from '../ntlm/responses.js';
import { evaluate, type DirectedRequest, type TrafficDirection } from './evaluate.js';
import { targetHost } from './names.js';
import type { NtlmPolicy } from './policy.js';
import type { AuthScheme, MachineIdentity } from './requests.js';

export interface ExplainInput {
  /** incoming (default): a logon to this server; outgoing: this client to a server; domain: our DC role. */
  readonly direction?: TrafficDirection;
  /** `DOMAIN\user`, `.\user`, `user@dns.domain` (a UPN, sent with an empty domain) or `user`. */
  readonly user: string;
  /**
   * incoming: this server; outgoing: the target host or SPN; domain: the server that passed the
   * logon through. `NAME`, `DOMAIN\NAME` or an FQDN (its first label is the NetBIOS name).
   */
  readonly server: string;
  /** The server's NetBIOS domain when `server` does not give it (default: the user's domain). */
  readonly serverDomain?: string;
  readonly workstation?: string;
  readonly version?: NtlmVersion;
  readonly clientIp?: string;
  readonly service?: string;
  /** MIC and channel bindings (both default on; only NTLMv2 can carry them). */
  readonly mic?: boolean;
  readonly channelBinding?: boolean;
  readonly scheme?: AuthScheme;
  /** The domain controller (domain direction): `NAME` or `DOMAIN\NAME`; default DC1 of the server's domain. */
  readonly dc?: string;
  /** The local-only account flag. */
  readonly localAccount?: boolean;
  /** Negotiated flags (default: a Windows 10 NTLMv2 logon's, 0xe2888235). */
  readonly flags?: number;
}

export interface ExplainEvent {
  readonly eventId: number;
  readonly level: string;
  readonly provider: string;
  readonly title: string;
  /** The machine that would log it. */
  readonly computer: string;
  /** Data fields in template order, as written. */
  readonly data: Readonly<Record<string, string>>;
}

export interface ExplainStep {
  readonly action: 'allow' | 'audit' | 'block';
  readonly setting: string;
  readonly reason: string;
}

/** The direction and request decided on, then the outcome (`policy explain --json` prints it as is). */
export type ExplainResult = DirectedRequest & {
  readonly decision: ExplainStep;
  readonly steps: readonly ExplainStep[];
  readonly events: readonly ExplainEvent[];
};

/** An ExplainInput that names no logon: `field` is the input field at fault. */
export class ExplainInputError extends Error {
  override readonly name = 'ExplainInputError';
  readonly code = 'bad-input';
  constructor(
    readonly field: 'server' | 'dc',
    message: string,
  ) {
    super(message);
  }
}

/** UNICODE, REQUEST_TARGET, SIGN, SEAL, NTLM, ALWAYS_SIGN, ESS, TARGET_INFO, VERSION, 128, KEY_EXCH, 56. */
const DEFAULT_FLAGS = 0xe2888235;

function splitAccount(text: string): { user: string; domain: string } {
  const slash = text.indexOf('\\');
  if (slash >= 0) return { domain: text.slice(0, slash), user: text.slice(slash + 1) };
  return { domain: '', user: text };
}

/**
 * A machine from `NAME`, `DOMAIN\NAME` or an FQDN. Its NetBIOS domain: the `DOMAIN\` part, else
 * `domain`, else the FQDN's second label, else `fallback`, else its own name (standalone).
 */
function machine(field: 'server' | 'dc', text: string, domain: string | undefined, fallback: string | undefined): MachineIdentity {
  const { domain: given, user: name } = splitAccount(text.trim());
  if (name === '') throw new ExplainInputError(field, `"${text}" names no machine`);
  const [first = name, second, ...rest] = name.split('.');
  const fromDns = second?.toUpperCase();
  const netbiosDomainName = (given || domain || fromDns || fallback || first).toUpperCase();
  if (second === undefined) return { netbiosComputerName: first.toUpperCase(), netbiosDomainName };
  return { netbiosComputerName: first.toUpperCase(), netbiosDomainName, dnsComputerName: name, dnsDomainName: [second, ...rest].join('.') };
}

/** The request of one direction, from a person's view of a logon. Throws ExplainInputError for a server or DC that names no machine. */
export function explainRequest(input: ExplainInput): DirectedRequest {
  const direction = input.direction ?? 'incoming';
  const version = input.version ?? 'NTLMv2';
  const { user, domain } = input.user.includes('@') && !input.user.includes('\\') ? { user: input.user, domain: '' } : splitAccount(input.user);
  // Only an NTLMv2 response carries AV pairs, so only it can carry a MIC or channel bindings (MS-NLMP §2.2.2.1).
  const micPresent = version === 'NTLMv2' && input.mic !== false;
  const channelBindings = version === 'NTLMv2' && input.channelBinding !== false ? 'present' : 'absent';
  const userDomain = domain !== '' && domain !== '.' ? domain.toUpperCase() : undefined;
  const scheme = input.scheme ?? 'Negotiate';
  const flags = input.flags ?? DEFAULT_FLAGS;
  const workstation = input.workstation ?? 'WS01';

  if (direction === 'outgoing') {
    const spn = input.server.includes('/') ? input.server : `HTTP/${input.server}`;
    return {
      direction,
      request: {
        targetSpn: spn,
        targetHost: targetHost(spn),
        user,
        domain,
        version,
        flags,
        micPresent,
        channelBindings,
        scheme,
        ...(input.service !== undefined ? { service: input.service } : {}),
        ...(input.localAccount !== undefined ? { localAccount: input.localAccount } : {}),
      },
    };
  }
  const server = machine('server', input.server, input.serverDomain, userDomain);
  const targetName = version === 'NTLMv2' ? `HTTP/${server.dnsComputerName ?? server.netbiosComputerName.toLowerCase()}` : undefined;
  const logon = { user, domain, workstation, version, micPresent, channelBindings, ...(targetName ? { targetName } : {}) } as const;
  if (direction === 'domain') {
    const dc = machine('dc', input.dc ?? 'DC1', undefined, server.netbiosDomainName);
    return {
      direction,
      request: {
        ...logon,
        dc,
        server: { netbiosComputerName: server.netbiosComputerName, netbiosDomainName: server.netbiosDomainName },
        ...(input.clientIp !== undefined ? { clientIp: input.clientIp } : {}),
      },
    };
  }
  return {
    direction,
    request: {
      ...logon,
      flags,
      server,
      scheme,
      ...(input.clientIp !== undefined ? { clientIp: input.clientIp } : {}),
      ...(input.service !== undefined ? { service: input.service } : {}),
      ...(input.localAccount !== undefined ? { localAccount: input.localAccount } : {}),
    },
  };
}

/** What the policy decides for one logon, with the events it would write. */
export function explain(policy: NtlmPolicy, input: ExplainInput): ExplainResult {
  const directed = explainRequest(input);
  const { decision, steps } = evaluate(policy, directed);
  const computer =
    directed.direction === 'outgoing' ? 'this client' : directed.direction === 'domain' ? directed.request.dc.netbiosComputerName : directed.request.server.netbiosComputerName;
  const events = decision.events.map((spec): ExplainEvent => {
    const built = buildEvent(spec, { time: 0, computer });
    return {
      eventId: built.eventId,
      level: LEVEL_NAMES[built.level] ?? String(built.level),
      provider: built.provider,
      title: eventDefinition(built.eventId)?.title ?? '',
      computer,
      data: built.data,
    };
  });
  const step = (d: ExplainStep): ExplainStep => ({ action: d.action, setting: d.setting, reason: d.reason });
  return { ...directed, decision: step(decision), steps: steps.map(step), events };
}
