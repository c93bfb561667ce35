/**
 * Shared test material: one event per catalogue id plus an unknown id, with awkward
 * characters, empty values, unknown Data names and every context field; fixture paths;
 * helpers to feed text in small chunks.
 */
import { readFileSync } from 'node:fs';
import { CHANNEL, EVENTS } from '../../../src/events/catalogue.js';
import { buildEvent, type AuditEvent } from '../../../src/events/event.js';
import type { PortableAuditEvent } from '../../../src/audit/formats/index.js';

/** Markup, quotes, non-ASCII (incl. astral), CDATA terminator, tab and line breaks. */
export const AWKWARD = `<b>R&D</b> 'single' "double" Zoë Ünal 日本 😀 ]]> tab\there\r\nCRLF\nLF`;

export function fixturePath(name: string): string {
  return new URL(`../../../../test/fixtures/audit/${name}`, import.meta.url).pathname;
}

export function fixture(name: string): Buffer {
  return readFileSync(fixturePath(name));
}

export function expectedFixtureEvents(): PortableAuditEvent[] {
  return JSON.parse(fixture('wevtutil-ntlm.expected.json').toString('utf8')) as PortableAuditEvent[];
}

/** Every catalogue id, the unknown id 4099, and an imported-looking event with Windows extras. */
export function sampleEvents(): PortableAuditEvent[] {
  const events: PortableAuditEvent[] = [];
  let n = 0;
  for (const def of EVENTS.values()) {
    const data: Record<string, string> = {};
    def.fields.forEach((f, i) => {
      data[f] = i === 0 ? AWKWARD : i === 1 ? '' : `${f} of ${def.id}`;
    });
    data['Unknown Name ü'] = `extra ${def.id}`;
    const withContext = n % 2 === 0;
    events.push(
      buildEvent(
        { eventId: def.id, data },
        {
          time: Date.UTC(2026, 10, 21, 12, 0, 0, 17 * n++),
          computer: "WEB1 'α' & <co>",
          context: withContext
            ? {
                service: 'intranet <HTTP> & "api"',
                clientIp: '2001:db8::17',
                requestId: 'req-\u00e9-1',
                decision: n % 3 === 0 ? 'block' : 'audit',
                setting: 'RestrictReceivingNTLMTraffic=2',
                reason: "it's =1+1",
                ntlmVersion: 'NTLMv2',
              }
            : {},
        },
      ),
    );
  }
  const unknown: AuditEvent = {
    eventId: 4099,
    provider: 'Microsoft-Windows-NTLM',
    channel: CHANNEL,
    level: 4,
    task: 0,
    time: '2026-11-21T12:30:00.999Z',
    computer: 'WS01',
    recordId: 7,
    data: { 'Future<Field>': AWKWARD, 'Ω name': '', "a'b\"c&d": '=SUM(A1)', '-dash': "'quoted" },
    context: { source: 'ntlmgate', decision: 'allow' },
  };
  events.push(unknown);
  const withProto: Record<string, string> = { Plain: 'p' };
  Object.defineProperty(withProto, '__proto__', { value: 'own __proto__', enumerable: true, writable: true, configurable: true });
  events.push({
    eventId: 4200,
    provider: 'Some-Other-Provider',
    channel: 'Some-Other/Operational',
    level: 0,
    task: 9,
    time: '2026-11-21T12:31:00.000Z',
    computer: '',
    data: withProto,
    context: { source: 'ntlmgate' },
  });
  events.push({
    eventId: 8004,
    provider: 'Microsoft-Windows-Security-Netlogon',
    channel: CHANNEL,
    level: 4,
    task: 2,
    time: '2026-11-21T09:05:47.779Z',
    computer: 'DC01',
    recordId: 9_007_199_254_740_991,
    data: { SChannelName: 'FS1', UserName: 'bob', DomainName: 'CORP', WorkstationName: '(NULL)', SChannelType: '2' },
    context: { source: 'import' },
    windows: {
      systemTime: '2026-11-21T09:05:47.7793310Z',
      providerGuid: '{e5ba83f6-07d0-46b1-8bc7-7e669a1d31dc}',
      eventSourceName: 'NETLOGON',
      qualifiers: 16384,
      version: 2,
      opcode: 1,
      keywords: '0x8000000000000010',
      activityId: '{6E1F0A2B-3C4D-4E5F-8071-92A3B4C5D6E7}',
      relatedActivityId: '{00000000-0000-0000-0000-000000000001}',
      processId: 688,
      threadId: 2240,
      userId: 'S-1-5-18',
    },
  });
  return events;
}

/** What an import of `e` must give back: the same event, context.source = 'import'. */
export function asImported(e: PortableAuditEvent): PortableAuditEvent {
  return { ...e, context: { ...e.context, source: 'import' } };
}

/** The text in pieces of `size` characters, as an async stream would deliver it. */
export async function* inPieces(text: string | Uint8Array, size: number): AsyncGenerator<string | Uint8Array> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

/** Deterministic bytes (xorshift) for garbage inputs. */
export function noise(length: number, seed = 0x2545f491): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
