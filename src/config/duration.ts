/**
 * Durations as admins write them in configuration and on the command line: `500ms`, `30s`,
 * `5m`, `24h`, `7d`, `2w`. A bare number means `bareUnit` (seconds in ntlmgate.yaml).
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const DURATION_UNITS = Object.keys(UNIT_MS);

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string | number, bareUnit: keyof typeof UNIT_MS | 'none' = 'none'): number | undefined {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0 || bareUnit === 'none') return undefined;
    return text * (UNIT_MS[bareUnit] ?? 1);
  }
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? (bareUnit === 'none' ? '' : bareUnit)).toLowerCase();
  const factor = UNIT_MS[unit];
  return factor === undefined ? undefined : Number(m[1]) * factor;
}
