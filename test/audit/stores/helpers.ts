/** Sample events and small utilities shared by the audit-store tests. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openRetentionTarget } from '../../../src/audit/openRetentionTarget.js';
import type { AuditStore } from '../../../src/audit/query.js';
import type { RetentionTarget } from '../../../src/audit/retention.js';
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

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

/** The built `ntlmgate` CLI run with `args`, to its end. */
export function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The request ids of a store's events, in the store's order (sampleEvent(i) has `req-i`). */
export async function requestIds(store: AuditStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.query()) ids.push(e.context.requestId ?? '?');
  return ids;
}

/** The request ids of sampleEvent(from) … sampleEvent(to - 1). */
export const requestRange = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, k) => `req-${from + k}`);

/** The retention side of the store at `url`, which must have one. */
export async function retentionTarget(url: string): Promise<RetentionTarget> {
  const target = await openRetentionTarget(url);
  assert.ok(target, `${url} has a retention side`);
  return target;
}
