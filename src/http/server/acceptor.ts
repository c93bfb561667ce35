/**
 * One handshake's acceptor for the scheme the client chose: `NTLM` gets a bare
 * NtlmServerContext, `Negotiate` the SPNEGO context (which also takes raw NTLMSSP, as Windows
 * and curl send it under Negotiate). Both answer through one step shape.
 */
import { randomUUID } from 'node:crypto';
import { NegotiateServerContext, type NegotiateAcceptResult, type NegotiateFailure } from '../../spnego/negotiateServer.js';
import { NtlmServerContext, type NtlmAcceptResult, type NtlmServerOptions } from '../../ntlm/serverContext.js';
import type { NtlmAuthority } from '../../ntlm/authority.js';
import { decideBeforeAuthority } from '../../policy/decide/incoming.js';
import { acceptorLmLevel } from '../../policy/lmCompatibility.js';
import type { ResolvedOptions } from './options.js';
import type { AuthProvider } from './providers.js';

export type AcceptorStep =
  | { readonly status: 'continue'; readonly token: Buffer }
  | { readonly status: 'complete'; readonly token?: Buffer; readonly result: NtlmAcceptResult | NegotiateAcceptResult }
  | { readonly status: 'failed'; readonly failure: NegotiateFailure };

export interface Acceptor {
  readonly scheme: AuthProvider;
  /** The logon attempt this handshake's AUTHENTICATE makes: on every audit event it produces, the authority's too. */
  readonly attemptId: string;
  step(token: Buffer): Promise<AcceptorStep>;
}

/**
 * The authority behind the policy's phase before it (decideBeforeAuthority): a logon the policy
 * refuses there never reaches the authority (no DC events, no bad-password count) and ends as
 * STATUS_NTLM_BLOCKED. The refused logon is audited by the handler (http/server/audit.ts).
 */
export function gateDomainAccounts(options: Pick<ResolvedOptions, 'authority' | 'policy' | 'machine'>): NtlmAuthority {
  const { authority, policy, machine } = options;
  return {
    validate: async (req) => {
      const phase = decideBeforeAuthority(policy, { server: machine, user: req.userName, domain: req.domainName });
      return phase.action === 'block' ? { status: 'STATUS_NTLM_BLOCKED' } : authority.validate(req);
    },
  };
}

export function createAcceptor(scheme: AuthProvider, o: ResolvedOptions, channelBindings: NtlmServerOptions['channelBindings']): Acceptor {
  const attemptId = randomUUID();
  const gated = gateDomainAccounts(o);
  const options: NtlmServerOptions = {
    ...o.machine,
    authority: { validate: (req) => gated.validate({ ...req, attemptId }) },
    // The acceptor refuses what the policy's LmCompatibilityLevel refuses; policy still sees the
    // refused logon (failure.logon) and writes its events (e.g. 4025 for NTLMv1).
    lmCompatibilityLevel: acceptorLmLevel(o.policy),
    allowAnonymous: o.allowAnonymous,
    requireMic: o.requireMic,
    challengeLifetimeMs: o.handshakeTimeoutMs,
    channelBindings,
    targetNames: o.targetNames,
    now: o.now,
    randomBytes: o.randomBytes,
  };
  if (scheme === 'NTLM') {
    const ctx = new NtlmServerContext(options);
    return { scheme, attemptId, step: (token) => ctx.step(token) };
  }
  const ctx = new NegotiateServerContext(options);
  return {
    scheme,
    attemptId,
    async step(token) {
      const s = await ctx.step(token);
      // SPNEGO's reject token is not sent: a refused logon gets fresh bare challenges, as IIS does.
      return s.status === 'failed' ? { status: 'failed', failure: s.failure } : s;
    },
  };
}
