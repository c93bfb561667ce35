/**
 * Runs every case of the hand-written decision table (decisionTable.ts) through src/policy and
 * checks the action, the deciding setting, the reason and each event's id and field values.
 * Also checks the table itself: unique ids, catalogue field names only, and that it covers
 * every value of every setting, every response class and MIC present/absent.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent, eventDefinition, type EventSpec } from '../../src/events/index.js';
import {
  decideAfterAuthority,
  decideBeforeAuthority,
  decideBeforeChallenge,
  decideDomain,
  decideIncoming,
  decideOutgoing,
  decideSecurity,
  evaluate,
  loadPolicy,
  SETTINGS,
  SETTING_NAMES,
  type NtlmPolicy,
  type PolicyDecision,
} from '../../src/policy/index.js';
import { BASE_DOMAIN, BASE_INCOMING, BASE_OUTGOING, DECISION_TABLE, type DecisionCase, type ExpectedEvent } from './decisionTable.js';

function run(c: DecisionCase): PolicyDecision {
  const policy = loadPolicy(c.policy);
  switch (c.direction) {
    case 'incoming': {
      const request = { ...BASE_INCOMING, ...c.input };
      if (c.fn === 'beforeChallenge') return decideBeforeChallenge(policy, request);
      if (c.fn === 'beforeAuthority') return decideBeforeAuthority(policy, request);
      if (c.fn === 'decide') return decideIncoming(policy, request);
      if (c.fn === 'security') return decideSecurity(policy, { side: 'server', ...request });
      return evaluate(policy, { direction: 'incoming', request }).decision;
    }
    case 'outgoing': {
      const request = { ...BASE_OUTGOING, ...c.input };
      if (c.fn === 'decide' || c.fn === 'beforeChallenge' || c.fn === 'beforeAuthority') return decideOutgoing(policy, request);
      if (c.fn === 'security') return decideSecurity(policy, { side: 'client', ...request });
      return evaluate(policy, { direction: 'outgoing', request }).decision;
    }
    case 'domain': {
      const request = { ...BASE_DOMAIN, ...c.input };
      if (c.fn === 'decide' || c.fn === 'beforeChallenge' || c.fn === 'beforeAuthority') return decideDomain(policy, request);
      if (c.fn === 'security') return decideSecurity(policy, { side: 'dc', ...request });
      return evaluate(policy, { direction: 'domain', request }).decision;
    }
  }
}

/** Field values as Windows writes them: text; fields without a value are left out. */
function fields(data: EventSpec['data'] | ExpectedEvent['data']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (v !== undefined) out[k] = String(v);
  return out;
}

const ALL_CASES = DECISION_TABLE.flatMap((g) => g.cases);

for (const group of DECISION_TABLE) {
  describe(`decision table: ${group.title}`, () => {
    for (const c of group.cases) {
      it(`${c.id} ${JSON.stringify(c.policy)} ${JSON.stringify(c.input)}`, () => {
        const got = run(c);
        assert.equal(got.action, c.expect.action, 'action');
        assert.equal(got.setting, c.expect.setting, 'setting');
        assert.equal(got.reason, c.expect.reason, 'reason');
        assert.deepEqual(
          got.events.map((e) => e.eventId),
          c.expect.events.map((e) => e.eventId),
          'event ids',
        );
        got.events.forEach((e, i) => {
          const want = c.expect.events[i];
          assert.ok(want);
          assert.deepEqual(fields(e.data), fields(want.data), `fields of event ${e.eventId}`);
          // Every Data name is the catalogue's, and the event builds.
          const def = eventDefinition(e.eventId);
          assert.ok(def, `event ${e.eventId} is in the catalogue`);
          for (const k of Object.keys(e.data)) assert.ok(def.fields.includes(k), `${k} is a Data name of ${e.eventId}`);
          assert.equal(buildEvent(e, { time: 0, computer: 'WEB1' }).eventId, e.eventId);
        });
      });
    }
  });
}

describe('decision table: the incoming phases agree with the whole logon', () => {
  // An early phase's block is the whole logon's block: the acceptor refuses early, the audit
  // (decideAfterAuthority over the refused logon) names the same setting and reason.
  const early = ALL_CASES.filter((c) => c.direction === 'incoming' && (c.fn === 'beforeChallenge' || c.fn === 'beforeAuthority') && c.expect.action === 'block');
  it('has early blocks to compare', () => assert.ok(early.length >= 3));
  for (const c of early) {
    it(`${c.id}: decideAfterAuthority blocks the same logon for the same setting and reason`, () => {
      const whole = decideAfterAuthority(loadPolicy(c.policy), { ...BASE_INCOMING, ...(c.input as Partial<typeof BASE_INCOMING>) });
      assert.equal(whole.action, 'block');
      assert.equal(whole.setting, c.expect.setting);
      assert.equal(whole.reason, c.expect.reason);
    });
  }
});

describe('decision table: the table itself', () => {
  it('has unique case ids', () => {
    const ids = ALL_CASES.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('covers every value of every setting', () => {
    const policies: NtlmPolicy[] = ALL_CASES.map((c) => loadPolicy(c.policy));
    for (const name of SETTING_NAMES) {
      const spec = SETTINGS[name];
      if (spec.kind === 'enum') {
        for (const { value } of spec.values) {
          assert.ok(
            policies.some((p) => p.configured.includes(name) && p[name] === value),
            `${name} = ${value} appears in some case`,
          );
        }
        assert.ok(policies.some((p) => !p.configured.includes(name)), `${name} absent (default) appears in some case`);
      } else if (spec.kind === 'flags') {
        for (const { value } of spec.bits) {
          assert.ok(policies.some((p) => ((p[name] as number) & value) !== 0 && p.configured.includes(name)), `${name} bit ${value} appears`);
        }
        assert.ok(policies.some((p) => p.configured.includes(name) && p[name] === 0), `${name} = 0 appears`);
      } else {
        const lists = policies.map((p) => p[name] as NtlmPolicy['DCAllowedNTLMServers']);
        assert.ok(lists.some((l) => l.some((e) => e.suffix === undefined)), `${name}: an exact entry appears`);
        assert.ok(lists.some((l) => l.some((e) => e.suffix !== undefined)), `${name}: a wildcard entry appears`);
      }
    }
    for (const value of [0, 1]) {
      assert.ok(policies.some((p) => [...p.services.values()].some((s) => s.BlockNTLM === value)), `BlockNTLM = ${value} appears`);
    }
  });

  it('covers every response class and MIC present / absent in each direction', () => {
    for (const direction of ['incoming', 'outgoing', 'domain'] as const) {
      const cases = ALL_CASES.filter((c) => c.direction === direction);
      const base = { incoming: BASE_INCOMING, outgoing: BASE_OUTGOING, domain: BASE_DOMAIN }[direction];
      for (const version of ['LM', 'NTLMv1', 'NTLMv1-ESS', 'NTLMv2'] as const) {
        assert.ok(cases.some((c) => (c.input.version ?? base.version) === version), `${direction}: ${version}`);
      }
      for (const mic of [true, false]) {
        assert.ok(cases.some((c) => (c.input.micPresent ?? base.micPresent) === mic), `${direction}: MIC ${mic}`);
      }
    }
  });
});
