// MIT credential caches (versions 3 and 4) written by kinit/kvno against a Samba KDC,
// checked against MIT klist's listing of the same files.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CCACHE_CONFIG_REALM, decodeCcache, decodeTicket, findCredential, formatPrincipal, KerberosDecodeError, TicketFlags,
} from '../../src/kerberos/index.js';
import type { CredentialCache, KerberosDecodeErrorCode } from '../../src/kerberos/index.js';
import { CAPTURE_TIME, fixture, fixtureText, klistTime, thrown } from './fixtures.js';

// MIT klist's flag letters (clients/klist/klist.c), in its order.
const FLAG_LETTERS: readonly [number, string][] = [
  [TicketFlags.forwardable, 'F'], [TicketFlags.forwarded, 'f'], [TicketFlags.proxiable, 'P'], [TicketFlags.proxy, 'p'],
  [TicketFlags.mayPostdate, 'D'], [TicketFlags.postdated, 'd'], [TicketFlags.invalid, 'i'], [TicketFlags.renewable, 'R'],
  [TicketFlags.initial, 'I'], [TicketFlags.hwAuthent, 'H'], [TicketFlags.preAuthent, 'A'], [TicketFlags.transitedPolicyChecked, 'T'],
  [TicketFlags.okAsDelegate, 'O'],
];
const ENCTYPE: Readonly<Record<number, string>> = { 17: 'aes128-cts-hmac-sha1-96', 18: 'aes256-cts-hmac-sha1-96' };

/** `klist -e -C -f` as our reader sees the cache (the lines after the header). */
function klistView(cc: CredentialCache): string[] {
  const lines = [`Default principal: ${formatPrincipal(cc.defaultPrincipal)}`];
  for (const c of cc.config) lines.push(`config: ${c.key}(${c.principal ?? ''}) = ${Buffer.from(c.value).toString('latin1')}`);
  for (const c of cc.credentials) {
    const flags = FLAG_LETTERS.filter(([f]) => (c.ticketFlags & f) !== 0).map(([, l]) => l).join('');
    lines.push(`${klistTime(c.starttime)}  ${klistTime(c.endtime)}  ${formatPrincipal(c.server)}`);
    lines.push(`\trenew until ${klistTime(c.renewTill)}, Flags: ${flags}`);
    lines.push(`\tEtype (skey, tkt): ${ENCTYPE[c.key.keytype]}, ${ENCTYPE[decodeTicket(c.ticket).encPart.etype]} `);
  }
  return lines;
}
const klistText = (name: string): string[] => fixtureText(name).split('\n').filter((l) => l !== '' && !/^(Ticket cache|Valid starting)/.test(l));

function assertCode(fn: () => unknown, code: KerberosDecodeErrorCode): void {
  const e = thrown(fn);
  assert.ok(e instanceof KerberosDecodeError, `expected KerberosDecodeError(${code}), got ${String(e)}`);
  assert.equal(e.code, code, e.message);
}

const v4 = fixture('alice-v4.ccache');
const v3 = fixture('alice-v3.ccache');

describe('ccache (MIT versions 3 and 4)', () => {
  it('version 4: header tags, default principal, config entries and credentials as klist lists them', () => {
    const cc = decodeCcache(v4);
    assert.equal(cc.version, 4);
    assert.deepEqual(cc.kdcTimeOffset, { seconds: 0, microseconds: 0 });
    assert.deepEqual(klistView(cc), klistText('alice-v4.klist.txt'));
    assert.ok(cc.credentials.every((c) => c.server.realm !== CCACHE_CONFIG_REALM));
    assert.equal(cc.credentials[1]?.key.keyvalue.length, 32);
    assert.equal(cc.credentials[1]?.secondTicket.length, 0);
  });

  it('version 3 (enctype written twice, no header)', () => {
    const cc = decodeCcache(v3);
    assert.equal(cc.version, 3);
    assert.equal(cc.kdcTimeOffset, undefined);
    assert.deepEqual(klistView(cc), klistText('alice-v3.klist.txt'));
  });

  it('findCredential: the service ticket while it is valid, nothing after its endtime', () => {
    const cc = decodeCcache(v4);
    const svc = 'HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST';
    const cred = findCredential(cc, svc, CAPTURE_TIME);
    assert.ok(cred);
    assert.equal(formatPrincipal(cred.client), 'alice@CORP.EXAMPLE.TEST');
    assert.equal(decodeTicket(cred.ticket).realm, 'CORP.EXAMPLE.TEST');
    assert.equal(findCredential(cc, svc, new Date(cred.endtime.getTime() + 1000)), undefined);
    assert.equal(findCredential(cc, 'HTTP/other@CORP.EXAMPLE.TEST', CAPTURE_TIME), undefined);
  });

  it('every truncation of a real cache parses as fewer entries or fails with a typed error', () => {
    let parsed = 0;
    for (let n = 0; n < v4.length; n++) {
      const e = thrown(() => decodeCcache(v4.subarray(0, n)));
      if (e === undefined) parsed++;
      else assert.ok(e instanceof KerberosDecodeError && ['TRUNCATED', 'EMPTY'].includes(e.code), `${n}: ${String(e)}`);
    }
    assert.ok(parsed >= 1 && parsed <= 5, `${parsed} prefixes end on an entry boundary`);
  });

  it('refuses other versions, a bad time-offset field and oversize counts; skips unknown header tags', () => {
    assertCode(() => decodeCcache(Buffer.alloc(0)), 'EMPTY');
    assertCode(() => decodeCcache(Buffer.from('0502', 'hex')), 'BAD_VERSION');
    assertCode(() => decodeCcache(Buffer.from('0401', 'hex')), 'BAD_VERSION');
    const rest = v4.subarray(16);
    const withHeader = (h: string): Buffer => {
      const hb = Buffer.from(h, 'hex');
      const len = Buffer.alloc(2);
      len.writeUInt16BE(hb.length);
      return Buffer.concat([Buffer.from('0504', 'hex'), len, hb, rest]);
    };
    assert.equal(decodeCcache(withHeader('0007000341424300010008000000050000000a')).kdcTimeOffset?.seconds, 5);
    assertCode(() => decodeCcache(withHeader('000100040000000a')), 'BAD_VALUE');
    assertCode(() => decodeCcache(withHeader('00010010')), 'TRUNCATED');
    assertCode(() => decodeCcache(Buffer.from('0504ffff', 'hex')), 'TRUNCATED');
    const comps = Buffer.from(v4);
    comps.writeUInt32BE(1000, 20); // default principal's component count
    assertCode(() => decodeCcache(comps), 'TOO_LARGE');
    assertCode(() => decodeCcache(Buffer.alloc(5 * 1024 * 1024)), 'TOO_LARGE');
  });
});
