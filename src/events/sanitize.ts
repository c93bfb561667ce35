/**
 * Event data made storable and visible. Names in an AUTHENTICATE (user, domain, workstation,
 * MsvAvTargetName) are whatever UTF-16 the client sent, and every store and export has
 * characters it cannot carry: U+0000 and lone surrogates (PostgreSQL text and jsonb, UTF-8
 * files), XML 1.0's forbidden characters (U+0001–U+001F but TAB/LF/CR, U+FFFE, U+FFFF), and
 * control characters a terminal or a spreadsheet acts on (C0, DEL, C1: an ESC in a user name
 * would drive the terminal that prints `audit report`). Such characters are written as
 * `\uXXXX` (JSON's spelling, lower-case hex) so the event can be stored and an administrator
 * sees what the client sent; in a value that needed it, `\` itself becomes `\u005c`, so the
 * escaping reads back unambiguously. The names of the escaped fields go into the event's
 * data under ESCAPED_FIELD, so a reader knows which values to read that way.
 */

/** Data name listing the escaped fields, comma-separated, in data order. */
export const ESCAPED_FIELD = 'NtlmgateEscaped';

// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const NEEDS_ESCAPE = /[\u0000-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;
// A surrogate is fine when it is half of a pair; only lone ones are escaped.
// eslint-disable-next-line no-control-regex
const ESCAPE = /[\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF\\]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex
const UNPAIRED_OR_CONTROL = /[\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const hex4 = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** The value with every unstorable or control character (and, then, every backslash) as `\uXXXX`; undefined when it needs none. */
export function escapeValue(v: string): string | undefined {
  // The cheap test first: almost every value passes it (a well-formed pair also hits it, and is let through below).
  if (!NEEDS_ESCAPE.test(v) || !UNPAIRED_OR_CONTROL.test(v)) return undefined;
  return v.replace(ESCAPE, hex4);
}

/**
 * Escapes the data values that need it, in place, and records which under ESCAPED_FIELD.
 * Returns the same object when nothing needed escaping.
 */
export function sanitizeData(data: Record<string, string>): Record<string, string> {
  let escaped: string[] | undefined;
  for (const k of Object.keys(data)) {
    const v = data[k];
    if (v === undefined) continue;
    const e = escapeValue(v);
    if (e === undefined) continue;
    data[k] = e;
    (escaped ??= []).push(k);
  }
  if (escaped) data[ESCAPED_FIELD] = escaped.join(',');
  return data;
}
