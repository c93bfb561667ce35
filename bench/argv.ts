/** The benches' command-line options: `--name value` pairs read from process.argv. */

/** The value after `name`, or undefined when `name` is not given. */
export function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The number after `name`, or undefined when `name` is not given. */
export function numOf(name: string): number | undefined {
  const v = argOf(name);
  return v === undefined ? undefined : Number(v);
}

/** The options the command line gave (keys left undefined are dropped, so a bench's defaults stand). */
export function given<T>(picked: { readonly [K in keyof T]?: unknown }): Partial<T> {
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)) as Partial<T>;
}
