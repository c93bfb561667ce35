/**
 * Durations as admins write them in configuration and on the command line: `500ms`, `30s`,
 * `5m`, `24h`, `7d`, `2w`. A bare number means `bareUnit` (seconds in ntlmgate.yaml).
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const DURATION_UNITS = Object.keys(UNIT_MS);

/**
 * The longest delay a Node timer holds (a signed 32-bit count of milliseconds, about 24.8
 * days): a longer setTimeout fires at once, so every duration that ends up in a timer is capped here.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

// `1.1s` is 1100.0000000000002 in binary floating point: rounding at a nanosecond keeps what was written.
const exact = (ms: number): number => Math.round(ms * 1e6) / 1e6;

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string | number, bareUnit: keyof typeof UNIT_MS | 'none' = 'none'): number | undefined {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0 || bareUnit === 'none') return undefined;
    return exact(text * (UNIT_MS[bareUnit] ?? 1));
  }
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? (bareUnit === 'none' ? '' : bareUnit)).toLowerCase();
  const factor = UNIT_MS[unit];
  return factor === undefined ? undefined : exact(Number(m[1]) * factor);
}

/** `2147483647` ms as `24d 20h 31m 23.647s`, for messages that state a limit. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0 || parts.length === 0) parts.push(rest > 0 && rest < 1000 ? `${rest}ms` : `${rest / 1000}s`);
  return parts.join(' ');
}
