/**
 * Suggests the shortest exception list that keeps today's traffic working: exact names,
 * and `PREFIX*` where several names share a prefix of at least `minPrefix` characters
 * (Windows allows one `*` per entry). A wildcard admits names not seen in the log too —
 * the report says which names each entry covers, so an admin can judge.
 */

export interface SuggestedEntry {
  readonly entry: string;
  /** The observed names it covers. */
  readonly covers: readonly string[];
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Names are compared case-insensitively (NetBIOS and DNS names are) and returned uppercased. */
export function suggestExceptionList(names: Iterable<string>, opts: { minPrefix?: number } = {}): SuggestedEntry[] {
  const minPrefix = opts.minPrefix ?? 3;
  const sorted = [...new Set([...names].map((n) => n.trim().toUpperCase()).filter(Boolean))].sort();
  const out: SuggestedEntry[] = [];
  let group: string[] = [];
  let prefix = 0;
  const flush = (): void => {
    if (group.length === 0) return;
    const [first] = group;
    if (group.length === 1 || first === undefined) out.push({ entry: first ?? '', covers: group });
    else out.push({ entry: `${first.slice(0, prefix)}*`, covers: group });
    group = [];
  };
  for (const name of sorted) {
    const last = group[group.length - 1];
    if (last !== undefined) {
      const p = Math.min(commonPrefix(last, name), group.length > 1 ? prefix : Infinity);
      if (p >= minPrefix) {
        group.push(name);
        prefix = p;
        continue;
      }
      flush();
    }
    group = [name];
    prefix = name.length;
  }
  flush();
  return out;
}
