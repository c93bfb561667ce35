/**
 * sanitize.ts through buildEvent: characters no store or export can carry (U+0000, lone
 * surrogates, XML's forbidden characters) and control characters a terminal acts on are
 * written as `\uXXXX`, the fields named under NtlmgateEscaped; everything else is untouched,
 * and the escaping reads back unambiguously.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildEvent } from '../../src/events/event.js';
import { ESCAPED_FIELD, escapeValue } from '../../src/events/sanitize.js';

/** The inverse of escapeValue, to show nothing is lost or ambiguous. */
function unescape(v: string): string {
  return v.replace(/\\u([0-9a-f]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

describe('event data made storable and visible', () => {
  it('leaves ordinary names alone, surrogate pairs and backslashes included', () => {
    for (const v of ['', 'alice', 'CORP\\alice', 'Zoë', '用户', 'emoji \u{1F600}', 'tab-free', 'literal \\u0000 text']) assert.equal(escapeValue(v), undefined, JSON.stringify(v));
  });

  it('escapes U+0000, lone surrogates, C0/DEL/C1 controls and U+FFFE/U+FFFF as \\uXXXX', () => {
    assert.equal(escapeValue('al\u0000ice'), 'al\\u0000ice');
    assert.equal(escapeValue('a\uD800b'), 'a\\ud800b');
    assert.equal(escapeValue('a\uDC00b'), 'a\\udc00b');
    assert.equal(escapeValue('\uDC00\uD800'), '\\udc00\\ud800', 'a reversed pair is two lone surrogates');
    assert.equal(escapeValue('x\u001b[31mred'), 'x\\u001b[31mred', 'an ESC that would drive a terminal');
    assert.equal(escapeValue('a\tb\nc\rd\u007f\u009b'), 'a\\u0009b\\u000ac\\u000dd\\u007f\\u009b');
    assert.equal(escapeValue('\uFFFE\uFFFF'), '\\ufffe\\uffff');
    assert.equal(escapeValue('ok \u{1F600} \u0000'), 'ok \u{1F600} \\u0000', 'a pair next to an escape stays a pair');
  });

  it('in a value that needed escaping, a backslash is escaped too, so the value reads back exactly', () => {
    for (const v of ['CORP\\al\u0000ice', 'literal \\u0000 and a real \u0000', '\\\uD800']) {
      const e = escapeValue(v);
      assert.ok(e !== undefined);
      assert.ok(!/\\(?!u[0-9a-f]{4})/.test(e), `every backslash starts an escape: ${e}`);
      assert.equal(unescape(e), v);
    }
  });

  it('buildEvent escapes the data and names the escaped fields; clean events carry no flag', () => {
    const odd = buildEvent(
      { eventId: 8003, data: { UserName: 'al\u0000ice', DomainName: 'CORP', Workstation: 'WS\uD80001' } },
      { time: 0, computer: 'WEB1' },
    );
    assert.equal(odd.data['UserName'], 'al\\u0000ice');
    assert.equal(odd.data['DomainName'], 'CORP');
    assert.equal(odd.data['Workstation'], 'WS\\ud80001');
    assert.equal(odd.data[ESCAPED_FIELD], 'UserName,Workstation');
    const clean = buildEvent({ eventId: 8003, data: { UserName: 'alice', DomainName: 'CORP', Workstation: 'WS01' } }, { time: 0, computer: 'WEB1' });
    assert.equal(Object.hasOwn(clean.data, ESCAPED_FIELD), false);
  });
});
