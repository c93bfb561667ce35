/**
 * What both import shapes produce (rows with their line numbers), and the checks they share:
 * domain, account name and NT hash as the account store accepts them, and one account per name.
 */
import type { NewAccount } from '../local/accountStore.js';
import { ntHashHexProblem } from '../local/ntHash.js';
import { accountNameProblem, nameKey, netbiosProblem } from '../names.js';
import { AccountImportError, type ImportLine } from './errors.js';

export interface ImportRow extends NewAccount {
  /** The line the account was on. */
  readonly line: number;
}

export interface ParsedImport {
  readonly rows: ImportRow[];
  /** Lines left out on purpose (trust accounts). */
  readonly skipped: ImportLine[];
}

/** The problems of one input, thrown together so every bad line is named at once. */
export class ImportProblems {
  readonly list: ImportLine[] = [];
  constructor(readonly source: string) {}

  at(line: number, text: string, needsDomain = false): void {
    this.list.push({ line, text, ...(needsDomain ? { needsDomain } : {}) });
  }

  throwIfAny(): void {
    const n = this.list.length;
    if (n === 0) return;
    const lines = this.list.map((p) => `${this.source}:${p.line}: ${p.text}`);
    throw new AccountImportError('invalid-rows', this.source, `nothing imported; ${n} problem${n === 1 ? '' : 's'}:\n${lines.join('\n')}`, this.list);
  }
}

/** Name, domain and hash checks shared by both shapes; a duplicate is reported with its first line. */
export function checkAccount(domain: string, name: string, hash: string, line: number, seen: Map<string, number>): string[] {
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
