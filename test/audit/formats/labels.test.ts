/**
 * labels.ts against the catalogue: every classic field has its rendered label, every
 * label points at a field of its event; rendered messages parse into Data names.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EVENTS } from '../../../src/events/catalogue.js';
import { EVENT_LABELS, dataFromMessage, fieldForLabel } from '../../../src/audit/formats/index.js';

describe('label tables', () => {
  it('cover every field of the classic events, and only fields of the event', () => {
    for (const def of EVENTS.values()) {
      // The Security log's 4624/4625 render their fields under nested headings (Subject, New Logon):
      // no flat label table maps them, and they are imported from XML.
      if (def.channel !== undefined) continue;
      const table = EVENT_LABELS.get(def.id);
      assert.ok(table && table.length > 0, `no labels for ${def.id}`);
      for (const [label, field] of table) assert.ok(def.fields.includes(field), `${def.id}: ${label} → ${field} is not in the template`);
      if (def.id >= 4020 && def.id <= 4033) continue; // enhanced events: community labels, partial by design
      assert.deepEqual(table.map(([, f]) => f), [...def.fields], `labels of ${def.id} in template order`);
    }
  });

  it('map labels regardless of case and spacing, per event id', () => {
    assert.equal(fieldForLabel(8001, 'Target server'), 'TargetName');
    assert.equal(fieldForLabel(8001, '  target   SERVER '), 'TargetName');
    assert.equal(fieldForLabel(8003, 'Domain'), 'DomainName');
    assert.equal(fieldForLabel(8004, 'Domain name'), 'DomainName');
    assert.equal(fieldForLabel(8001, 'Domain name'), undefined);
    assert.equal(fieldForLabel(4010, 'Calling Process Name'), 'ProcessName');
    assert.equal(fieldForLabel(4014, 'Calling Process Name'), 'ImageName');
    assert.equal(fieldForLabel(4022, 'Client Machine'), 'RemoteClientMachine');
    assert.equal(fieldForLabel(4020, 'Client IP'), undefined);
    assert.equal(fieldForLabel(4099, 'Anything'), undefined);
  });
});

describe('dataFromMessage', () => {
  it('reads the field block after the title and stops at the guidance text', () => {
    const message = [
      'NTLM server blocked in the domain audit: Audit NTLM authentication in this domain',
      'User: bob',
      'Domain:\tCORP',
      'Workstation: (NULL)',
      'Note: keep me',
      '',
      'Policy: Network Security: Restrict NTLM: something',
    ].join('\r\n');
    assert.deepEqual(dataFromMessage(8003, message), { UserName: 'bob', DomainName: 'CORP', Workstation: '(NULL)', Note: 'keep me' });
  });

  it('reads a message without a title, skips blank lines before the block, keeps the first of duplicates', () => {
    assert.deepEqual(dataFromMessage(8004, 'Secure Channel name: FS1\nUser name: a\nUser name: b'), { SChannelName: 'FS1', UserName: 'a' });
    assert.deepEqual(dataFromMessage(4099, '\n\nTitle line\n\n\nField A: 1\nField B:\n'), { 'Field A': '1', 'Field B': '' });
    assert.deepEqual(dataFromMessage(8001, ''), {});
  });
});
