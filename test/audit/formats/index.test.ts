/**
 * The public API: format detection and forcing, sources (text, bytes, Node streams,
 * async iterables), progress reports, live statistics, early exit, exportEvents with an
 * async writer, encoders.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, statSync } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import {
  AuditImportError, createEncoder, exportEvents, importAuditEvents, readAuditEvents, readAuditFile, toCsvRecord, csvHeader, toEventXml, toJsonLine,
  type ExportFormat, type PortableAuditEvent,
} from '../../../src/audit/formats/index.js';
import { asImported, fixture, fixturePath, sampleEvents } from './samples.js';

describe('format detection', () => {
  const [e] = sampleEvents();
  assert.ok(e);

  it('tells XML, JSON Lines, our CSV and Event Viewer CSV apart', async () => {
    const cases: [string, string | Buffer][] = [
      ['xml', `\n  ${toEventXml(e)}`],
      ['jsonl', `\n${toJsonLine(e)}\n`],
      ['csv', csvHeader() + toCsvRecord(e)],
      ['event-viewer-csv', fixture('eventviewer-ntlm.csv')],
    ];
    for (const [format, text] of cases) {
      const { stats, events } = await importAuditEvents(text);
      assert.equal(stats.format, format);
      assert.ok(events.length > 0, format);
    }
  });

  it('refuses a forced format the input does not have', async () => {
    for (const format of ['xml', 'jsonl', 'csv'] as const) {
      const text = format === 'xml' ? toJsonLine(e) : toEventXml(e);
      const err = await importAuditEvents(text, { format }).then(() => undefined, (x: unknown) => x);
      assert.ok(err instanceof AuditImportError && err.code === 'UNKNOWN_FORMAT', format);
    }
  });

  it('reads nothing from empty or blank input', async () => {
    for (const text of ['', '   \r\n', Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf])]) {
      const { events, stats } = await importAuditEvents(text);
      assert.deepEqual([events.length, stats.format], [0, undefined]);
    }
  });
});

describe('readAuditEvents', () => {
  it('streams a file through a Node Readable, reporting progress up to the total', async () => {
    const path = fixturePath('wevtutil-ntlm.xml');
    const size = statSync(path).size;
    const reports: [number, number | undefined][] = [];
    const reader = readAuditEvents(createReadStream(path, { highWaterMark: 1024 }), { totalBytes: size, onProgress: (a, b) => reports.push([a, b]) });
    let n = 0;
    for await (const event of reader) {
      n++;
      assert.equal(reader.stats.events, n);
      assert.equal(event.context.source, 'import');
    }
    assert.equal(n, 14);
    assert.ok(reports.length >= Math.floor(size / 1024));
    assert.deepEqual(reports.at(-1), [size, size]);
    for (let i = 1; i < reports.length; i++) assert.ok((reports[i]?.[0] ?? 0) > (reports[i - 1]?.[0] ?? 0));
    assert.deepEqual({ ...reader.stats, errors: reader.stats.errors.length }, { format: 'xml', events: 14, skipped: 0, bytesRead: size, totalBytes: size, errors: 0 });
  });

  it('readAuditFile knows the total by itself; an in-memory source too', async () => {
    const path = fixturePath('eventviewer-ntlm.csv');
    const size = statSync(path).size;
    let last: [number, number | undefined] = [0, 0];
    const reader = readAuditFile(path, { onProgress: (a, b) => (last = [a, b]) });
    assert.equal(reader.stats.events, 0);
    let n = 0;
    for await (const event of reader) n += event.eventId > 0 ? 1 : 0;
    assert.equal(n, 14);
    assert.deepEqual(last, [size, size]);
    assert.equal(reader.stats.format, 'event-viewer-csv');
    const text = fixture('wevtutil-ntlm.xml');
    const { stats } = await importAuditEvents(text, { onProgress: (a, b) => (last = [a, b]) });
    assert.deepEqual(last, [text.length, text.length]);
    assert.equal(stats.totalBytes, text.length);
  });

  it('can stop early', async () => {
    const reader = readAuditFile(fixturePath('wevtutil-ntlm.xml'));
    let first: PortableAuditEvent | undefined;
    for await (const event of reader) {
      first = event;
      break;
    }
    assert.equal(first?.eventId, 8001);
    assert.equal(reader.stats.events, 1);
  });

  it('a missing file is an I/O error, not an import error', async () => {
    await assert.rejects(importAuditEvents(createReadStream('/nonexistent/file.xml')), (e: unknown) => !(e instanceof AuditImportError));
  });
});

describe('exportEvents', () => {
  it('awaits the writer and counts events, in every format', async () => {
    const events = sampleEvents();
    for (const format of ['jsonl', 'csv', 'xml'] as ExportFormat[]) {
      const chunks: string[] = [];
      const n = await exportEvents(events, format, async (s) => {
        await setImmediate();
        chunks.push(s);
      });
      assert.equal(n, events.length);
      assert.equal(chunks.length, events.length + (format === 'csv' ? 1 : 0));
      const back = (await importAuditEvents(chunks.join(''))).events;
      events.forEach((e, i) => assert.deepStrictEqual(back[i], asImported(e), `${format} ${i}`));
    }
  });

  it('encoders: JSON Lines end in LF, CSV and XML in CRLF unless told', () => {
    const [e] = sampleEvents() as [PortableAuditEvent];
    assert.ok(createEncoder('jsonl').encode(e).endsWith('}\n'));
    assert.ok(createEncoder('csv').encode(e).endsWith('\r\n'));
    assert.ok(createEncoder('csv', { lineEnding: '\n' }).encode(e).endsWith('"\n') || createEncoder('csv', { lineEnding: '\n' }).encode(e).endsWith(',\n'));
    assert.ok(createEncoder('xml').encode(e).endsWith('</Event>\r\n'));
    assert.throws(() => createEncoder('yaml' as ExportFormat), RangeError);
  });
});
