/**
 * The options every client entry point shares (dispatcher, interceptor, agents, axios),
 * validated once and resolved to their defaults, and the one place events reach the sink.
 */
import { hostname } from 'node:os';
import type { AuditSink } from '../../audit/sink.js';
import type { AuditEvent } from '../../events/event.js';
import { DEFAULT_POLICY, type NtlmPolicy } from '../../policy/policy.js';
import { AUTH_SCHEMES, type AuthScheme, type ProcessIdentity } from '../../policy/requests.js';
import type { AuthSettings } from './authenticator.js';
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
  /**
   * Observer of the handshakes, for diagnostics (`ntlmgate fetch -v`): called with every
   * `Authorization` / `Proxy-Authorization` value the client sends and every `WWW-Authenticate`
   * / `Proxy-Authenticate` value it receives, in order. It changes nothing, and what it throws is
   * ignored. The values are the tokens themselves — an AUTHENTICATE carries the NTLMv2 response,
   * which can be attacked offline — so keep them out of ordinary logs.
   */
  readonly onAuthLeg?: (leg: AuthLeg) => void;
}

/** One authentication header of a handshake, as `onAuthLeg` sees it. */
export interface AuthLeg {
  /** `sent`: a header on one of our requests; `received`: a header on a response. */
  readonly direction: 'sent' | 'received';
  /** Who the header is for or from: the server (401) or the proxy (407). */
  readonly target: AuthTargetKind;
  /** That server's or proxy's host, as the URL names it. */
  readonly host: string;
  readonly header: 'Authorization' | 'Proxy-Authorization' | 'WWW-Authenticate' | 'Proxy-Authenticate';
  /** The header value as sent or received, e.g. `NTLM TlRMTVNTUAAB…` or a bare `Negotiate`. */
  readonly value: string;
  /** `sent`: the request's method (`CONNECT` for a proxy tunnel). */
  readonly method?: string;
  /** `received`: the response's status. */
  readonly status?: number;
}

export interface ResolvedAuth {
  readonly settings: AuthSettings;
  readonly schemes: readonly AuthScheme[];
  readonly audit: AuditSink | undefined;
  readonly onAuthLeg: ((leg: AuthLeg) => void) | undefined;
  spn(host: string, target: AuthTargetKind): string;
}

export function resolveAuth(options: HttpAuthOptions): ResolvedAuth {
  if (options === null || typeof options !== 'object') throw new HttpAuthError('BAD_OPTION', 'options are required ({ credentials, … })');
  const credentials = resolveCredentials(options.credentials);
  const schemes = options.schemes ?? AUTH_SCHEMES;
  if (!Array.isArray(schemes) || schemes.length === 0 || schemes.some((s) => !AUTH_SCHEMES.includes(s))) {
    throw new HttpAuthError('BAD_OPTION', `schemes must list Negotiate and/or NTLM, got ${JSON.stringify(schemes)}`);
  }
  if (options.audit !== undefined && typeof options.audit?.write !== 'function') throw new HttpAuthError('BAD_OPTION', 'audit must be an AuditSink');
  if (options.onAuthLeg !== undefined && typeof options.onAuthLeg !== 'function') throw new HttpAuthError('BAD_OPTION', 'onAuthLeg must be a function');
  const spn = options.spn ?? ((host: string) => `HTTP/${host}`);
  return {
    settings: {
      credentials,
      policy: options.policy ?? DEFAULT_POLICY,
      service: options.service,
      process: options.process ?? { pid: process.pid, name: 'ntlmgate' },
      computer: options.computerName ?? hostname(),
      now: Date.now,
    },
    schemes: [...new Set(schemes)],
    audit: options.audit,
    onAuthLeg: options.onAuthLeg,
    spn,
  };
}

/** Tells the `onAuthLeg` observer (if any); what it throws does not reach the request. */
export function reportLeg(auth: ResolvedAuth, leg: AuthLeg): void {
  if (auth.onAuthLeg === undefined) return;
  try {
    auth.onAuthLeg(leg);
  } catch {
    // an observer cannot fail a request
  }
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
  const host = url.hostname;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
