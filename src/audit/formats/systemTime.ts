/**
 * System/TimeCreated/@SystemTime ↔ our ISO time. Windows writes UTC with 7 fractional
 * digits (100 ns FILETIME ticks; older builds 9); AuditEvent.time has milliseconds. An
 * imported SystemTime that our own rendering would not reproduce is kept verbatim
 * (`windows.systemTime`), so export → import → export is byte-stable.
 */

const SYSTEM_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** The ISO time (UTC, milliseconds, sub-ms truncated) of a SystemTime, or undefined if it is not one. */
export function parseSystemTime(text: string): string | undefined {
  const m = SYSTEM_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const utc = new Date(0);
  utc.setUTCFullYear(y, mo - 1, d);
  utc.setUTCHours(h, mi, s, ms);
  if (utc.getUTCDate() !== d) return undefined; // 31 February and friends
  const zone = m[8] ?? 'Z';
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 23 || zm > 59) return undefined;
    utc.setTime(utc.getTime() - sign * (zh * 60 + zm) * 60_000);
  }
  return isoTime(utc.getTime());
}

/** Our canonical SystemTime for an ISO time: UTC, 7 fractional digits. */
export function formatSystemTime(time: string): string {
  const iso = normalizeTime(time);
  if (iso === undefined) throw new RangeError(`not a time: ${JSON.stringify(time)}`);
  return systemTimeOfNormal(iso);
}

/** formatSystemTime of a time already normalised (as parseSystemTime returns it). */
export function systemTimeOfNormal(iso: string): string {
  return `${iso.slice(0, -1)}0000Z`;
}

/** `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ`, or undefined if it does not parse or leaves years 0–9999. */
export function normalizeTime(time: string | number | Date): string | undefined {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time : Date.parse(time);
  return Number.isFinite(ms) ? isoTime(ms) : undefined;
}

function isoTime(ms: number): string | undefined {
  const d = new Date(ms);
  if (!Number.isFinite(d.getTime())) return undefined;
  const iso = d.toISOString();
  return iso.length === 24 ? iso : undefined; // extended years (±YYYYYY) are not SystemTimes
}

/**
 * The SystemTime to write for an event: the kept original when it still denotes the
 * event's time (so a changed `time` wins over a stale original), else our rendering.
 */
export function systemTimeOf(time: string, kept: string | undefined): string {
  if (kept !== undefined && parseSystemTime(kept) === normalizeTime(time)) return kept;
  return formatSystemTime(time);
}
