/**
 * The line format of the JSON Lines and stdout stores: the AuditEvent as JSON with a leading
 * `"v": 1` format version, one event per `\n`-terminated line. Per line rather than a file
 * header, so that rotated, concatenated or shipped fragments still say what they are.
 */
import type { AuditEvent } from '../../events/event.js';
import { AuditStoreError } from '../sink.js';
import { checkEvents } from './validate.js';

export const JSON_LINE_VERSION = 1;

export function encodeLine(e: AuditEvent): string {
  return JSON.stringify({ v: JSON_LINE_VERSION, ...e }) + '\n';
}

/** Parses one line (without its `\n`); `where` names it in errors. Returns the event and its time in ms. */
export function decodeLine(text: string, where: string): { event: AuditEvent; timeMs: number } {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new AuditStoreError('corrupt', `${where}: not JSON: ${text.slice(0, 80)}`, { cause: e });
  }
  if (typeof obj !== 'object' || obj === null || !('v' in obj)) throw new AuditStoreError('corrupt', `${where}: not an audit line (no "v")`);
  const { v, ...event } = obj as { v: unknown } & AuditEvent;
  if (v !== JSON_LINE_VERSION) {
    throw typeof v === 'number' && v > JSON_LINE_VERSION
      ? new AuditStoreError('schema-version', `${where}: audit line format version ${v}; this ntlmgate reads version ${JSON_LINE_VERSION}`)
      : new AuditStoreError('corrupt', `${where}: unknown audit line format version ${JSON.stringify(v)}`);
  }
  try {
    const [timeMs = NaN] = checkEvents([event]);
    return { event, timeMs };
  } catch (e) {
    throw new AuditStoreError('corrupt', `${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
