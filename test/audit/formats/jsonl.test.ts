/**
 * JSON Lines: stable key order, round trips (Windows extras included), strict record
 * checks with line numbers, skipInvalid, blank and CRLF lines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent } from '../../../src/events/event.js';
import { AuditImportError, exportEvents, importAuditEvents, importAuditFile, toJsonLine, type PortableAuditEvent } from '../../../src/audit/formats/index.js';
import { asImported, fixturePath, inPieces, sampleEvents } from './samples.js';

async function exportJsonl(events: Iterable<PortableAuditEvent> | AsyncIterable<PortableAuditEvent>): Promise<string> {
  let out = '';
  await exportEvents(events, 'jsonl', (s) => void (out += s));
  return out;
}

const E = buildEvent({ eventId: 8004, data: { SChannelName: 'FS1', UserName: 'bob', DomainName: 'CORP', WorkstationName: 'WS02', SChannelType: 2 } }, {
  time: '2026-11-21T09:05:47.779Z',
  computer: 'DC01',
  context: { reason: 'domain', service: 'dc', decision: 'audit' },
});

describe('JSON Lines export', () => {
  it('writes keys in a fixed order whatever the object order', () => {
    const shuffled = { context: { decision: 'audit', source: 'ntlmgate', service: 'dc', reason: 'domain' }, data: E.data, computer: 'DC01', time: E.time, task: 2, level: 4, channel: E.channel, provider: E.provider, eventId: 8004 } as unknown as PortableAuditEvent;
    const want =
      '{"time":"2026-11-21T09:05:47.779Z","eventId":8004,"provider":"Microsoft-Windows-Security-Netlogon","channel":"Microsoft-Windows-NTLM/Operational",' +
      '"level":4,"task":2,"computer":"DC01","data":{"SChannelName":"FS1","UserName":"bob","DomainName":"CORP","WorkstationName":"WS02","SChannelType":"2"},' +
      '"context":{"source":"ntlmgate","service":"dc","decision":"audit","reason":"domain"}}';
    assert.equal(toJsonLine(E), want);
    assert.equal(toJsonLine(shuffled), want);
  });

  it('omits Windows fields equal to the defaults', () => {
    const line = toJsonLine({ ...E, windows: { version: 0, opcode: 0, keywords: '0x8000000000000000', processId: 0, providerGuid: '{E5BA83F6-07D0-46B1-8BC7-7E669A1D31DC}' } });
    assert.doesNotMatch(line, /windows/);
  });
});

describe('JSON Lines round trip', () => {
  it('every sample event comes back field for field, from an async source in 3-character chunks', async () => {
    const events = sampleEvents();
    async function* gen(): AsyncGenerator<PortableAuditEvent> {
      yield* events;
    }
    const text = await exportJsonl(gen());
    assert.equal(text.split('\n').length, events.length + 1);
    const { events: back, stats } = await importAuditEvents(inPieces(text, 3));
    assert.equal(stats.format, 'jsonl');
    events.forEach((e, i) => assert.deepStrictEqual(back[i], asImported(e), `event ${i} (${e.eventId})`));
  });

  it('the wevtutil fixture survives XML → JSONL → JSONL byte for byte', async () => {
    const imported = (await importAuditFile(fixturePath('wevtutil-ntlm.xml'))).events;
    const text = await exportJsonl(imported);
    const back = (await importAuditEvents(text)).events;
    assert.deepStrictEqual(back, imported);
    assert.equal(await exportJsonl(back), text);
  });

  it('ignores blank lines and CRLF, and a final line without newline', async () => {
    const line = toJsonLine(E);
    const { events } = await importAuditEvents(`\r\n${line}\r\n\r\n  \n${line}`);
    assert.equal(events.length, 2);
  });
});

describe('JSON Lines import errors', () => {
  const line = toJsonLine(E);
  const bad = async (text: string): Promise<AuditImportError> => {
    const err = await importAuditEvents(text).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AuditImportError, `expected AuditImportError, got ${String(err)}`);
    return err;
  };
  const edit = (patch: Record<string, unknown>): string => JSON.stringify({ ...(JSON.parse(line) as object), ...patch });

  it('names the line and offset', async () => {
    const err = await bad(`${line}\n${line}\n{"time":`);
    assert.equal(err.code, 'JSON_MALFORMED');
    assert.equal(err.format, 'jsonl');
    assert.equal(err.line, 3);
    assert.equal(err.offset, 2 * (line.length + 1));
  });

  it('checks every field', async () => {
    for (const patch of [
      { eventId: '8004' }, { eventId: 70000 }, { level: -1 }, { task: 1.5 }, { time: 'yesterday' }, { time: '2026-11-21 09:05:47' },
      { computer: 5 }, { recordId: -1 }, { data: { A: 1 } }, { data: [] }, { context: { decision: 'maybe' } }, { context: { service: 1 } },
      { windows: { processId: 'x' } }, { windows: { systemTime: 'nope' } }, { provider: null },
    ]) {
      const err = await bad(edit(patch));
      assert.equal(err.code, 'INVALID_EVENT', JSON.stringify(patch));
      assert.equal(err.line, 1);
    }
    assert.equal((await bad(`${line}\n[1,2]`)).code, 'INVALID_EVENT');
    assert.equal((await bad('[1,2]')).code, 'UNKNOWN_FORMAT');
  });

  it('skips bad lines with skipInvalid and counts them', async () => {
    const { events, stats } = await importAuditEvents(`${line}\nnot json\n${edit({ eventId: -1 })}\n${line}\n`, { skipInvalid: true });
    assert.equal(events.length, 2);
    assert.equal(stats.skipped, 2);
    assert.deepEqual(stats.errors.map((e) => [e.code, e.line]), [['JSON_MALFORMED', 2], ['INVALID_EVENT', 3]]);
  });

  it('refuses over-long lines without buffering them', async () => {
    const long = `{"x":"${'a'.repeat(5000)}"}`;
    const { events, stats } = await importAuditEvents(inPieces(`${line}\n${long}\n${line}\n`, 100), { skipInvalid: true, maxRecordSize: 1000 });
    assert.equal(events.length, 2);
    assert.deepEqual(stats.errors.map((e) => [e.code, e.line]), [['RECORD_TOO_LARGE', 2]]);
  });
});
