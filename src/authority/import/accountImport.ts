/**
 * `ntlmgate users import`: accounts migrated from another store by NT hash, in either of the
 * shapes those stores export:
 *  - our CSV: `domain,name,nthash[,groups]` (optional header line, `#` comments);
 *  - password-dump lines `[DOMAIN\]name:id:LMHASH:NTHASH:…`, as Samba's `pdbedit -w`
 *    (smbpasswd(5): `name:uid:LM:NT:[flags]:LCT-<hex>:`), pwdump (`name:rid:LM:NT:::`) and
 *    impacket's secretsdump (`DOMAIN\name:rid:LM:NT:::`) print them. A line without a domain
 *    takes `--domain`. The LM hash is ignored (ntlmgate never verifies LM responses); the
 *    smbpasswd flag D imports the account disabled, and trust accounts (flags W, S, I, or a
 *    name ending in `$`: the machine and domain trust accounts both tools list with the users)
 *    are skipped, as are secretsdump's `[*] …` progress lines.
 * Every row is checked before anything is written and every problem is reported with its
 * line, never the hash itself.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { AccountStore, NewAccount } from '../../authority/local/accountStore.js';
import { accountNameProblem, nameKey, netbiosProblem, parseQualified, qualified, type AccountKey } from '../../authority/names.js';
import { ntHashHexProblem } from '../../authority/local/ntHash.js';
import { CliError } from '../errors.js';

export interface ImportRow extends NewAccount {
  /** The line the account was on. */
  readonly line: number;
}

export interface ParsedImport {
  readonly rows: ImportRow[];
  /** Lines left out on purpose (trust accounts), as `source:line: why`. */
  readonly skipped: string[];
}

const HEADER = ['domain', 'name', 'nthash', 'groups'];

/** One problem list for a whole input; throws once with all of them. */
class Problems {
  readonly list: string[] = [];
  constructor(private readonly source: string) {}
  at(line: number, msg: string): void {
    this.list.push(`${this.source}:${line}: ${msg}`);
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new CliError(`nothing imported; ${this.list.length} problem${this.list.length === 1 ? '' : 's'}:\n${this.list.join('\n')}`);
  }
}

/** Name, domain and hash checks shared by both shapes; a duplicate is reported with its first line. */
function checkAccount(domain: string, name: string, hash: string, line: number, seen: Map<string, number>): string[] {
  const bad = [
    netbiosProblem(domain) && `domain ${JSON.stringify(domain)} ${netbiosProblem(domain)}`,
    accountNameProblem(name) && `name ${JSON.stringify(name)} ${accountNameProblem(name)}`,
    ntHashHexProblem(hash) && `nthash ${ntHashHexProblem(hash)}`,
  ].filter((p): p is string => typeof p === 'string');
  const key = `${nameKey(domain)}\\${nameKey(name)}`;
  const earlier = seen.get(key);
  if (earlier !== undefined) bad.push(`${domain}\\${name} is also on line ${earlier}`);
  seen.set(key, earlier ?? line);
  return bad;
}

/**
 * Parses an import CSV: `domain,name,nthash[,groups]`, an optional header line with those
 * names, `#` comments; groups separated by `;`, each `DOMAIN\group` or a group of the
 * account's domain.
 */
export function parseImportCsv(text: string, source = 'input'): ImportRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, { info: true, relax_column_count: true, skip_empty_lines: true, trim: true, comment: '#' }) as unknown as typeof records;
  } catch (e) {
    throw new CliError(`${source}: not valid CSV: ${e instanceof Error ? e.message : String(e)}`);
  }
  const first = records[0]?.record.map((c) => c.toLowerCase());
  if (first && first.length >= 3 && first.every((c, i) => c === HEADER[i])) records = records.slice(1);
  const problems = new Problems(source);
  const rows: ImportRow[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records) {
    const line = info.lines;
    if (record.length < 3 || record.length > 4) {
      problems.at(line, `expected 3 or 4 columns (domain,name,nthash[,groups]), got ${record.length}`);
      continue;
    }
    const [domain = '', name = '', hash = '', groupText = ''] = record;
    const bad = checkAccount(domain, name, hash, line, seen);
    const groups: AccountKey[] = [];
    for (const g of groupText.split(';').map((x) => x.trim()).filter((x) => x !== '')) {
      try {
        groups.push(parseQualified(g, domain, 'group'));
      } catch (e) {
        bad.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (bad.length > 0) {
      bad.forEach((b) => problems.at(line, b));
      continue;
    }
    rows.push({ line, domain, name, ntHash: Buffer.from(hash, 'hex'), groups });
  }
  problems.throwIfAny();
  if (rows.length === 0) throw new CliError(`${source}: no accounts to import`);
  return rows;
}

/** `[DOMAIN\]name:<number>:` starts a password-dump line (smbpasswd, pwdump, secretsdump). */
const DUMP_LINE = /^[^:,]+:\d+:/;

/** Blank lines, `#` comments and secretsdump's progress lines (`[*] Dumping …`). */
const IGNORED = (line: string): boolean => line === '' || line.startsWith('#') || /^\[[*+!-]\] /.test(line);

/** True when every line that is not ignored looks like a password-dump line. */
export function isPasswordDump(text: string): boolean {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => !IGNORED(l));
  return lines.length > 0 && lines.every((l) => DUMP_LINE.test(l));
}

/** smbpasswd(5) account flags: `[U          ]`, 11 letters or spaces between brackets. */
const FLAGS = /^\[([A-Z ]*)\]$/;

/**
 * Parses password-dump lines (see the file comment). `domain` is the domain of lines that
 * name none (`--domain`); such a line without it is a problem.
 */
export function parsePasswordDump(text: string, source = 'input', domain?: string): ParsedImport {
  const problems = new Problems(source);
  const rows: ImportRow[] = [];
  const skipped: string[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const text = raw.trim();
    if (IGNORED(text)) return;
    const fields = text.split(':');
    if (fields.length < 4) return problems.at(line, `expected name:id:LM hash:NT hash:…, got ${fields.length} field${fields.length === 1 ? '' : 's'}`);
    const [who = '', , , hash = '', flagText = ''] = fields;
    const flags = FLAGS.exec(flagText)?.[1] ?? '';
    const slash = who.indexOf('\\');
    const name = slash >= 0 ? who.slice(slash + 1) : who;
    const accountDomain = slash >= 0 ? who.slice(0, slash) : domain;
    if (/[WSI]/.test(flags)) return void skipped.push(`${source}:${line}: ${who} is a trust account (flags [${flags.trim()}])`);
    if (name.endsWith('$')) return void skipped.push(`${source}:${line}: ${who} is a trust account (a name ending in $)`);
    if (accountDomain === undefined) return problems.at(line, `${JSON.stringify(who)} names no domain: give one with --domain`);
    if (/^[X*]{32}$|^NO PASSWORD/i.test(hash)) return problems.at(line, `${who} has no NT hash (no password set)`);
    const bad = checkAccount(accountDomain, name, hash, line, seen);
    if (bad.length > 0) return bad.forEach((b) => problems.at(line, b));
    rows.push({ line, domain: accountDomain, name, ntHash: Buffer.from(hash, 'hex'), enabled: !flags.includes('D'), groups: [] });
  });
  problems.throwIfAny();
  if (rows.length === 0) throw new CliError(`${source}: no accounts to import${skipped.length > 0 ? ` (${skipped.length} trust account${skipped.length === 1 ? '' : 's'} skipped)` : ''}`);
  return { rows, skipped };
}

/** Either shape, told apart by its lines; `domain` only applies to password-dump lines. */
export function parseAccountImport(text: string, source = 'input', domain?: string): ParsedImport {
  if (isPasswordDump(text)) return parsePasswordDump(text, source, domain);
  if (domain !== undefined) throw new CliError('--domain applies to password-dump lines (name:id:LM:NT:…); CSV rows name their domain', 2);
  return { rows: parseImportCsv(text, source), skipped: [] };
}

export interface ImportSummary {
  readonly created: number;
  readonly updated: number;
  readonly groupsCreated: readonly string[];
}

/** Imports parsed rows in one transaction; existing accounts are an error unless `update`. */
export async function importAccounts(store: AccountStore, rows: readonly ImportRow[], update: boolean, now: number): Promise<ImportSummary> {
  if (!update) {
    const existing = new Set((await store.listAccounts()).map((a) => `${nameKey(a.domain)}\\${nameKey(a.name)}`));
    const clash = rows.filter((r) => existing.has(`${nameKey(r.domain)}\\${nameKey(r.name)}`));
    if (clash.length > 0) {
      const shown = clash.slice(0, 20).map((r) => `  line ${r.line}: ${qualified(r)}`);
      if (clash.length > 20) shown.push(`  … and ${clash.length - 20} more`);
      throw new CliError(`nothing imported; ${clash.length} account${clash.length === 1 ? ' exists' : 's exist'} already (--update replaces their NT hashes):\n${shown.join('\n')}`);
    }
  }
  const r = await store.addAccounts(rows, { existing: update ? 'update' : 'error', createGroups: true, now });
  return { created: r.created.length, updated: r.updated.length, groupsCreated: r.groupsCreated.map(qualified) };
}
