/**
 * Password-dump lines `[DOMAIN\]name:id:LMHASH:NTHASH:…`, as Samba's `pdbedit -w`
 * (smbpasswd(5): `name:uid:LM:NT:[flags]:LCT-<hex>:`), pwdump (`name:rid:LM:NT:::`) and
 * impacket's secretsdump (`DOMAIN\name:rid:LM:NT:::`) print them. A line without a domain takes
 * the default domain. The LM hash is ignored (ntlmgate never verifies LM responses); the
 * smbpasswd flag D imports the account disabled, and trust accounts (flags W, S, I, or a name
 * ending in `$`: the machine and domain trust accounts both tools list with the users) are
 * skipped, as are secretsdump's `[*] …` progress lines.
 */
import { AccountImportError, type ImportLine } from './errors.js';
import { checkAccount, ImportProblems, type ImportRow, type ParsedImport } from './rows.js';

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
 * The accounts of password-dump lines. `domain` is the domain of lines that name none; such a
 * line without it is a problem (`needsDomain`). Throws AccountImportError naming every bad line.
 */
export function parsePasswordDump(text: string, source = 'input', domain?: string): ParsedImport {
  const problems = new ImportProblems(source);
  const rows: ImportRow[] = [];
  const skipped: ImportLine[] = [];
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
    if (/[WSI]/.test(flags)) return void skipped.push({ line, text: `${who} is a trust account (flags [${flags.trim()}])` });
    if (name.endsWith('$')) return void skipped.push({ line, text: `${who} is a trust account (a name ending in $)` });
    if (accountDomain === undefined) return problems.at(line, `${JSON.stringify(who)} names no domain`, true);
    if (/^[X*]{32}$|^NO PASSWORD/i.test(hash)) return problems.at(line, `${who} has no NT hash (no password set)`);
    const bad = checkAccount(accountDomain, name, hash, line, seen);
    if (bad.length > 0) return bad.forEach((b) => problems.at(line, b));
    rows.push({ line, domain: accountDomain, name, ntHash: Buffer.from(hash, 'hex'), enabled: !flags.includes('D'), groups: [] });
  });
  problems.throwIfAny();
  if (rows.length === 0) {
    const why = skipped.length > 0 ? ` (${skipped.length} trust account${skipped.length === 1 ? '' : 's'} skipped)` : '';
    throw new AccountImportError('empty', source, `${source}: no accounts to import${why}`);
  }
  return { rows, skipped };
}
