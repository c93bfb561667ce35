/**
 * Typed errors of the HTTP client. Every failure the client itself decides on has a stable
 * `code`, so callers (and the `ntlmgate fetch` CLI) can react without matching on text.
 * A server that refuses our credentials is NOT an error: the caller gets its 401/407 response,
 * as from a browser.
 */

export type HttpAuthErrorCode =
  /** The outgoing NTLM policy refused to send a token (NtlmPolicyBlockedError). */
  | 'POLICY_BLOCKED'
  /** The AuditSink failed; the token was not sent (fail closed, as the server does). */
  | 'AUDIT_FAILED'
  /** The server or proxy sent a challenge or token we cannot use (garbage, truncated, wrong mechanism). */
  | 'BAD_CHALLENGE'
  /** The final Negotiate token did not verify (mechListMIC): the response is not delivered. */
  | 'MUTUAL_AUTH_FAILED'
  /** The handshake could not be kept on one connection (the peer keeps closing it) or took too many legs. */
  | 'HANDSHAKE_FAILED'
  /** The proxy refused the CONNECT tunnel, or answered something that is not HTTP. */
  | 'PROXY_FAILED'
  /** An option that cannot work (credentials, proxy URL, pool size, unsupported agent). */
  | 'BAD_OPTION'
  /** A request this client cannot carry (HTTP upgrade / CONNECT through the dispatcher). */
  | 'UNSUPPORTED'
  /** The dispatcher or agent was closed or destroyed. */
  | 'CLOSED';

export class HttpAuthError extends Error {
  override readonly name: string = 'HttpAuthError';
  constructor(
    readonly code: HttpAuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Who the refused token was for. */
export type AuthTargetKind = 'server' | 'proxy';

/**
 * The outgoing policy blocked NTLM to `host` before any token left (RestrictSendingNTLMTraffic
 * = Deny all, a service's BlockNTLM, NTLMMinClientSec, LmCompatibilityLevel, BlockNtlmv1SSO).
 * The events named in `eventIds` (4001, 4010, 4025, …) were written to the AuditSink first.
 */
export class NtlmPolicyBlockedError extends HttpAuthError {
  override readonly name = 'NtlmPolicyBlockedError';
  constructor(
    /** The registry value name that decided (`services.<name>.BlockNTLM` for a service block). */
    readonly setting: string,
    /** The target host as the URL names it. */
    readonly host: string,
    /** The policy's one-sentence reason. */
    readonly reason: string,
    readonly target: AuthTargetKind,
    readonly eventIds: readonly number[],
  ) {
    super('POLICY_BLOCKED', `NTLM to ${target === 'proxy' ? 'proxy ' : ''}${host} blocked by ${setting}: ${reason}`);
  }
}

/** The proxy answered the CONNECT with something other than 2xx (after any authentication). */
export class ProxyConnectError extends HttpAuthError {
  override readonly name = 'ProxyConnectError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super('PROXY_FAILED', message);
  }
}
