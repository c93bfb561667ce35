/**
 * Sizes as admins write them in configuration and on the command line: `500MB`, `1GB`,
 * `2GiB`, `4096` (bytes). Decimal units are powers of 1000 and binary ones (KiB, MiB, GiB,
 * TiB) powers of 1024, as IEC 80000-13 has them; `K`/`M`/`G`/`T` alone are decimal too.
 */
const UNIT_BYTES: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Whole bytes, or undefined when `text` is not a size (negative, fractional bytes, unknown unit). */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const factor = UNIT_BYTES[(m[2] ?? '').toLowerCase()];
  if (factor === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `1073741824` as `1 GiB`, `1500000` as `1.43 MiB`: for messages and reports. */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} bytes` : `${Number(v.toFixed(2))} ${units[i]}`;
}
