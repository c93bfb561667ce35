/** What every decision returns, and how a chain of decisions adds up. */
import type { EventSpec } from '../events/index.js';

/** allow: go on silently (usage events aside); audit: go on and log what a Deny would block; block: refuse. */
export type PolicyAction = 'allow' | 'audit' | 'block';

export interface PolicyDecision {
  readonly action: PolicyAction;
  /** One sentence, starting with the option label that decided. */
  readonly reason: string;
  /** The registry value name that decided (`services.<name>.BlockNTLM` for a per-service block). */
  readonly setting: string;
  /** The events Windows would write for it, in order. */
  readonly events: readonly EventSpec[];
}

export function decision(action: PolicyAction, setting: string, reason: string, events: readonly EventSpec[] = []): PolicyDecision {
  return { action, setting, reason, events };
}

/**
 * Several decisions taken in turn: the first block ends the chain and decides; otherwise the
 * first audit, otherwise the first decision, speaks for the whole. Events add up in order.
 */
export function combine(steps: readonly PolicyDecision[]): PolicyDecision {
  const taken: PolicyDecision[] = [];
  for (const s of steps) {
    taken.push(s);
    if (s.action === 'block') break;
  }
  const lead = taken.find((s) => s.action === 'block') ?? taken.find((s) => s.action === 'audit') ?? taken[0];
  if (lead === undefined) throw new RangeError('combine() needs at least one decision');
  return { ...lead, events: taken.flatMap((s) => s.events) };
}
