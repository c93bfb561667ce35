// PrincipalName (RFC 4120 §5.2.2) and the text form `comp/comp@REALM` (RFC 1964 §2.1.1,
// MIT krb5_parse_name: `\` escapes `/`, `@` and itself, plus \n \t \b \0).

import * as der from '../../der/index.js';
import type { DerNode } from '../../der/index.js';
import { krbFail } from '../errors.js';
import { Fields, fieldSequence, int32, kerberosString, readInt32, readKerberosString, readSequenceOf } from './asn1.js';

/** Components per name accepted from a peer (service names have 2, a few more are harmless). */
export const MAX_NAME_COMPONENTS = 16;

export interface PrincipalName {
  readonly nameType: number;
  readonly nameString: readonly string[];
}

/** A principal with its realm (the pair every message carries as realm + PrincipalName). */
export interface Principal {
  readonly realm: string;
  readonly name: PrincipalName;
}

export function readPrincipalName(node: DerNode, what: string): PrincipalName {
  const f = new Fields(der.readSequence(node, what), 1, what);
  const nameType = readInt32(f.req(0, 'name-type'), `${what} name-type`);
  const nameString = readSequenceOf(f.req(1, 'name-string'), MAX_NAME_COMPONENTS, `${what} name-string`)
    .map((n) => readKerberosString(n, `${what} name-string`));
  return { nameType, nameString };
}

export function encodePrincipalName(p: PrincipalName): Buffer {
  return fieldSequence([
    [0, int32(p.nameType)],
    [1, der.sequence(p.nameString.map(kerberosString))],
  ]);
}

/** Same name components; name-type is advisory and not compared (RFC 4120 §6.2). */
export function samePrincipalName(a: PrincipalName, b: PrincipalName): boolean {
  return a.nameString.length === b.nameString.length && a.nameString.every((s, i) => s === b.nameString[i]);
}

/** Same realm and name components (name-type is not compared, RFC 4120 §6.2). */
export function samePrincipal(a: Principal, b: Principal): boolean {
  return a.realm === b.realm && samePrincipalName(a.name, b.name);
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', b: '\b', '0': '\0' };

/**
 * Parses `comp1/comp2@REALM`. Without `@`, `defaultRealm` is used (BAD_VALUE when there is
 * none). The name type defaults to NT-SRV-INST for two or more components, else NT-PRINCIPAL.
 */
export function parsePrincipal(text: string, opts: { defaultRealm?: string; nameType?: number } = {}): Principal {
  const comps: string[] = [];
  let cur = '';
  let realm: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\') {
      const next = text[++i];
      if (next === undefined) krbFail('BAD_VALUE', `principal ${JSON.stringify(text)} ends in a backslash`);
      cur += ESCAPES[next] ?? next;
    } else if (ch === '/' && realm === undefined) {
      comps.push(cur);
      cur = '';
    } else if (ch === '@' && realm === undefined) {
      comps.push(cur);
      cur = '';
      realm = '';
    } else if (ch === '@' || ch === '/') {
      krbFail('BAD_VALUE', `principal ${JSON.stringify(text)}: unescaped ${ch} in the realm`);
    } else {
      cur += ch;
    }
  }
  if (realm === undefined) comps.push(cur);
  else realm = cur;
  realm ??= opts.defaultRealm;
  if (realm === undefined || realm === '') krbFail('BAD_VALUE', `principal ${JSON.stringify(text)} has no realm`);
  if (comps.some((c) => c === '')) krbFail('BAD_VALUE', `principal ${JSON.stringify(text)} has an empty component`);
  return { realm, name: { nameType: opts.nameType ?? (comps.length > 1 ? 2 : 1), nameString: comps } };
}

const escape = (s: string, realm: boolean): string =>
  s.replace(realm ? /[\\@\n\t\b\0]/g : /[\\/@\n\t\b\0]/g, (c) => {
    const e = Object.entries(ESCAPES).find(([, v]) => v === c);
    return `\\${e !== undefined ? e[0] : c}`;
  });

/** `comp1/comp2@REALM`, escaped so parsePrincipal reads it back. */
export function formatPrincipal(p: Principal): string {
  return `${p.name.nameString.map((c) => escape(c, false)).join('/')}@${escape(p.realm, true)}`;
}
