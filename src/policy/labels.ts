/**
 * Option labels ↔ values. Labels match case-insensitively and loosely on punctuation, so
 * "Send NTLMv2 response only. Refuse LM & NTLM" and "send ntlmv2 response only, refuse lm and
 * ntlm" are the same option (the CSP and vendor pages spell them differently, facts §1.2).
 */
import type { ValueLabel } from './settings.js';

/** Lower case, `&` read as "and", punctuation dropped, runs of spaces collapsed. */
export function normalizeLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[.,;:!\-_'"()]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The value whose label or alias matches `text`, if any. */
export function valueForLabel<V extends number>(values: readonly ValueLabel<V>[], text: string): V | undefined {
  const want = normalizeLabel(text);
  if (want === '') return undefined;
  for (const v of values) {
    if (normalizeLabel(v.label) === want) return v.value;
    if (v.aliases?.some((a) => normalizeLabel(a) === want)) return v.value;
  }
  return undefined;
}

/** The label of a value ('' when the value has none). */
export function labelOf(values: readonly ValueLabel[], value: number): string {
  return values.find((v) => v.value === value)?.label ?? '';
}

/** `0 (Disable), 1 (Deny for domain accounts to domain servers), …`: the allowed-values list of an error message. */
export function allowedList(values: readonly ValueLabel[], format: (v: number) => string = String): string {
  return values.map((v) => `${format(v.value)} (${v.label})`).join(', ');
}

/** `0x20080000`-style hex, as NTLMMin*Sec values are written in Windows docs and baselines. */
export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/** The labels of the bits set in a bit-set value; unknown bits as hex. */
export function bitLabels(bits: readonly ValueLabel[], value: number): string[] {
  const out: string[] = [];
  let rest = value >>> 0;
  for (const b of bits) {
    if ((rest & b.value) === b.value) {
      out.push(b.label);
      rest = (rest & ~b.value) >>> 0;
    }
  }
  if (rest !== 0) out.push(hex32(rest));
  return out;
}
