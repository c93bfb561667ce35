/**
 * One logon through every decision that applies to it, in handshake order: the Restrict
 * settings of its direction, then response class and session security (decideSecurity).
 * A block ends the chain (Windows refuses before it gets further). For an incoming logon this
 * is the acceptor's last phase, decideAfterAuthority (the earlier ones: decide/incoming.ts).
 */
import { combine, type PolicyDecision } from './decision.js';
import { decideDomain } from './decide/domain.js';
import { decideIncoming } from './decide/incoming.js';
import { decideOutgoing } from './decide/outgoing.js';
import { decideSecurity } from './decide/security.js';
import type { NtlmPolicy } from './policy.js';
import type { DomainRequest, IncomingRequest, OutgoingRequest } from './requests.js';

export type TrafficDirection = 'incoming' | 'outgoing' | 'domain';

export type DirectedRequest =
  | { readonly direction: 'incoming'; readonly request: IncomingRequest }
  | { readonly direction: 'outgoing'; readonly request: OutgoingRequest }
  | { readonly direction: 'domain'; readonly request: DomainRequest };

export interface Evaluation {
  /** The outcome: the step that blocked, else the first that audited, else the first. Events of every step taken. */
  readonly decision: PolicyDecision;
  /** Each decision taken, in order (a block is the last). */
  readonly steps: readonly PolicyDecision[];
}

export function evaluate(policy: NtlmPolicy, directed: DirectedRequest): Evaluation {
  let first: PolicyDecision;
  let security: () => PolicyDecision;
  switch (directed.direction) {
    case 'incoming':
      first = decideIncoming(policy, directed.request);
      security = () => decideSecurity(policy, { side: 'server', ...directed.request });
      break;
    case 'outgoing':
      first = decideOutgoing(policy, directed.request);
      security = () => decideSecurity(policy, { side: 'client', ...directed.request });
      break;
    case 'domain':
      first = decideDomain(policy, directed.request);
      security = () => decideSecurity(policy, { side: 'dc', ...directed.request });
      break;
  }
  const steps = first.action === 'block' ? [first] : [first, security()];
  return { decision: combine(steps), steps };
}

/**
 * An incoming logon once the acceptor is done with it, accepted or refused (the AUTHENTICATE
 * parsed, so there is a logon to describe): every incoming decision and its events.
 */
export function decideAfterAuthority(policy: NtlmPolicy, request: IncomingRequest): PolicyDecision {
  return evaluate(policy, { direction: 'incoming', request }).decision;
}
