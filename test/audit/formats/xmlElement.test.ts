/** The one-pass element parser of XML import: well-formedness, references, and "not yet complete" at every cut. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuditImportError } from '../../../src/audit/formats/index.js';
import { MAX_DEPTH, parseElement } from '../../../src/audit/formats/xmlElement.js';
import { fixture } from './samples.js';

function code(xml: string): string | undefined {
  try {
    parseElement(xml, 0);
    return undefined;
  } catch (e) {
    assert.ok(e instanceof AuditImportError, `expected AuditImportError, got ${String(e)}`);
    return e.code;
  }
}

const events = fixture('wevtutil-ntlm.xml').toString('utf8').match(/<Event [\s\S]*?<\/Event>/g) ?? [];

describe('parseElement', () => {
  it('reads names, both quote styles, decoded attributes and text, CDATA verbatim, comments and PIs skipped', () => {
    const xml = `<e:A x='1' y="&lt;2&gt;" __proto__='p'><B>t&amp;u<!-- c --><?pi x?>v<![CDATA[<&amp;>]]></B ><C/></e:A>tail`;
    const r = parseElement(xml, 0);
    assert.ok(r);
    assert.equal(r.end, xml.length - 'tail'.length);
    assert.equal(r.element.name, 'e:A');
    assert.equal(r.element.local, 'A');
    assert.deepEqual(Object.entries(r.element.attrs), [['x', '1'], ['y', '<2>'], ['__proto__', 'p']]);
    assert.equal(Object.getPrototypeOf(r.element.attrs), Object.prototype);
    assert.deepEqual(r.element.children.map((c) => c.name), ['B', 'C']);
    assert.equal(r.element.children[0]?.text, 't&uv<&amp;>');
  });

  it('refuses what is not well-formed, with a typed error', () => {
    const cases: [string, string][] = [
      ['<A></B>', 'XML_MALFORMED'],
      ['<A><B></A></B>', 'XML_MALFORMED'],
      ['<A x=1/>', 'XML_MALFORMED'],
      ["<A x='1'y='2'/>", 'XML_MALFORMED'],
      ["<A x='1' x='2'/>", 'XML_MALFORMED'],
      ["<A x='<'/>", 'XML_MALFORMED'],
      ['<A x/>', 'XML_MALFORMED'],
      ['<1A/>', 'XML_MALFORMED'],
      ['<A / >', 'XML_MALFORMED'],
      ['<A>a & b</A>', 'XML_MALFORMED'],
      ['<A>&#0;</A>', 'XML_MALFORMED'],
      ['<A>&nbsp;</A>', 'XML_ENTITY'],
      ["<A x='&e;'/>", 'XML_ENTITY'],
      ['<A><!DOCTYPE A></A>', 'XML_DOCTYPE'],
      ['<A><!ENTITY e "x"></A>', 'XML_DOCTYPE'],
      ['<A><!WHAT></A>', 'XML_MALFORMED'],
      ['text<A/>', 'XML_MALFORMED'],
    ];
    for (const [xml, want] of cases) assert.equal(code(xml), want, xml);
  });

  it(`caps nesting at ${MAX_DEPTH} levels without recursing`, () => {
    assert.ok(parseElement(`${'<a>'.repeat(MAX_DEPTH + 1)}${'</a>'.repeat(MAX_DEPTH + 1)}`, 0));
    assert.equal(code(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`), 'XML_MALFORMED');
  });

  it('every proper prefix of a real event is "not complete yet", never an error; the whole one parses', () => {
    assert.ok(events.length > 10);
    for (const event of events.slice(0, 3)) {
      for (let cut = 1; cut < event.length; cut++) assert.equal(parseElement(event.slice(0, cut), 0), undefined, `cut at ${cut}`);
      assert.equal(parseElement(event, 0)?.end, event.length);
      // a limit inside the element is the same as the text ending there
      assert.equal(parseElement(`${event}<Event/>`, 0, event.length - 1), undefined);
    }
  });
});
