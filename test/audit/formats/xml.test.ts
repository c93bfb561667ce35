/**
 * Windows event XML: the exact wevtutil shape on export, round trips field for field
 * (every catalogue id, an unknown id, unknown Data names, awkward characters, Windows
 * System extras), the hand-made wevtutil fixture imported with nothing lost, and the
 * input variants (root or not, xmlns or not, BOM, UTF-16, RenderingInfo, tiny chunks).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent } from '../../../src/events/event.js';
import {
  AuditImportError, CONTEXT_NAMESPACE, createEncoder, exportEvents, importAuditEvents, importAuditFile, toEventXml, xmlFooter, xmlHeader,
  type PortableAuditEvent,
} from '../../../src/audit/formats/index.js';
import { decodeXml, eventFromXml } from '../../../src/audit/formats/xml.js';
import { AWKWARD, asImported, expectedFixtureEvents, fixture, fixturePath, inPieces, sampleEvents } from './samples.js';

async function exportXml(events: Iterable<PortableAuditEvent>, wrap = false): Promise<string> {
  let out = '';
  await exportEvents(events, 'xml', (s) => void (out += s), { wrap });
  return out;
}

const E8001 = buildEvent(
  {
    eventId: 8001,
    data: {
      TargetName: 'cifs/fs1.corp.example.test', UserName: 'alice', DomainName: 'CORP', CallerPID: 4, ProcessName: '',
      ClientLUID: '0x3e7', ClientUserName: 'WS01$', ClientDomainName: 'CORP', MechanismOID: '(NULL)',
    },
  },
  { time: '2026-11-21T12:00:00.123Z', computer: 'WS01.corp.example.test' },
);

describe('XML export', () => {
  it('writes the wevtutil shape exactly: single quotes, System order, 7-digit SystemTime', () => {
    assert.equal(
      toEventXml({ ...E8001, recordId: 42 }),
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>" +
        "<Provider Name='Microsoft-Windows-NTLM' Guid='{AC43300D-5FCC-4800-8E99-1BD3F85F0320}'/>" +
        '<EventID>8001</EventID><Version>0</Version><Level>4</Level><Task>2</Task><Opcode>0</Opcode>' +
        "<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2026-11-21T12:00:00.1230000Z'/>" +
        "<EventRecordID>42</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/>" +
        '<Channel>Microsoft-Windows-NTLM/Operational</Channel><Computer>WS01.corp.example.test</Computer><Security/></System>' +
        "<EventData><Data Name='TargetName'>cifs/fs1.corp.example.test</Data><Data Name='UserName'>alice</Data>" +
        "<Data Name='DomainName'>CORP</Data><Data Name='CallerPID'>4</Data><Data Name='ProcessName'/>" +
        "<Data Name='ClientLUID'>0x3e7</Data><Data Name='ClientUserName'>WS01$</Data><Data Name='ClientDomainName'>CORP</Data>" +
        "<Data Name='MechanismOID'>(NULL)</Data></EventData></Event>",
    );
  });

  it('puts our context in its own namespace after EventData, never in EventData', () => {
    const e = buildEvent({ eventId: 8002, data: {} }, {
      time: 0,
      computer: 'FS1',
      context: { service: "a'b", clientIp: '10.0.0.1', decision: 'block', reason: 'x\ny' },
    });
    const xml = toEventXml(e);
    assert.match(xml, new RegExp(`</EventData><ntlmgate:Context xmlns:ntlmgate='${CONTEXT_NAMESPACE}' service='a&apos;b' clientIp='10.0.0.1' decision='block' reason='x&#10;y'/></Event>$`));
    assert.doesNotMatch(xml.slice(0, xml.indexOf('</EventData>')), /ntlmgate/);
  });

  it('escapes markup in text and attributes and replaces characters XML 1.0 cannot carry', () => {
    // Data set after buildEvent (which escapes such characters itself), as an imported event may carry them.
    const built = buildEvent({ eventId: 8001, data: {} }, { time: 0, computer: 'c&d' });
    const xml = toEventXml({ ...built, data: { ...built.data, TargetName: '<a>&b]]>\r', "N'\"<": 'v', Ctl: 'a\u0001b\ud800c' } });
    assert.match(xml, /<Data Name='TargetName'>&lt;a&gt;&amp;b\]\]&gt;&#13;<\/Data>/);
    assert.match(xml, /<Data Name='N&apos;&quot;&lt;'>v<\/Data>/);
    assert.match(xml, /<Data Name='Ctl'>a\uFFFDb\uFFFDc<\/Data>/);
    assert.match(xml, /<Computer>c&amp;d<\/Computer>/);
  });

  it('wraps in <Events> on request and reads back either way', async () => {
    const events = sampleEvents();
    const wrapped = await exportXml(events, true);
    assert.ok(wrapped.startsWith('<?xml version="1.0" encoding="UTF-8"?>\r\n<Events>\r\n'));
    assert.ok(wrapped.endsWith('</Events>\r\n'));
    const bare = await exportXml(events);
    assert.ok(bare.startsWith('<Event '));
    assert.equal(xmlHeader(), '');
    assert.equal(xmlFooter(), '');
    assert.deepEqual((await importAuditEvents(wrapped)).events, (await importAuditEvents(bare)).events);
  });

  it('refuses events without a valid time or id (programming errors)', () => {
    assert.throws(() => toEventXml({ ...E8001, time: 'yesterday' }), RangeError);
    assert.throws(() => toEventXml({ ...E8001, eventId: 70000 }), RangeError);
  });
});

describe('XML round trip', () => {
  it('every catalogue id, an unknown id, unknown Data names and awkward characters come back field for field', async () => {
    const events = sampleEvents();
    const { events: back, stats } = await importAuditEvents(await exportXml(events));
    assert.equal(stats.format, 'xml');
    assert.equal(stats.skipped, 0);
    assert.equal(back.length, events.length);
    events.forEach((e, i) => assert.deepStrictEqual(back[i], asImported(e), `event ${i} (${e.eventId})`));
    assert.ok(back.some((e) => Object.values(e.data).includes(AWKWARD)));
  });

  it('export → import → export is byte-stable, also for sub-millisecond SystemTimes', async () => {
    const first = await exportXml((await importAuditFile(fixturePath('wevtutil-ntlm.xml'))).events);
    const second = await exportXml((await importAuditEvents(first)).events);
    assert.equal(second, first);
    assert.match(first, /SystemTime='2026-11-21T08:16:40\.102933400Z'/);
    assert.match(first, /SystemTime='2026-11-21T12:00:00\.1234567Z'/);
    assert.match(first, /SystemTime='2026-11-21T09:02:11\.5060000Z'/);
  });

  it('a changed time wins over a stale kept SystemTime', async () => {
    const [imported] = (await importAuditEvents(toEventXml(sampleEvents().at(-1) as PortableAuditEvent))).events;
    assert.ok(imported);
    assert.match(toEventXml(imported), /SystemTime='2026-11-21T09:05:47\.7793310Z'/);
    assert.match(toEventXml({ ...imported, time: '2026-11-21T10:00:00.000Z' }), /SystemTime='2026-11-21T10:00:00\.0000000Z'/);
  });
});

describe('XML import of the wevtutil fixture', () => {
  it('imports all 14 events with every System field and Data name/value', async () => {
    const expected = expectedFixtureEvents();
    const { events, stats } = await importAuditFile(fixturePath('wevtutil-ntlm.xml'));
    assert.equal(stats.format, 'xml');
    assert.equal(stats.skipped, 0);
    assert.equal(events.length, 14);
    assert.deepEqual(events.map((e) => e.eventId), [8001, 8001, 8002, 8003, 8004, 4001, 4002, 4003, 4004, 4020, 4021, 4022, 4024, 4099]);
    expected.forEach((want, i) => {
      const got = events[i];
      assert.ok(got);
      assert.deepStrictEqual(Object.keys(got.data), Object.keys(want.data), `Data order of event ${i}`);
      assert.deepStrictEqual(got, want, `event ${i} (${want.eventId})`);
    });
  });

  it('keeps (NULL), empty <Data/>, unknown ids and unknown Data names as given', async () => {
    const { events } = await importAuditFile(fixturePath('wevtutil-ntlm.xml'));
    const e8003 = events.find((e) => e.eventId === 8003);
    assert.equal(e8003?.data.Workstation, '(NULL)');
    assert.equal(events[1]?.data.ProcessName, '');
    const unknown = events.find((e) => e.eventId === 4099);
    assert.deepEqual(unknown?.data, { FutureField: 'R&D <lab> O\'Brien "ops"', Detail: 'Zoë Ünal — Δ', EmptyOne: '', Raw: '(NULL)' });
    assert.equal(unknown?.windows?.version, 1);
    assert.equal(events.find((e) => e.eventId === 4021)?.data.AccountMachine, 'WS05');
  });

  it('gives the same events with a root, without xmlns, with a BOM, as UTF-16LE, with CRLF, in 7-byte chunks', async () => {
    const text = fixture('wevtutil-ntlm.xml').toString('utf8');
    const want = (await importAuditEvents(text)).events;
    const variants: [string, string | Uint8Array | AsyncIterable<string | Uint8Array>][] = [
      ['wrapped', `<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<Events>\n${text}</Events>\n`],
      ['no xmlns', text.replaceAll(" xmlns='http://schemas.microsoft.com/win/2004/08/events/event'", '')],
      ['double-quoted attributes', text.replace(/='([^']*)'/g, '="$1"')],
      ['utf-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
      ['utf-16le BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
      ['utf-16le without BOM', Buffer.from(text, 'utf16le')],
      ['CRLF and comments', `<!-- exported by hand -->\r\n${text.replaceAll('\n', '\r\n').replaceAll('</Event>', '</Event><!-- - -->')}`],
      ['7-byte chunks', inPieces(Buffer.from(text), 7)],
    ];
    for (const [name, source] of variants) {
      const { events, stats } = await importAuditEvents(source);
      assert.equal(stats.skipped, 0, name);
      assert.deepStrictEqual(events, want, name);
    }
  });

  it('reads RenderingInfo-only differences, prefixed Event elements and CDATA', async () => {
    const xml =
      "<e:Event xmlns:e='http://schemas.microsoft.com/win/2004/08/events/event'><e:System><e:Provider Name='P'/><e:EventID>1</e:EventID>" +
      "<e:TimeCreated SystemTime='2026-01-01T00:00:00Z'/></e:System><e:EventData><e:Data Name='A'><![CDATA[<raw &amp;>]]> &amp; more</e:Data>" +
      '<e:Data>unnamed</e:Data></e:EventData></e:Event>';
    const { events } = await importAuditEvents(xml);
    assert.deepStrictEqual(events[0], {
      eventId: 1, provider: 'P', channel: '', level: 0, task: 0, time: '2026-01-01T00:00:00.000Z', computer: '',
      data: { A: '<raw &amp;> & more', '#2': 'unnamed' }, context: { source: 'import' },
      windows: { systemTime: '2026-01-01T00:00:00Z' },
    });
  });

  it('takes level and task from the catalogue only when the XML has none', () => {
    const e = eventFromXml("<Event><System><EventID>4001</EventID><TimeCreated SystemTime='2026-01-01T00:00:00.0000000Z'/></System></Event>");
    assert.equal(e.provider, 'Microsoft-Windows-NTLM');
    assert.equal(e.level, 3);
    assert.equal(e.task, 1);
    const f = eventFromXml("<Event><System><EventID>4001</EventID><Level>9</Level><Task>7</Task><TimeCreated SystemTime='2026-01-01T00:00:00.0000000Z'/></System></Event>");
    assert.equal(f.level, 9);
    assert.equal(f.task, 7);
  });
});

describe('XML import errors', () => {
  const bad = async (xml: string): Promise<AuditImportError> => {
    const err = await importAuditEvents(xml).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AuditImportError, `expected AuditImportError, got ${String(err)}`);
    return err;
  };
  const ok = "<Event><System><EventID>8001</EventID><TimeCreated SystemTime='2026-01-01T00:00:00.0000000Z'/></System></Event>";

  it('names the code, line and offset of the bad record', async () => {
    const err = await bad(`${ok}\n${ok}\n<Event><System><EventID>x</EventID></System></Event>`);
    assert.equal(err.code, 'INVALID_EVENT');
    assert.equal(err.format, 'xml');
    assert.equal(err.line, 3);
    assert.equal(err.offset, 2 * (ok.length + 1));
  });

  it('refuses missing System/EventID/TimeCreated, bad times, duplicate Data names and UserData', async () => {
    assert.equal((await bad('<Event></Event>')).code, 'INVALID_EVENT');
    assert.equal((await bad("<Event><System><TimeCreated SystemTime='2026-01-01T00:00:00Z'/></System></Event>")).code, 'INVALID_EVENT');
    assert.equal((await bad('<Event><System><EventID>1</EventID></System></Event>')).code, 'INVALID_EVENT');
    assert.equal((await bad("<Event><System><EventID>1</EventID><TimeCreated SystemTime='2026-02-30T00:00:00Z'/></System></Event>")).code, 'INVALID_EVENT');
    assert.equal((await bad(ok.replace('</System>', "</System><EventData><Data Name='A'/><Data Name='A'/></EventData>"))).code, 'INVALID_EVENT');
    assert.equal((await bad(ok.replace('</System>', '</System><UserData><X/></UserData>'))).code, 'XML_UNSUPPORTED');
    assert.equal((await bad(ok.replace('</System>', "</System><EventData><Data Name='A'><b/></Data></EventData>"))).code, 'XML_UNSUPPORTED');
  });

  it('refuses mismatched tags, stray text and undefined entities', async () => {
    assert.equal((await bad(ok.replace('</EventID>', '</EventId>'))).code, 'XML_MALFORMED');
    assert.equal((await bad(`${ok} stray`)).code, 'XML_MALFORMED');
    assert.equal((await bad(ok.replace('8001', '&custom;'))).code, 'XML_ENTITY');
    assert.equal((await bad(ok.replace('8001', '&#0;'))).code, 'XML_MALFORMED');
  });

  it('decodes only predefined entities and character references', () => {
    assert.equal(decodeXml('&lt;&gt;&amp;&apos;&quot;&#65;&#x1F600;'), `<>&'"A😀`);
    assert.throws(() => decodeXml('&nbsp;'), (e: unknown) => e instanceof AuditImportError && e.code === 'XML_ENTITY');
    assert.throws(() => decodeXml('a & b'), (e: unknown) => e instanceof AuditImportError && e.code === 'XML_MALFORMED');
    assert.throws(() => decodeXml('&#xD800;'), AuditImportError);
  });

  it('skips bad records with skipInvalid and counts them', async () => {
    const skipped: AuditImportError[] = [];
    const { events, stats } = await importAuditEvents(`${ok}<Event><System/></Event>${ok}<Event>`, { skipInvalid: true, onSkip: (e) => skipped.push(e) });
    assert.equal(events.length, 2);
    assert.equal(stats.skipped, 2);
    assert.deepEqual(skipped.map((e) => e.code), ['INVALID_EVENT', 'TRUNCATED']);
    assert.deepEqual(stats.errors, skipped);
  });

  it('an encoder writes header, records and footer', () => {
    const enc = createEncoder('xml', { wrap: true, lineEnding: '\n' });
    assert.equal(enc.header(), '<?xml version="1.0" encoding="UTF-8"?>\n<Events>\n');
    assert.ok(enc.encode(E8001).endsWith('</Event>\n'));
    assert.equal(enc.footer(), '</Events>\n');
  });
});
