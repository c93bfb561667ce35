/** The usage report and the exception-list suggestion over a hand-built mix of events. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent, type AuditEvent } from '../../../src/events/event.js';
import { observedLogon, hostOfTarget } from '../../../src/audit/assess/logon.js';
import { usageReport } from '../../../src/audit/assess/usage.js';
import { memoryAttempts } from '../../../src/audit/assess/groups.js';
import { suggestExceptionList } from '../../../src/audit/assess/exceptions.js';

const at = (min: number): string => new Date(Date.UTC(2026, 10, 20, 8, min)).toISOString();
const server = (user: string, ws: string, version: string, mic: boolean, min: number, service = 'intranet'): AuditEvent =>
  buildEvent(
    {
      eventId: version === 'NTLM V2' && mic ? 4022 : 4023,
      data: {
        Username: user, DomainName: 'CORP', RemoteClientMachine: ws, ClientIP: '10.0.0.7', ProcessName: 'ntlmgate',
        NtlmVersion: version, NtlmUsageId: 7, NtlmUsageReason: 'Target name contains an IP address',
        MicStatus: mic ? 'Protected' : 'Unprotected', ChannelBindingStatus: 'Not Supported',
      },
    },
    { time: at(min), computer: 'WEB1', context: { service } },
  );

const EVENTS: AuditEvent[] = [
  server('alice', 'WS01', 'NTLM V2', true, 1),
  server('alice', 'WS01', 'NTLM V2', true, 5),
  server('bob', 'WS02', 'NTLM V1', false, 3),
  buildEvent({ eventId: 8004, data: { SChannelName: 'FS1', UserName: 'carol', DomainName: 'CORP', WorkstationName: '\\\\WS03', SChannelType: 2 } }, { time: at(2), computer: 'DC1' }),
  buildEvent({ eventId: 8001, data: { TargetName: 'cifs/fs2.corp.example.test', UserName: 'svc', DomainName: 'CORP' } }, { time: at(4), computer: 'APP1' }),
  buildEvent({ eventId: 4011, data: { CallerPID: 4, ProcessName: 'x', NegotiatedSecurity: '0x0', RequiredSecurity: '0x20080000' } }, { time: at(6), computer: 'WEB1' }),
];

describe('observed logons', () => {
  it('normalise every event kind into who/where/what', () => {
    const dc = observedLogon(EVENTS[3] as AuditEvent);
    assert.deepEqual([dc?.direction, dc?.user, dc?.server, dc?.workstation], ['domain', 'carol', 'FS1', 'WS03']);
    const out = observedLogon(EVENTS[4] as AuditEvent);
    assert.deepEqual([out?.direction, out?.server, out?.workstation], ['outgoing', 'fs2.corp.example.test', 'APP1']);
    assert.equal(observedLogon(EVENTS[5] as AuditEvent), undefined, '4011 records no logon');
    assert.equal(hostOfTarget('HTTP/web1.corp.example.test:8443'), 'web1.corp.example.test');
  });
});

describe('usage report', () => {
  it('groups by server with counts and first/last seen, singles out NTLMv1 users and MIC-less logons', async () => {
    const r = await usageReport(await memoryAttempts(EVENTS), { by: 'server' });
    assert.equal(r.events, 6);
    assert.equal(r.attempts, 5);
    const web1 = r.rows.find((x) => x.key === 'WEB1');
    assert.deepEqual([web1?.attempts, web1?.firstSeen, web1?.lastSeen, web1?.weak, web1?.noMic], [3, at(1), at(5), 1, 1]);
    assert.deepEqual(r.weakUsers.map((x) => [x.key, x.attempts]), [['CORP\\bob (NTLMv1)', 1]]);
    assert.equal(r.noMic, 1);
    assert.equal(r.noChannelBinding, 3);
    assert.deepEqual(r.fallbackReasons.map((x) => [x.key, x.attempts]), [['7: Target name contains an IP address', 3]]);
  });

  it('groups by user and honours --since', async () => {
    const r = await usageReport(await memoryAttempts(EVENTS), { by: 'user', since: new Date(at(3)) });
    assert.deepEqual(r.rows.map((x) => [x.key, x.attempts]), [['CORP\\alice', 1], ['CORP\\bob', 1], ['CORP\\svc', 1]]);
  });
});

describe('exception-list suggestion', () => {
  it('uses one wildcard where names share a prefix and exact names otherwise', () => {
    const s = suggestExceptionList(['web1', 'WEB2', 'web3', 'FS1', 'legacyapp', 'LEGACYDB', 'x', 'web1']);
    assert.deepEqual(s.map((e) => e.entry), ['FS1', 'LEGACY*', 'WEB*', 'X']);
    assert.deepEqual(s.find((e) => e.entry === 'WEB*')?.covers, ['WEB1', 'WEB2', 'WEB3']);
  });
  it('does not merge names that share less than minPrefix characters', () => {
    assert.deepEqual(suggestExceptionList(['APP1', 'APX2'], { minPrefix: 3 }).map((e) => e.entry), ['APP1', 'APX2']);
    assert.deepEqual(suggestExceptionList(['APP1', 'APX2'], { minPrefix: 2 }).map((e) => e.entry), ['AP*']);
  });
});
