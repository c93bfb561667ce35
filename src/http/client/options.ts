/**
 * The options every client entry point shares (dispatcher, interceptor, agents, axios),
 * validated once and resolved to their defaults, and the one place events reach the sink.
 */
import { hostname } from 'node:os';
import type { AuditSink } from '../../audit/sink.js';
import type { AuditEvent } from '../../events/event.js';
import { DEFAULT_POLICY, type NtlmPolicy } from '../../policy/policy.js';
import type { AuthScheme, ProcessIdentity } from '../../policy/requests.js';
import type { AuthSettings } from './authenticator.js';
import { AUTH_SCHEMES } from './challenge.js';
import { resolveCredentials, type HttpCredentials } from './credentials.js';
import { HttpAuthError, type AuthTargetKind } from './errors.js';

export interface HttpAuthOptions {
  /** Who to log on as. */
  readonly credentials: HttpCredentials;
  /** Schemes to answer, in order of preference when a server offers several. Default `['Negotiate', 'NTLM']`. */
  readonly schemes?: readonly AuthScheme[];
  /** The outgoing Restrict-NTLM policy (loadPolicy / loadPolicyFile). Default: DEFAULT_POLICY (allow, NTLMv2). */
  readonly policy?: NtlmPolicy;
  /** Where the NTLM/Operational events (8001, 4001, 4020/4021, …) go; awaited before each token is sent. */
  readonly audit?: AuditSink;
  /** The ntlmgate service the requests are made for: `services.<name>` in the policy, and the events' context. */
  readonly service?: string;
  /** The process the events name (CallerPID / ProcessName). Default: this process, `ntlmgate`. */
  readonly process?: ProcessIdentity;
  /** System/Computer of the events. Default: os.hostname(). */
  readonly computerName?: string;
  /** The SPN sent as MsvAvTargetName. Default `HTTP/<host>` (the host as the URL names it, no port). */
  readonly spn?: (host: string, target: AuthTargetKind) => string;
}

export interface ResolvedAuth {
  readonly settings: AuthSettings;
  readonly schemes: readonly AuthScheme[];
  readonly audit: AuditSink | undefined;
  spn(host: string, target: AuthTargetKind): string;
}

export function resolveAuth(o: HttpAuthOptions): ResolvedAuth {
  if (o === null || typeof o !== 'object') throw new HttpAuthError('BAD_OPTION', 'options are required ({ credentials, … })');
  const credentials = resolveCredentials(o.credentials);
  const schemes = o.schemes ?? AUTH_SCHEMES;
  if (!Array.isArray(schemes) || schemes.length === 0 || schemes.some((s) => !AUTH_SCHEMES.includes(s))) {
    throw new HttpAuthError('BAD_OPTION', `schemes must list Negotiate and/or NTLM, got ${JSON.stringify(schemes)}`);
  }
  if (o.audit !== undefined && typeof o.audit?.write !== 'function') throw new HttpAuthError('BAD_OPTION', 'audit must be an AuditSink');
  const spn = o.spn ?? ((host: string) => `HTTP/${host}`);
  return {
    settings: {
      credentials,
      policy: o.policy ?? DEFAULT_POLICY,
      service: o.service,
      process: o.process ?? { pid: process.pid, name: 'ntlmgate' },
      computer: o.computerName ?? hostname(),
      now: Date.now,
    },
    schemes: [...new Set(schemes)],
    audit: o.audit,
    spn,
  };
}

/** Writes events and waits until they are durable; a failing sink fails closed (the token is not sent). */
export async function writeEvents(audit: AuditSink | undefined, events: readonly AuditEvent[]): Promise<void> {
  if (!audit || events.length === 0) return;
  try {
    await audit.write(events);
  } catch (e) {
    throw new HttpAuthError('AUDIT_FAILED', `the audit sink failed; no NTLM token was sent: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** The host part of a URL without IPv6 brackets (what policy and the SPN name). */
export function bareHost(url: URL): string {
  const h = url.hostname;
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}
