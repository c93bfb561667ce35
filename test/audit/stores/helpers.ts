/** Sample events and small utilities shared by the audit-store tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { buildEvent, type AuditEvent } from '../../../src/events/event.js';

export const BASE_TIME = Date.UTC(2026, 10, 21, 8, 0, 0);
const IDS = [8001, 8002, 8003, 4001, 4002, 4020, 4022, 4024, 4025, 8004];
const DECISIONS = ['allow', 'audit', 'block'] as const;

/** A catalogue event i seconds after BASE_TIME with every context field set. */
export function sampleEvent(i: number, requestId = `req-${i}`, timeMs = BASE_TIME + i * 1000): AuditEvent {
  const eventId = IDS[i % IDS.length] ?? 8001;
  return buildEvent(
    {
      eventId,
      data: {
        UserName: `user${i}`,
        Username: `user${i}`,
        DomainName: 'CORP',
        Workstation: 'WS01',
        ProcessName: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe "quoted"\n\ttab',
        NtlmVersion: 'NTLM V1',
        ClientIP: `10.0.${i % 256}.7`,
      },
    },
    {
      time: timeMs,
      computer: 'WEB1',
      context: {
        service: 'HTTP/web1.corp.example.test',
        clientIp: `10.0.${i % 256}.7`,
        requestId,
        decision: DECISIONS[i % 3] ?? 'audit',
        setting: 'RestrictReceivingNTLMTraffic',
        reason: 'ntlmv1',
        ntlmVersion: 'NTLMv1-ESS',
      },
    },
  );
}

/** An event imported from a Windows export: record id, 100 ns timestamp, no optional context. */
export const IMPORTED: AuditEvent = {
  eventId: 8004,
  provider: 'Microsoft-Windows-Security-Netlogon',
  channel: 'Microsoft-Windows-NTLM/Operational',
  level: 4,
  task: 2,
  time: '2026-11-21T08:00:02.1234567Z',
  computer: 'DC01.corp.example.test',
  recordId: 9_007_199_254_740_991,
  data: { SChannelName: 'WEB1', UserName: 'Ünïcødé 🔐', DomainName: 'CORP', WorkstationName: 'WS-01\\x', SChannelType: '2' },
  context: { source: 'import' },
};

/** An id the catalogue does not know, with Data names in an arbitrary order. */
export const UNKNOWN: AuditEvent = {
  eventId: 9999,
  provider: 'Microsoft-Windows-NTLM',
  channel: 'Microsoft-Windows-NTLM/Operational',
  level: 3,
  task: 0,
  time: '2026-11-21T08:00:02.500Z',
  computer: 'WEB2',
  data: { zeta: '1', alpha: '', Mid: '{"json":"inside"}' },
  context: { source: 'ntlmgate', requestId: 'unknown-1' },
};

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A temporary directory removed when the test file ends. */
export function tempDir(prefix = 'ntlmgate-audit-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The code of an AuditStoreError-like rejection, for assert.rejects matchers. */
export const withCode = (code: string) => (e: unknown): boolean => {
  if (!(e instanceof Error) || e.name !== 'AuditStoreError' || (e as { code?: unknown }).code !== code) {
    throw new Error(`expected AuditStoreError ${code}, got ${e instanceof Error ? `${e.name} ${String((e as { code?: unknown }).code)}: ${e.message}` : String(e)}`);
  }
  return true;
};
