/**
 * One NTLM audit event, native or imported: the Windows `System` part (id, provider,
 * level, task, time, computer), the `EventData` as ordered name → string pairs, and our
 * own context (service, client IP, request id, decision). Unknown ids and Data names are
 * kept as they came.
 */
import { CHANNEL, eventDefinition } from './catalogue.js';
import { sanitizeData } from './sanitize.js';

export interface AuditContext {
  /** `ntlmgate` for events we wrote, `import` for events read from Windows exports. */
  readonly source: 'ntlmgate' | 'import';
  readonly service?: string;
  readonly clientIp?: string;
  readonly requestId?: string;
  /** The policy decision that produced the event, with the setting that made it. */
  readonly decision?: 'allow' | 'audit' | 'block';
  readonly setting?: string;
  readonly reason?: string;
  /** Our exact response class (LM, NTLMv1, NTLMv1-ESS, NTLMv2), finer than NtlmVersion's strings. */
  readonly ntlmVersion?: string;
  /**
   * The logon attempt the event belongs to: a random id shared by every event one AUTHENTICATE
   * produced (the server's, the authority's as DC) or one client handshake produced, so an
   * attempt is counted once however many events recorded it.
   */
  readonly attemptId?: string;
  /** The acceptor's refusal reason (`logon-failure`, `mic-mismatch`, …) when it refused the logon. */
  readonly refusal?: string;
  /** The NTSTATUS name the logon ended with, when the writer knows it (`STATUS_SUCCESS`, `STATUS_WRONG_PASSWORD`, …). */
  readonly status?: string;
}

export interface AuditEvent {
  readonly eventId: number;
  readonly provider: string;
  readonly channel: string;
  readonly level: number;
  readonly task: number;
  /** ISO 8601 UTC with milliseconds (System/TimeCreated/@SystemTime). */
  readonly time: string;
  /** System/Computer: the machine that logged it. */
  readonly computer: string;
  /** System/EventRecordID when known (imported events keep theirs). */
  readonly recordId?: number;
  readonly data: Readonly<Record<string, string>>;
  readonly context: AuditContext;
}

/** An event as policy asks for it: the id and the fields it knows. */
export interface EventSpec {
  readonly eventId: number;
  readonly data: Readonly<Record<string, string | number | boolean | undefined>>;
}

function str(v: string | number | boolean | undefined): string {
  return v === undefined ? '' : typeof v === 'string' ? v : String(v);
}

/**
 * Fills in the catalogue metadata and orders the data as the template does; fields the
 * template lacks are appended (never dropped).
 */
export function buildEvent(
  spec: EventSpec,
  where: { readonly time: Date | number | string; readonly computer: string; readonly context?: Omit<AuditContext, 'source'> },
): AuditEvent {
  const def = eventDefinition(spec.eventId);
  if (!def) throw new RangeError(`event ${spec.eventId} is not in the catalogue`);
  const data: Record<string, string> = {};
  for (const f of def.fields) data[f] = str(spec.data[f]);
  for (const [k, v] of Object.entries(spec.data)) if (!(k in data)) data[k] = str(v);
  // Peer-sent names may hold characters no store can keep (sanitize.ts): escaped, never refused.
  sanitizeData(data);
  const time = where.time instanceof Date ? where.time : new Date(where.time);
  return {
    eventId: def.id,
    provider: def.provider,
    channel: def.channel ?? CHANNEL,
    level: def.level,
    task: def.task,
    time: time.toISOString(),
    computer: where.computer,
    data,
    context: { source: 'ntlmgate', ...where.context },
  };
}
