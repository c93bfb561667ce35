/** A fixture of mixed events: DC audit (8004) and usage (4032) events for the same logons, an incoming and an outgoing usage event. */
import { buildEvent, type AuditEvent } from '../../../src/events/event.js';

export const at = (min: number, sec = 0): string => new Date(Date.UTC(2026, 10, 20, 9, min, sec)).toISOString();

/** One pass-through logon as a DC logs it: 8004 and 4032 in the same second. */
function dcLogon(user: string, domain: string, server: string, ws: string, min: number): AuditEvent[] {
  return [
    buildEvent({ eventId: 8004, data: { SChannelName: server, UserName: user, DomainName: domain, WorkstationName: `\\\\${ws}`, SChannelType: 2 } }, { time: at(min), computer: 'DC1' }),
    buildEvent(
      { eventId: 4032, data: { Username: user, DomainName: domain, RemoteClientMachine: ws, ClientIP: '10.1.0.9', Hostname: server, NtlmVersion: 'NTLM V2', MicStatus: 'Protected', ChannelBindingStatus: 'Not Supported', Status: '0x0' } },
      { time: at(min, 0.4), computer: 'DC1' },
    ),
  ];
}

export const FIXTURE: AuditEvent[] = [
  ...dcLogon('alice', 'CORP', 'WEB1', 'WS01', 1),
  ...dcLogon('alice', 'CORP', 'WEB1', 'WS01', 2),
  ...dcLogon('alice', 'CORP', 'WEB1', 'WS01', 3),
  ...dcLogon('bob', 'CORP', 'WEB2', 'WS02', 4),
  ...dcLogon('bob', 'CORP', 'WEB2', 'WS02', 5),
  ...dcLogon('carol', 'CORP', 'FS1', 'WS03', 6),
  ...dcLogon('dave', 'CORP', 'APP1', 'WS04', 7),
  ...dcLogon('eve', 'FABRIKAM', 'WEB1', 'WS05', 8),
  buildEvent(
    { eventId: 4022, data: { Username: 'alice', DomainName: 'CORP', RemoteClientMachine: 'WS01', ClientIP: '10.1.0.9', NtlmVersion: 'NTLM V2', MicStatus: 'Protected', ChannelBindingStatus: 'Supported' } },
    { time: at(9), computer: 'WEB1', context: { service: 'intranet' } },
  ),
  buildEvent(
    { eventId: 4020, data: { Username: 'svc', DomainName: 'CORP', TargetService: 'HTTP/api.corp.example.test', TargetMachine: 'api.corp.example.test', NtlmVersion: 'NTLM V2' } },
    { time: at(10), computer: 'APP1' },
  ),
];

