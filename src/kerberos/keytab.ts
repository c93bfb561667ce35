// MIT keytab files, format 0x0502 (MIT krb5 doc/formats/keytab_file_format.rst): the
// service's long-term keys by principal, kvno and enctype. All integers big-endian.
//
// Record: int32 length (negative: a hole of that many bytes left by a deleted entry), then
// u16 component count (realm not counted), realm and components as u16-counted strings,
// u32 name_type, u32 timestamp, u8 kvno, u16 enctype, u16-counted key, and an optional u32
// kvno that wins when present and non-zero. Readers must skip to the record length: Samba's
// exportkeytab writes 4 bytes of Heimdal flags after the kvno32.

import { ByteReader, ByteWriter } from './byteReader.js';
import { krbFail } from './errors.js';
import type { EncryptionKey } from './messages/basicTypes.js';
import { formatPrincipal, MAX_NAME_COMPONENTS, parsePrincipal, samePrincipal } from './messages/principalName.js';
import type { Principal } from './messages/principalName.js';

/** The only version read and written (0x0501 is host byte order, from the 1990s). */
export const KEYTAB_VERSION = 0x0502;
/** Largest keytab read (a keytab with hundreds of keys is a few tens of KiB). */
export const MAX_KEYTAB_BYTES = 1024 * 1024;

export interface KeytabEntry {
  readonly principal: Principal;
  /** When the key was written (seconds precision). */
  readonly timestamp: Date;
  readonly kvno: number;
  readonly key: EncryptionKey;
}

/** Reads a keytab file's bytes. Throws KerberosDecodeError. Key bytes are views into `input`. */
export function decodeKeytab(input: Uint8Array, opts: { maxBytes?: number } = {}): KeytabEntry[] {
  const maxBytes = opts.maxBytes ?? MAX_KEYTAB_BYTES;
  if (input.length === 0) krbFail('EMPTY', 'keytab: empty file');
  if (input.length > maxBytes) krbFail('TOO_LARGE', `keytab: ${input.length} bytes exceeds ${maxBytes}`);
  const r = new ByteReader(input, 0, input.length, 'keytab');
  const version = r.u16('version');
  if (version !== KEYTAB_VERSION) krbFail('BAD_VERSION', `keytab: version 0x${version.toString(16).padStart(4, '0')} (only 0x0502 is read)`);
  const entries: KeytabEntry[] = [];
  while (r.remaining >= 4) {
    const size = r.i32('record length');
    if (size === 0) return entries; // MIT: a zero length ends the keytab (what follows was never written)
    if (size < 0) {
      if (-size > r.remaining) krbFail('TRUNCATED', `keytab: hole of ${-size} bytes runs past the end`);
      r.pos += -size;
      continue;
    }
    if (size > r.remaining) krbFail('TRUNCATED', `keytab: record of ${size} bytes at offset ${r.pos - 4} runs past the end`);
    const end = r.pos + size;
    entries.push(readRecord(new ByteReader(input, r.pos, end, `keytab record at offset ${r.pos - 4}`)));
    r.pos = end;
  }
  if (r.remaining !== 0) krbFail('TRAILING_DATA', `keytab: ${r.remaining} stray bytes at the end`);
  return entries;
}

function readRecord(r: ByteReader): KeytabEntry {
  const count = r.u16('component count');
  if (count > MAX_NAME_COMPONENTS) krbFail('TOO_LARGE', `${r.what}: ${count} name components`);
  const realm = r.text(r.u16('realm length'), 'realm');
  const nameString: string[] = [];
  for (let i = 0; i < count; i++) nameString.push(r.text(r.u16('component length'), 'component'));
  const nameType = r.u32('name type') | 0;
  const timestamp = new Date(r.u32('timestamp') * 1000);
  let kvno = r.u8('kvno');
  const keytype = r.u16('enctype');
  const keyvalue = r.bytesOf(r.u16('key length'), 'key');
  if (r.remaining >= 4) {
    const kvno32 = r.u32('kvno32');
    if (kvno32 !== 0) kvno = kvno32;
  }
  return { principal: { realm, name: { nameType, nameString } }, timestamp, kvno, key: { keytype, keyvalue } };
}

/** Writes a 0x0502 keytab as MIT does: one record per entry, kvno8 = kvno mod 256, kvno32 always. */
export function encodeKeytab(entries: readonly KeytabEntry[]): Buffer {
  const w = new ByteWriter().u16(KEYTAB_VERSION);
  for (const e of entries) {
    const rec = new ByteWriter();
    const str = (s: string): void => {
      const b = Buffer.from(s, 'utf8');
      if (b.length > 0xffff) throw new RangeError('keytab: name longer than 65535 bytes');
      rec.u16(b.length).bytes(b);
    };
    const comps = e.principal.name.nameString;
    if (comps.length > 0xffff) throw new RangeError('keytab: too many name components');
    rec.u16(comps.length);
    str(e.principal.realm);
    comps.forEach(str);
    if (!Number.isInteger(e.kvno) || e.kvno < 0 || e.kvno > 0xffffffff) throw new RangeError(`keytab: invalid kvno ${e.kvno}`);
    if (e.key.keyvalue.length > 0xffff) throw new RangeError('keytab: key longer than 65535 bytes');
    rec.u32(e.principal.name.nameType >>> 0)
      .u32(Math.floor(e.timestamp.getTime() / 1000) >>> 0)
      .u8(e.kvno & 0xff)
      .u16(e.key.keytype)
      .u16(e.key.keyvalue.length)
      .bytes(e.key.keyvalue)
      .u32(e.kvno);
    const body = rec.finish();
    w.i32(body.length).bytes(body);
  }
  return w.finish();
}

function asPrincipal(p: Principal | string): Principal {
  return typeof p === 'string' ? parsePrincipal(p) : p;
}

/** The entries of one principal, newest kvno first (later entries first among equal kvnos). */
export function keytabEntriesFor(entries: readonly KeytabEntry[], principal: Principal | string): KeytabEntry[] {
  const p = asPrincipal(principal);
  return entries
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => samePrincipal(e.principal, p))
    .sort((x, y) => y.e.kvno - x.e.kvno || y.i - x.i)
    .map(({ e }) => e);
}

/** The highest kvno the keytab holds for `principal`, or undefined. */
export function newestKvno(entries: readonly KeytabEntry[], principal: Principal | string): number | undefined {
  return keytabEntriesFor(entries, principal)[0]?.kvno;
}

/**
 * The key for principal + enctype, with `kvno` when given, else the newest kvno
 * (what MIT does for a kvno of 0). undefined when the keytab has none.
 */
export function findKeytabEntry(
  entries: readonly KeytabEntry[],
  principal: Principal | string,
  want: { readonly enctype: number; readonly kvno?: number },
): KeytabEntry | undefined {
  return keytabEntriesFor(entries, principal).find((e) => e.key.keytype === want.enctype && (want.kvno === undefined || e.kvno === want.kvno));
}

/** `kvno enctype principal`, one line per entry (for listings and logs: no key bytes). */
export function describeKeytabEntry(e: KeytabEntry): string {
  return `${e.kvno} ${e.key.keytype} ${formatPrincipal(e.principal)}`;
}
