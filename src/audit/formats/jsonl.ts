/**
 * JSON Lines: one event per line, keys in a fixed order (time first, so sorted lines are
 * chronological), `windows` only when an imported event carries Windows System fields.
 */
import { AuditImportError, asImportError } from './errors.js';
import type { FormatReader } from './reader.js';
import { assertExportable, canonicalEvent, eventFromJson, type PortableAuditEvent } from './shape.js';

/** One event as a JSON line (no line ending). */
export function toJsonLine(e: PortableAuditEvent): string {
  assertExportable(e);
  return JSON.stringify(canonicalEvent(e));
}

/** Reads events line by line; blank lines are ignored, a BOM was removed by the decoder. */
export const readJsonLines: FormatReader<PortableAuditEvent> = async function* (text, ctx) {
  let buf = '';
  let line = 1; // line number of buf's start
  let offset = 0; // UTF-8 offset of buf's start
  let discarding = false; // inside an over-long line, already reported

  const parse = (raw: string, at: number, where: number): PortableAuditEvent | undefined => {
    const record = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (record.trim() === '') return undefined;
    try {
      let value: unknown;
      try {
        value = JSON.parse(record);
      } catch (err) {
        throw new AuditImportError('JSON_MALFORMED', err instanceof Error ? err.message : 'not JSON');
      }
      return eventFromJson(value);
    } catch (err) {
      ctx.reject(asImportError(err, 'INVALID_EVENT', { format: 'jsonl', line: at, offset: where }));
      return undefined;
    }
  };

  const lines = function* (final: boolean): Generator<PortableAuditEvent> {
    let from = 0;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n', from)) {
      const raw = buf.slice(from, nl);
      if (discarding) discarding = false;
      else if (raw.length > ctx.maxRecordSize) tooLarge(line, offset);
      else {
        const event = parse(raw, line, offset);
        if (event) yield event;
      }
      line++;
      offset += Buffer.byteLength(raw) + 1;
      from = nl + 1;
    }
    buf = buf.slice(from);
    if (final && buf.length > 0) {
      if (!discarding) {
        const event = parse(buf, line, offset);
        if (event) yield event;
      }
      buf = '';
    } else if (!discarding && buf.length > ctx.maxRecordSize) {
      tooLarge(line, offset);
      discarding = true;
    }
    if (discarding) {
      offset += Buffer.byteLength(buf);
      buf = '';
    }
  };

  const tooLarge = (at: number, where: number): void => {
    ctx.reject(new AuditImportError('RECORD_TOO_LARGE', `a line exceeds ${ctx.maxRecordSize} characters`, { format: 'jsonl', line: at, offset: where }));
  };

  for await (const chunk of text) {
    buf += chunk;
    yield* lines(false);
  }
  yield* lines(true);
};
