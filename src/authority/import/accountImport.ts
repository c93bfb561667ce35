/**
 * Account import: accounts migrated from another store by NT hash, in either of the shapes
 * those stores export — our CSV (csv.ts) or password-dump lines of pdbedit -w, pwdump and
 * secretsdump (passwordDump.ts) — written to an AccountStore in one transaction. Every row is
 * checked before anything is written and every problem is reported with its line, never the
 * hash itself (AccountImportError).
 */
import type { AccountStore } from '../local/accountStore.js';
import { nameKey, netbiosProblem, qualified } from '../names.js';
import { parseImportCsv } from './csv.js';
import { AccountImportError } from './errors.js';
import { isPasswordDump, parsePasswordDump } from './passwordDump.js';
import type { ImportRow, ParsedImport } from './rows.js';

export { AccountImportError, type AccountImportErrorCode, type ImportLine } from './errors.js';
export { parseImportCsv } from './csv.js';
export { isPasswordDump, parsePasswordDump } from './passwordDump.js';
export type { ImportRow, ParsedImport } from './rows.js';

/**
 * Either shape, told apart by its lines. `domain` (a NetBIOS domain name) is the domain of
 * password-dump lines that name none; CSV rows name their own, so it is refused there.
 */
export function parseAccountImport(text: string, source = 'input', domain?: string): ParsedImport {
  const badDomain = domain === undefined ? undefined : netbiosProblem(domain);
  if (badDomain) throw new AccountImportError('bad-domain', source, `the default domain ${JSON.stringify(domain)} ${badDomain}`);
  if (isPasswordDump(text)) return parsePasswordDump(text, source, domain);
  if (domain !== undefined) throw new AccountImportError('domain-not-applicable', source, 'a default domain applies to password-dump lines (name:id:LM:NT:…); CSV rows name their domain');
  return { rows: parseImportCsv(text, source), skipped: [] };
}

export interface ImportSummary {
  readonly created: number;
  readonly updated: number;
  readonly groupsCreated: readonly string[];
}

export interface ImportOptions {
  /** Replace the NT hash (and add the groups) of accounts that exist; otherwise they are an error. */
  readonly update: boolean;
  readonly now: number;
  /** Named in errors (default `input`). */
  readonly source?: string;
}

/** Writes parsed rows in one transaction; without `update`, existing accounts are an AccountImportError naming each with its line. */
export async function importAccounts(store: AccountStore, rows: readonly ImportRow[], o: ImportOptions): Promise<ImportSummary> {
  if (!o.update) {
    const existing = new Set((await store.listAccounts()).map((a) => `${nameKey(a.domain)}\\${nameKey(a.name)}`));
    const clash = rows.filter((r) => existing.has(`${nameKey(r.domain)}\\${nameKey(r.name)}`));
    if (clash.length > 0) {
      const n = clash.length;
      throw new AccountImportError(
        'exists',
        o.source ?? 'input',
        `nothing imported; ${n} account${n === 1 ? ' exists' : 's exist'} already`,
        clash.map((r) => ({ line: r.line, text: qualified(r) })),
      );
    }
  }
  const r = await store.addAccounts(rows, { existing: o.update ? 'update' : 'error', createGroups: true, now: o.now });
  return { created: r.created.length, updated: r.updated.length, groupsCreated: r.groupsCreated.map(qualified) };
}
