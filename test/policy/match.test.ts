/** Exception-list entries: one "*" anywhere, case-insensitive, names vs addresses. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostCandidate, matchServerList, parseServerPattern, patternMatches, type ServerPattern } from '../../src/policy/index.js';
import { targetHost } from '../../src/policy/names.js';

function pattern(entry: string): ServerPattern {
  const p = parseServerPattern(entry);
  if (!('text' in p)) assert.fail(`${entry} does not load: ${p.kind}`);
  return p;
}

function matches(entry: string, host: string, source: 'auto' | 'name' | 'ip' = 'auto'): boolean {
  const c = hostCandidate(host, source);
  return c !== undefined && patternMatches(pattern(entry), c);
}

describe('exception entries', () => {
  it('match exactly, ignoring case and a trailing dot', () => {
    assert.ok(matches('WEB1', 'web1'));
    assert.ok(matches('web1.corp.example.test', 'WEB1.Corp.Example.Test.'));
    assert.ok(!matches('WEB1', 'web10'));
    assert.ok(!matches('WEB1', 'web1.corp.example.test'));
  });

  it('take one "*" at the start, the middle or the end, matching any run of characters (dots too, or none)', () => {
    assert.ok(matches('WEB*', 'web1'));
    assert.ok(matches('WEB*', 'web'));
    assert.ok(matches('*.corp.example.test', 'a.b.corp.example.test'));
    assert.ok(!matches('*.corp.example.test', 'corp.example.test'));
    assert.ok(matches('web*.example.test', 'web7.corp.example.test'));
    assert.ok(matches('w*1', 'web1'));
    assert.ok(!matches('w*1', 'w'));
    assert.ok(matches('*', 'anything'));
    assert.ok(matches('*', '10.0.0.1'));
  });

  it('refuse two "*", empty entries and separators', () => {
    assert.deepEqual(parseServerPattern('*web*'), { kind: 'wildcards' });
    assert.deepEqual(parseServerPattern('**'), { kind: 'wildcards' });
    assert.deepEqual(parseServerPattern('  '), { kind: 'empty' });
    assert.deepEqual(parseServerPattern('CORP\\WEB1'), { kind: 'characters' });
    assert.deepEqual(parseServerPattern('10.0.0.0/24'), { kind: 'characters' });
    assert.deepEqual(parseServerPattern('10.0.0.256'), { kind: 'bad-ip' });
  });

  it('tell address patterns from names', () => {
    assert.equal(pattern('10.0.0.*').kind, 'ip');
    assert.equal(pattern('10.0.0.5').kind, 'ip');
    assert.equal(pattern('fe80::*').kind, 'ip');
    assert.equal(pattern('[2001:db8::1]').kind, 'ip');
    assert.equal(pattern('*1').kind, 'name');
    assert.equal(pattern('LEGACY*').kind, 'name');
    assert.equal(pattern('*').kind, 'any');
  });

  it('match addresses only against addresses, IPv4-mapped IPv6 read as IPv4', () => {
    assert.ok(matches('10.0.0.*', '10.0.0.5', 'ip'));
    assert.ok(matches('10.0.0.*', '::ffff:10.0.0.5', 'ip'));
    assert.ok(matches('10.0.0.5', '::FFFF:10.0.0.5', 'ip'));
    assert.ok(matches('2001:db8::1', '[2001:DB8::1]', 'ip'));
    assert.ok(!matches('10.0.0.*', '10.0.0.5', 'name'), 'a workstation called "10.0.0.5" is a name');
    assert.ok(!matches('WEB*', '10.0.0.5', 'ip'));
    assert.equal(hostCandidate('not-an-ip', 'ip'), undefined);
    assert.equal(hostCandidate('', 'auto'), undefined);
  });

  it('report the first entry (in list order) that matches any host', () => {
    const list = ['LEGACY*', 'WS*', '10.0.0.*'].map(pattern);
    assert.deepEqual(matchServerList(list, [{ host: '10.0.0.5', source: 'ip' }, { host: 'WS01', source: 'name' }]), { entry: 'WS*', host: 'WS01' });
    assert.deepEqual(matchServerList(list, [{ host: '10.0.0.5', source: 'ip' }]), { entry: '10.0.0.*', host: '10.0.0.5' });
    assert.equal(matchServerList(list, [{ host: undefined, source: 'auto' }]), undefined);
    assert.equal(matchServerList([], [{ host: 'WS01', source: 'name' }]), undefined);
  });
});

describe('target names', () => {
  it('take the host out of an SPN or a host:port', () => {
    assert.equal(targetHost('HTTP/web1.corp.example.test'), 'web1.corp.example.test');
    assert.equal(targetHost('HTTP/web1.corp.example.test:8443'), 'web1.corp.example.test');
    assert.equal(targetHost('MSSQLSvc/db1.corp.example.test:1433/inst'), 'db1.corp.example.test');
    assert.equal(targetHost('HTTP/[2001:db8::1]:443'), '2001:db8::1');
    assert.equal(targetHost('web1:80'), 'web1');
    assert.equal(targetHost('2001:db8::1'), '2001:db8::1');
    assert.equal(targetHost('HTTP/'), undefined);
    assert.equal(targetHost(undefined), undefined);
  });
});
