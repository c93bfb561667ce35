/**
 * The import pipeline (audit/import.ts) into a real SQLite store, and `ntlmgate audit import`
 * through the built CLI: the progress line appears when stderr is a terminal (a real pseudo
 * terminal, made by python3's pty module) and not when it is a pipe; bad input ends in one
 * typed error line, exit 1.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditImportError } from '../../src/audit/formats/index.js';
import { importFileIntoStore, type ImportProgress } from '../../src/audit/import.js';
import { openAuditStore } from '../../src/audit/openAuditStore.js';
import { formatImportProgress, importProgress } from '../../src/cli/progress.js';
import { fixture, fixturePath } from './formats/samples.js';
import { skipUnlessPeers } from '../helpers/peers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIXTURE_EVENTS = 14;
const COPIES = 100;
let dir = '';

/** The fixture's events `copies` times over, each copy with record ids of its own (as a bigger export would have). */
function biggerExport(copies: number): string {
  const events = fixture('wevtutil-ntlm.xml').toString('utf8').match(/<Event [\s\S]*?<\/Event>/g) ?? [];
  let out = '';
  let id = 0;
  for (let c = 0; c < copies; c++) {
    for (const e of events) out += `${e.replace(/<EventRecordID>\d+<\/EventRecordID>/, `<EventRecordID>${++id}</EventRecordID>`)}\r\n`;
  }
  return out;
}

function cli(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI with stdin, stdout and stderr on a pseudo terminal; returns everything the terminal received. */
function cliOnTerminal(args: readonly string[]): { code: number | null; output: string } {
  const script = [
    'import os, pty, sys',
    'pid, fd = pty.fork()',
    'if pid == 0:',
    '    os.execv(sys.argv[1], sys.argv[1:])',
    'out = bytearray()',
    'while True:',
    '    try:',
    '        data = os.read(fd, 65536)',
    '    except OSError:',
    '        break',
    '    if not data:',
    '        break',
    '    out += data',
    '_, status = os.waitpid(pid, 0)',
    'sys.stdout.buffer.write(bytes(out))',
    'sys.exit(os.waitstatus_to_exitcode(status))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, process.execPath, CLI, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { code: r.status, output: r.stdout };
}

describe('audit import pipeline', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ntlmgate-import-'));
    writeFileSync(join(dir, 'big.xml'), biggerExport(COPIES));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores every event in batches, reporting progress up to the whole file', async () => {
    const store = await openAuditStore(`sqlite:${join(dir, 'pipeline.db')}`, { commitOn: 'thread' });
    const seen: ImportProgress[] = [];
    try {
      const s = await importFileIntoStore(store, join(dir, 'big.xml'), { batchSize: 1000, onProgress: (p) => seen.push(p) });
      assert.equal(s.events, COPIES * FIXTURE_EVENTS);
      assert.equal(s.format, 'xml');
      assert.equal(await store.count(), COPIES * FIXTURE_EVENTS);
    } finally {
      await store.close();
    }
    const last = seen[seen.length - 1];
    assert.ok(last && last.totalBytes !== undefined);
    assert.equal(last.bytesRead, last.totalBytes);
    assert.equal(last.events, COPIES * FIXTURE_EVENTS);
    for (let i = 1; i < seen.length; i++) assert.ok((seen[i]?.events ?? 0) >= (seen[i - 1]?.events ?? 0), 'events never go back');
  });

  it('a truncated or hostile file is a typed AuditImportError, nothing else', async () => {
    const ok = fixture('wevtutil-ntlm.xml').toString('utf8');
    const inputs: [string, string, string][] = [
      ['truncated.xml', ok.slice(0, ok.length - 200), 'TRUNCATED'],
      ['doctype.xml', `<!DOCTYPE x [<!ENTITY e "e">]>${ok}`, 'XML_DOCTYPE'],
      ['entity.xml', ok.replace('<Computer>WS01', '<Computer>&e;WS01'), 'XML_ENTITY'],
      ['mismatched.xml', ok.replace('</Channel>', '</Channe1>'), 'XML_MALFORMED'],
    ];
    for (const [name, text, code] of inputs) {
      writeFileSync(join(dir, name), text);
      const store = await openAuditStore('sqlite::memory:');
      try {
        await assert.rejects(importFileIntoStore(store, join(dir, name)), (e: unknown) => e instanceof AuditImportError && e.code === code, name);
      } finally {
        await store.close();
      }
    }
  });

  it('`audit import` draws events, rate and ETA on a terminal, and nothing on a pipe', (t) => {
    const skip = skipUnlessPeers(['pty']);
    if (skip) return t.skip(skip);
    const onTty = cliOnTerminal(['audit', 'import', 'big.xml', '--store', `sqlite:${join(dir, 'tty.db')}`]);
    assert.equal(onTty.code, 0, onTty.output);
    assert.match(onTty.output, /\rbig\.xml: [\d,]+ events?, [\d,]+\/s, \d+%, ETA \d+:\d\d/);
    assert.match(onTty.output, new RegExp(`imported ${COPIES * FIXTURE_EVENTS} events \\(xml\\)`));

    const piped = cli(['audit', 'import', 'big.xml', '--store', `sqlite:${join(dir, 'pipe.db')}`]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, '');
    assert.match(piped.stdout, new RegExp(`^big\\.xml: imported ${COPIES * FIXTURE_EVENTS} events \\(xml\\) into sqlite:`));
  });

  it('`audit import` of a truncated export: one line naming the file, the place and the code, exit 1', () => {
    const text = fixture('wevtutil-ntlm.xml').toString('utf8');
    writeFileSync(join(dir, 'cut.xml'), text.slice(0, text.indexOf('<Event', 10) + 300));
    const r = cli(['audit', 'import', 'cut.xml', '--store', `sqlite:${join(dir, 'cut.db')}`]);
    assert.equal(r.code, 1);
    const line = text.slice(0, text.indexOf('<Event', 10)).split('\n').length;
    assert.match(r.stderr, new RegExp(`^ntlmgate: cut\\.xml: the input ends inside an <Event> element \\(line ${line}, offset \\d+\\) \\[TRUNCATED\\]\\n$`));
    assert.doesNotMatch(r.stderr, /internal error|at .*\.js:\d+/);
  });

  it('`audit import` refuses an unknown --format as a usage error', () => {
    const r = cli(['audit', 'import', fixturePath('wevtutil-ntlm.xml'), '--format', 'evtx', '--store', `sqlite:${join(dir, 'fmt.db')}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format must be one of auto, xml, event-viewer-csv, csv, jsonl/);
  });
});

describe('import progress line', () => {
  const at = (events: number, bytesRead: number, elapsedMs: number): ImportProgress => ({
    events,
    skipped: 0,
    bytesRead,
    totalBytes: 1000,
    elapsedMs,
  });

  it('says events, rate, share read and time left', () => {
    assert.equal(formatImportProgress('a.xml', at(250_000, 250, 10_000)), 'a.xml: 250,000 events, 25,000/s, 25%, ETA 0:30');
    assert.equal(formatImportProgress('a.xml', at(10, 1, 4000 * 1000)), 'a.xml: 10 events, 0/s, 0%, ETA 1110:00:00');
    assert.equal(formatImportProgress('a.gz', { ...at(500, 0, 1000), totalBytes: undefined }), 'a.gz: 500 events, 500/s');
  });

  it('is written to a terminal stream only', () => {
    const written: string[] = [];
    const terminal = { isTTY: true, write: (s: string) => written.push(s) };
    const line = importProgress('a.xml', terminal);
    line.update(at(1, 1, 1));
    line.update(at(2, 2, 2)); // within 100 ms of the first: not redrawn
    line.finish();
    assert.deepEqual(written, ['\ra.xml: 1 event, 1,000/s, 0%, ETA 0:01\x1b[K', '\r\x1b[K']);

    const piped: string[] = [];
    const pipe = { isTTY: false, write: (s: string) => piped.push(s) };
    const quiet = importProgress('a.xml', pipe);
    quiet.update(at(1, 1, 1));
    quiet.finish();
    assert.deepEqual(piped, []);
  });
});
