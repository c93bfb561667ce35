/**
 * Our import CSV: `domain,name,nthash[,groups]`, an optional header line with those names, `#`
 * comments; groups separated by `;`, each `DOMAIN\group` or a group of the account's domain.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { parseQualified, type AccountKey } from '../names.js';
import { AccountImportError } from './errors.js';
import { checkAccount, ImportProblems, type ImportRow } from './rows.js';

const HEADER = ['domain', 'name', 'nthash', 'groups'];

/** The rows of an import CSV; throws AccountImportError naming every bad line. */
export function parseImportCsv(text: string, source = 'input'): ImportRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, { info: true, relax_column_count: true, skip_empty_lines: true, trim: true, comment: '#' }) as unknown as typeof records;
  } catch (e) {
    // csv-parse's own message quotes the field it stopped in, which may hold a hash: only its code and line are shown.
    const { code, lines } = e as { code?: unknown; lines?: unknown };
    const why = typeof code === 'string' ? code.replace(/^CSV_/, '').replace(/_/g, ' ').toLowerCase() : 'unreadable';
    const at = typeof lines === 'number' ? `:${lines}` : '';
    throw new AccountImportError('unreadable', source, `${source}${at}: not valid CSV (${why})`, typeof lines === 'number' ? [{ line: lines, text: `not valid CSV (${why})` }] : []);
  }
  const first = records[0]?.record.map((c) => c.toLowerCase());
  if (first && first.length >= 3 && first.every((c, i) => c === HEADER[i])) records = records.slice(1);
  const problems = new ImportProblems(source);
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
  if (rows.length === 0) throw new AccountImportError('empty', source, `${source}: no accounts to import`);
  return rows;
}
