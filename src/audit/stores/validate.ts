/**
 * Checks shared by every store: an event must be storable before it joins a batch (so one
 * bad event rejects its own write() instead of failing the commit of everyone else's), and
 * a filter is normalised once into milliseconds. Strings may not contain U+0000 or lone
 * surrogates: PostgreSQL text and jsonb cannot hold them, and every store refuses the same
 * events. buildEvent writes such characters in event data as `\uXXXX` (events/sanitize.ts),
 * so only events built elsewhere (imports, a caller's own) can still be refused here.
 */
import type { AuditEvent } from '../../events/event.js';
import type { AuditFilter } from '../query.js';
import { AuditStoreError } from '../sink.js';

const CONTEXT_STRINGS = ['service', 'clientIp', 'requestId', 'setting', 'reason', 'ntlmVersion', 'attemptId', 'refusal', 'status'] as const;

function bad(i: number, what: string): AuditStoreError {
  return new AuditStoreError('invalid-event', `event #${i}: ${what}`);
}

// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const SUSPECT = /[\u0000\uD800-\uDFFF]/; // a fast scan; the exact test runs only on a hit
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (v: string): boolean => SUSPECT.test(v) && UNSTORABLE.test(v);

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Returns each event's time in ms since the epoch (what stores order and filter on). */
export function checkEvents(events: readonly AuditEvent[]): number[] {
  if (!Array.isArray(events)) throw new AuditStoreError('invalid-event', 'write() takes an array of events');
  return events.map((e, i) => {
    if (typeof e !== 'object' || e === null) throw bad(i, 'not an object');
    if (!isInt(e.eventId) || e.eventId < 0) throw bad(i, `eventId ${String(e.eventId)} is not a non-negative integer`);
    if (!isInt(e.level) || !isInt(e.task)) throw bad(i, 'level and task must be integers');
    for (const k of ['provider', 'channel', 'computer', 'time'] as const) if (typeof e[k] !== 'string') throw bad(i, `${k} must be a string`);
    const ms = Date.parse(e.time);
    if (Number.isNaN(ms)) throw bad(i, `time ${JSON.stringify(e.time)} is not an ISO 8601 date`);
    if (e.recordId !== undefined && !isInt(e.recordId)) throw bad(i, 'recordId must be an integer');
    if (typeof e.data !== 'object' || e.data === null) throw bad(i, 'data must be an object');
    // All strings are scanned at once (a write-path hot spot); the culprit is looked for only on a hit.
    let all = e.provider + e.channel + e.computer + e.time;
    for (const k in e.data) {
      const v = e.data[k];
      if (typeof v !== 'string') throw bad(i, `data.${k} is not a string`);
      all += k + v;
    }
    const c = e.context;
    if (typeof c !== 'object' || c === null) throw bad(i, 'context must be an object');
    if (c.source !== 'ntlmgate' && c.source !== 'import') throw bad(i, `context.source ${JSON.stringify(c.source)} is not ntlmgate|import`);
    if (c.decision !== undefined && c.decision !== 'allow' && c.decision !== 'audit' && c.decision !== 'block') {
      throw bad(i, `context.decision ${JSON.stringify(c.decision)} is not allow|audit|block`);
    }
    for (const k of CONTEXT_STRINGS) {
      const v = c[k];
      if (v === undefined) continue;
      if (typeof v !== 'string') throw bad(i, `context.${k} must be a string`);
      all += v;
    }
    if (SUSPECT.test(all)) findUnstorable(e, i);
    return ms;
  });
}

/** Throws for the first string that cannot be stored (the joined scan may also hit on a pair split across two strings). */
function findUnstorable(e: AuditEvent, i: number): void {
  for (const k of ['provider', 'channel', 'computer', 'time'] as const) if (unstorable(e[k])) throw bad(i, `${k} contains U+0000 or a lone surrogate`);
  for (const [k, v] of Object.entries(e.data)) {
    if (unstorable(k) || unstorable(v)) throw bad(i, `data.${JSON.stringify(k)} contains U+0000 or a lone surrogate`);
  }
  for (const k of CONTEXT_STRINGS) {
    const v = e.context[k];
    if (v !== undefined && unstorable(v)) throw bad(i, `context.${k} contains U+0000 or a lone surrogate`);
  }
}

export interface NormalFilter {
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly eventIds?: readonly number[];
  readonly limit?: number;
}

export function normalizeFilter(filter: AuditFilter = {}): NormalFilter {
  const ms = (d: Date | undefined, name: string): number | undefined => {
    if (d === undefined) return undefined;
    const t = d instanceof Date ? d.getTime() : NaN;
    if (Number.isNaN(t)) throw new AuditStoreError('invalid-filter', `${name} must be a valid Date`);
    return t;
  };
  const { eventIds, limit } = filter;
  if (eventIds !== undefined && (!Array.isArray(eventIds) || !eventIds.every(isInt))) {
    throw new AuditStoreError('invalid-filter', 'eventIds must be an array of integers');
  }
  if (limit !== undefined && (!isInt(limit) || limit < 0)) throw new AuditStoreError('invalid-filter', 'limit must be a non-negative integer');
  return { sinceMs: ms(filter.since, 'since'), untilMs: ms(filter.until, 'until'), eventIds, limit };
}

/** The same predicate in JavaScript, for stores that filter while reading (JSON Lines). */
export function matches(f: NormalFilter, eventId: number, timeMs: number): boolean {
  return (
    (f.sinceMs === undefined || timeMs >= f.sinceMs) &&
    (f.untilMs === undefined || timeMs < f.untilMs) &&
    (f.eventIds === undefined || f.eventIds.includes(eventId))
  );
}
