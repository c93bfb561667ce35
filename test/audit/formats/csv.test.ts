/**
 * Our CSV (fixed header, catalogue Data columns, extraData, formula guard) round trips,
 * and Event Viewer CSV: the hand-made fixture maps labels onto the XML Data names.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { buildEvent } from '../../../src/events/event.js';
import { EVENTS } from '../../../src/events/catalogue.js';
import {
  AuditImportError, CSV_COLUMNS, CSV_DATA_COLUMNS, CSV_LEADING_COLUMNS, csvHeader, exportEvents, importAuditEvents, importAuditFile,
  parseEventViewerTime, toCsvRecord, type PortableAuditEvent,
} from '../../../src/audit/formats/index.js';
import { asImported, expectedFixtureEvents, fixturePath, inPieces, sampleEvents } from './samples.js';

async function exportCsv(events: Iterable<PortableAuditEvent>): Promise<string> {
  let out = '';
  await exportEvents(events, 'csv', (s) => void (out += s));
  return out;
}

const E = buildEvent({ eventId: 8003, data: { UserName: 'bob', DomainName: 'CORP', Workstation: '(NULL)', LogonType: 3, InProc: true } }, {
  time: '2026-11-21T09:05:47.771Z',
  computer: 'FS1',
  context: { service: 'files', clientIp: '10.0.0.22', requestId: 'r1', decision: 'audit', setting: 'AuditReceivingNTLMTraffic=1', reason: 'domain account' },
});

describe('CSV export', () => {
  it('has the fixed leading columns, one column per NTLM catalogue Data name, then task … extraData', () => {
    assert.deepEqual(CSV_COLUMNS.slice(0, 12), [
      'time', 'eventId', 'level', 'provider', 'computer', 'recordId', 'service', 'clientIp', 'requestId', 'decision', 'setting', 'reason',
    ]);
    assert.deepEqual(CSV_COLUMNS.slice(-5), ['task', 'channel', 'ntlmVersion', 'windows', 'extraData']);
    // The Security log's 4624/4625 (other mechanisms' logons) add no columns: their Data goes to extraData.
    const all = new Set([...EVENTS.values()].filter((d) => d.channel === undefined).flatMap((d) => d.fields));
    assert.deepEqual(new Set(CSV_DATA_COLUMNS), all);
    assert.equal(CSV_DATA_COLUMNS.length, all.size);
    assert.equal(csvHeader(), `${CSV_COLUMNS.join(',')}\r\n`);
  });

  it('writes a record cell by cell', () => {
    const [row] = parse(toCsvRecord(E)) as string[][];
    assert.ok(row);
    const cell = (name: string): string | undefined => row[CSV_COLUMNS.indexOf(name)];
    assert.equal(row.length, CSV_COLUMNS.length);
    assert.deepEqual(row.slice(0, CSV_LEADING_COLUMNS.length), [
      '2026-11-21T09:05:47.771Z', '8003', '4', 'Microsoft-Windows-NTLM', 'FS1', '', 'files', '10.0.0.22', 'r1', 'audit', 'AuditReceivingNTLMTraffic=1', 'domain account',
    ]);
    assert.equal(cell('Workstation'), '(NULL)');
    assert.equal(cell('InProc'), 'true');
    assert.equal(cell('CallerPID'), '');
    assert.equal(cell('task'), '2');
    assert.equal(cell('extraData'), '');
  });

  it('guards cells against formula injection, reversibly', async () => {
    const e = buildEvent({ eventId: 8001, data: { TargetName: '=cmd|"/c calc"!A1', UserName: "'already", DomainName: '+1', ProcessName: '@x', ClientLUID: '-2' } }, { time: 0, computer: 'c' });
    const [row] = parse(toCsvRecord(e)) as string[][];
    assert.ok(row);
    assert.equal(row[CSV_COLUMNS.indexOf('TargetName')], `'=cmd|"/c calc"!A1`);
    assert.equal(row[CSV_COLUMNS.indexOf('UserName')], "''already");
    const { events } = await importAuditEvents(csvHeader() + toCsvRecord(e));
    assert.deepStrictEqual(events[0], asImported(e));
  });

  it('keeps what the columns cannot say in extraData: unknown names, empty non-template values, missing template names', () => {
    const e: PortableAuditEvent = { ...E, data: { UserName: 'bob', TargetName: '', 'New Field': 'n' } };
    const [row] = parse(toCsvRecord(e)) as string[][];
    const extra = JSON.parse(row?.at(-1) ?? '') as Record<string, string | null>;
    assert.deepEqual(extra, { TargetName: '', 'New Field': 'n', DomainName: null, Workstation: null, CallerPID: null, ProcessName: null, LogonType: null, InProc: null, MechanismOID: null });
  });
});

describe('CSV round trip', () => {
  it('every sample event comes back field for field', async () => {
    const events = sampleEvents();
    const { events: back, stats } = await importAuditEvents(await exportCsv(events));
    assert.equal(stats.format, 'csv');
    assert.equal(back.length, events.length);
    events.forEach((e, i) => assert.deepStrictEqual(back[i], asImported(e), `event ${i} (${e.eventId})`));
  });

  it('a Security 4624 (another mechanism’s logon) comes back field for field through extraData', async () => {
    const logon = buildEvent(
      { eventId: 4624, data: { TargetUserName: 'carol', TargetDomainName: 'TOYREALM', LogonType: 3, AuthenticationPackageName: 'TOY', IpAddress: '10.0.0.9' } },
      { time: '2026-11-21T09:05:47.771Z', computer: 'WEB1', context: { service: 'intranet', clientIp: '10.0.0.9' } },
    );
    assert.equal(logon.channel, 'Security');
    const { events: back } = await importAuditEvents(await exportCsv([logon]));
    assert.deepStrictEqual(back[0], asImported(logon));
  });

  it('the wevtutil fixture survives XML → CSV → CSV byte for byte, in 5-character chunks too', async () => {
    const imported = (await importAuditFile(fixturePath('wevtutil-ntlm.xml'))).events;
    const csv = await exportCsv(imported);
    const back = (await importAuditEvents(inPieces(csv, 5))).events;
    assert.deepStrictEqual(back, imported);
    assert.equal(await exportCsv(back), csv);
  });

  it('reads columns by name, in any order, with unknown columns as Data', async () => {
    const text = 'eventId,time,Custom,UserName,level\n8003,2026-01-01T00:00:00.000Z,c,bob,\n';
    const { events } = await importAuditEvents(text);
    assert.deepStrictEqual(events[0], {
      eventId: 8003, provider: '', channel: 'Microsoft-Windows-NTLM/Operational', level: 4, task: 2, time: '2026-01-01T00:00:00.000Z',
      computer: '', data: { UserName: 'bob', Custom: 'c' }, context: { source: 'import' },
    });
  });
});

describe('CSV import errors', () => {
  const header = csvHeader();
  const good = toCsvRecord(E);
  const bad = async (text: string): Promise<AuditImportError> => {
    const err = await importAuditEvents(text).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AuditImportError, `expected AuditImportError, got ${String(err)}`);
    return err;
  };

  it('reports the line of a bad record', async () => {
    const err = await bad(header + good + good.replace('8003', 'x8003'));
    assert.equal(err.code, 'INVALID_EVENT');
    assert.equal(err.format, 'csv');
    assert.equal(err.line, 3);
    assert.equal(err.offset, Buffer.byteLength(header + good));
  });

  it('refuses wrong cell counts, bad decisions, bad JSON cells, unclosed quotes and unknown headers', async () => {
    assert.equal((await bad(`${header}1,2,3\r\n`)).code, 'CSV_MALFORMED');
    assert.equal((await bad(header + good.replace(',audit,', ',maybe,'))).code, 'INVALID_EVENT');
    assert.equal((await bad(header + good.replace(/,\r\n$/, ',{nope\r\n'))).code, 'INVALID_EVENT');
    assert.equal((await bad(`${header}"unclosed,\r\n`)).code, 'CSV_MALFORMED');
    assert.equal((await bad('a,b,c\r\n1,2,3\r\n')).code, 'UNKNOWN_FORMAT');
    assert.equal((await bad('time,eventId,time\r\n')).code, 'CSV_MALFORMED');
  });

  it('skips bad rows with skipInvalid', async () => {
    const { events, stats } = await importAuditEvents(`${header}${good}1,2\r\n${good}"x\r\n`, { skipInvalid: true });
    assert.equal(events.length, 2);
    assert.equal(stats.skipped, 2);
  });
});

describe('Event Viewer CSV', () => {
  /** The XML fixture as Event Viewer's text export can carry it. */
  function fromViewer(e: PortableAuditEvent): PortableAuditEvent {
    const renamed: Record<number, Record<string, string>> = {
      4021: { AccountMachine: 'Account Machine' },
      4099: { FutureField: 'Future field', EmptyOne: 'Empty one' },
    };
    const data = Object.fromEntries(Object.entries(e.data).map(([k, v]) => [renamed[e.eventId]?.[k] ?? k, v]));
    return {
      eventId: e.eventId, provider: e.provider, channel: e.channel, level: e.level, task: e.task,
      time: `${e.time.slice(0, 19)}.000Z`, computer: '', data, context: { source: 'import' },
    };
  }

  it('imports the hand-made export with every labelled field mapped to its Data name', async () => {
    const { events, stats } = await importAuditFile(fixturePath('eventviewer-ntlm.csv'), { eventViewer: { utcOffsetMinutes: 60 } });
    assert.equal(stats.format, 'event-viewer-csv');
    assert.equal(stats.skipped, 0);
    assert.equal(events.length, 14);
    const want = expectedFixtureEvents().map(fromViewer).reverse(); // Event Viewer lists newest first
    want.forEach((w, i) => assert.deepStrictEqual(events[i], w, `row ${i + 1} (${w.eventId})`));
  });

  it('can be forced, and refuses our CSV when forced', async () => {
    const text = 'Level,Date and Time,Source,Event ID,Task Category\r\nWarning,2026-11-21 13:00:00,Security-Netlogon,4004,Blocking NTLM,"t\r\nUser name: x"\r\n';
    const { events } = await importAuditEvents(text, { format: 'event-viewer-csv', eventViewer: { computer: 'DC01' } });
    assert.equal(events[0]?.provider, 'Microsoft-Windows-Security-Netlogon');
    assert.equal(events[0]?.computer, 'DC01');
    assert.deepEqual(events[0]?.data, { UserName: 'x' });
    const err = await importAuditEvents(csvHeader() + toCsvRecord(E), { format: 'event-viewer-csv' }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AuditImportError && err.code === 'UNKNOWN_FORMAT');
  });

  it('parses the locale date formats Event Viewer writes', () => {
    assert.equal(parseEventViewerTime('11/21/2026 1:03:44 PM'), '2026-11-21T13:03:44.000Z');
    assert.equal(parseEventViewerTime('11/21/2026 12:03:44 AM'), '2026-11-21T00:03:44.000Z');
    assert.equal(parseEventViewerTime('21/11/2026 13:03:44'), '2026-11-21T13:03:44.000Z');
    assert.equal(parseEventViewerTime('21.11.2026 13:03:44'), '2026-11-21T13:03:44.000Z');
    assert.equal(parseEventViewerTime('2026-11-21 13:03:44', { utcOffsetMinutes: -300 }), '2026-11-21T18:03:44.000Z');
    assert.equal(parseEventViewerTime('01/02/2026 10:00:00', { dateOrder: 'dmy' }), '2026-02-01T10:00:00.000Z');
    assert.throws(() => parseEventViewerTime('13/13/2026 10:00:00'), AuditImportError);
    assert.throws(() => parseEventViewerTime('yesterday'), AuditImportError);
  });
});
