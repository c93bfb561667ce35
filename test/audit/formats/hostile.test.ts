/**
 * Hostile input: truncation, entity expansion (billion laughs, external entities), huge
 * attributes, deep nesting, binary garbage, and seeded mutations of the fixtures. Every
 * case ends quickly in a typed AuditImportError, or in skipped records with a count;
 * nothing else is ever thrown.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuditImportError, importAuditEvents, type ImportOptions, type ImportSource } from '../../../src/audit/formats/index.js';
import { fixture, inPieces, noise } from './samples.js';

const QUICK_MS = 2000;

async function outcome(source: ImportSource, options: ImportOptions = {}): Promise<{ error?: AuditImportError; events: number; skipped: number; ms: number }> {
  const started = performance.now();
  try {
    const { events, stats } = await importAuditEvents(source, options);
    return { events: events.length, skipped: stats.skipped, ms: performance.now() - started };
  } catch (err) {
    if (!(err instanceof AuditImportError)) throw err; // anything else is a crash
    return { error: err, events: 0, skipped: 0, ms: performance.now() - started };
  }
}

const xml = fixture('wevtutil-ntlm.xml').toString('utf8');
const ok = "<Event><System><EventID>8001</EventID><TimeCreated SystemTime='2026-01-01T00:00:00.0000000Z'/></System></Event>";

describe('hostile XML', () => {
  it('truncated XML: a typed TRUNCATED error, or the complete events and one skipped', async () => {
    const third = xml.indexOf('<Event xmlns', xml.indexOf('<Event xmlns', 1) + 1);
    const cut = xml.slice(0, third + 300);
    const strict = await outcome(cut);
    assert.equal(strict.error?.code, 'TRUNCATED');
    assert.ok((strict.error?.line ?? 0) > 1);
    const lenient = await outcome(cut, { skipInvalid: true });
    assert.equal(lenient.events, 2);
    assert.equal(lenient.skipped, 1);
    const midTag = await outcome(`${ok}<Event><System><EventID`);
    assert.equal(midTag.error?.code, 'TRUNCATED');
    const noRootEnd = await outcome(`<Events>${ok}`);
    assert.equal(noRootEnd.error?.code, 'TRUNCATED');
  });

  it('billion laughs: refused before any expansion, even with skipInvalid', async () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE Events [',
      '  <!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `  <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']>',
      `<Events><Event><System><EventID>&lol9;</EventID><TimeCreated SystemTime='2026-01-01T00:00:00Z'/></System></Event></Events>`,
    ].join('\n');
    for (const options of [{}, { skipInvalid: true }]) {
      const r = await outcome(lol, options);
      assert.equal(r.error?.code, 'XML_DOCTYPE');
      assert.equal(r.error?.line, 2);
      assert.ok(r.ms < QUICK_MS, `${r.ms} ms`);
    }
    const external = await outcome(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${ok.replace('8001', '&e;')}`);
    assert.equal(external.error?.code, 'XML_DOCTYPE');
    const late = await outcome(`${ok}\n<!ENTITY x "y">`, { skipInvalid: true });
    assert.equal(late.error?.code, 'XML_DOCTYPE');
  });

  it('undeclared entity references are never looked up', async () => {
    const r = await outcome(ok.replace('8001', '&lol9;'));
    assert.equal(r.error?.code, 'XML_ENTITY');
  });

  it('a huge attribute is refused by the size cap, quickly, and the next event still imports', async () => {
    const huge = `<Event><System><EventID>1</EventID><TimeCreated SystemTime='2026-01-01T00:00:00Z' Junk='${'A'.repeat(8 << 20)}'/></System></Event>`;
    const strict = await outcome(inPieces(`${ok}${huge}${ok}`, 1 << 16));
    assert.equal(strict.error?.code, 'RECORD_TOO_LARGE');
    assert.ok(strict.ms < QUICK_MS, `${strict.ms} ms`);
    const lenient = await outcome(`${ok}${huge}${ok}`, { skipInvalid: true });
    assert.deepEqual([lenient.events, lenient.skipped], [2, 1]);
    assert.ok(lenient.ms < QUICK_MS, `${lenient.ms} ms`);
    const unterminated = await outcome(inPieces(`${ok}<Event a='${'B'.repeat(3 << 20)}`, 1 << 16), { skipInvalid: true });
    assert.deepEqual([unterminated.events, unterminated.skipped], [1, 1]);
    const bigComment = await outcome(`<!--${'-'.repeat(2 << 20)}`, { maxRecordSize: 1 << 16 });
    assert.equal(bigComment.error?.code, 'RECORD_TOO_LARGE');
  });

  it('deep nesting inside an event is refused, not recursed into', async () => {
    const deep = ok.replace('</System>', `</System><EventData>${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}</EventData>`);
    const r = await outcome(deep);
    assert.ok(r.error, 'expected an error');
    assert.ok(r.ms < QUICK_MS, `${r.ms} ms`);
  });

  it('binary garbage: a typed error, or skipped records with a count', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const junk = noise(64 << 10, seed);
      const r = await outcome(junk);
      assert.ok(r.error || r.events === 0, `seed ${seed}`);
      const inXml = await outcome(Buffer.concat([Buffer.from(`<Events>${ok}`), junk, Buffer.from(`${ok}</Events>`)]), { skipInvalid: true });
      assert.ok(inXml.error || inXml.events >= 1, `seed ${seed} in XML`);
      assert.ok(inXml.ms < QUICK_MS);
    }
    const garbageAfter = await outcome(`${ok}\u0000\u0001\u0002garbage`, { skipInvalid: true });
    assert.deepEqual([garbageAfter.events, garbageAfter.skipped], [1, 1]);
  });
});

describe('seeded mutations never crash the importer', () => {
  const inputs: [string, Buffer][] = [
    ['xml', fixture('wevtutil-ntlm.xml')],
    ['event viewer csv', fixture('eventviewer-ntlm.csv')],
  ];
  for (const [name, original] of inputs) {
    it(`${name}: 200 byte flips, cuts and splices`, async () => {
      const rand = noise(200 * 16, 0x9e3779b9 ^ original.length);
      for (let i = 0; i < 200; i++) {
        const r = (k: number): number => rand.readUInt32LE((i * 16 + k * 4) % (rand.length - 4));
        const input = Buffer.from(original);
        const kind = r(0) % 3;
        if (kind === 0) for (let k = 0; k < 8; k++) input[r(1 + (k % 3)) % input.length] = r(k % 4) & 0xff;
        const mutated =
          kind === 1 ? input.subarray(0, r(1) % input.length) : kind === 2 ? Buffer.concat([input.subarray(0, r(1) % input.length), input.subarray(r(2) % input.length)]) : input;
        await outcome(mutated, { skipInvalid: i % 2 === 0 });
        await outcome(mutated);
      }
    });
  }
});

describe('hostile CSV and JSON Lines', () => {
  it('an unclosed quote or an over-long record is a typed error', async () => {
    const header = 'Level,Date and Time,Source,Event ID,Task Category\r\n';
    assert.equal((await outcome(`${header}Information,11/21/2026 1:00:00 PM,NTLM,8001,None,"never closed`)).error?.code, 'CSV_MALFORMED');
    const huge = await outcome(`${header}Information,11/21/2026 1:00:00 PM,NTLM,8001,None,"${'x'.repeat(4 << 20)}"\r\n`);
    assert.equal(huge.error?.code, 'CSV_MALFORMED');
    assert.ok(huge.ms < QUICK_MS);
  });

  it('deeply nested JSON is an error, not a stack overflow', async () => {
    const r = await outcome(`{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`, { maxRecordSize: 1 << 20 });
    assert.ok(r.error);
  });
});
