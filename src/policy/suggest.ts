/** "Did you mean": the closest known name to a mistyped key, when one is close enough. */

/** Levenshtein distance, case-insensitive (registry value names are). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[y.length] ?? Math.max(x.length, y.length);
}

/** The known name nearest to `input`, if within a third of its length (at least 2 edits). */
export function didYouMean(input: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(input.length / 3)) + 1;
  for (const k of known) {
    const d = distance(input, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}
