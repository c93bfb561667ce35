/**
 * Names no Windows account can have — U+0000 or a lone UTF-16 surrogate in the user, domain
 * or workstation field of the AUTHENTICATE — against the real IWA handler, a LocalAuthority
 * over a SQLite account store, and each audit store (SQLite, JSON Lines, PostgreSQL): the
 * answer is 401 (never a 5xx), no password is checked or counted, and the events are stored
 * with the characters written as `\uXXXX` and NtlmgateEscaped naming the escaped fields. The
 * stored events then go through every export format. And an anonymous AUTHENTICATE inside
 * SPNEGO carrying a mechListMIC is a typed failure, not an exception.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportEvents, readAuditEvents, type ExportFormat } from '../../../src/audit/formats/index.js';
import { openAuditStore } from '../../../src/audit/openAuditStore.js';
import type { AuditStore } from '../../../src/audit/query.js';
import type { AccountStore } from '../../../src/authority/local/accountStore.js';
import { LocalAuthority } from '../../../src/authority/local/localAuthority.js';
import { ntHashOfPassword } from '../../../src/authority/local/ntHash.js';
import { openSqliteAccountStore } from '../../../src/authority/local/stores/sqlite.js';
import { AUDIT_MODE_POLICY } from '../../../src/serve/config.js';
import type { AuditEvent } from '../../../src/events/event.js';
import { ESCAPED_FIELD } from '../../../src/events/sanitize.js';
import { iwa } from '../../../src/http/server/handler.js';
import { NtlmClientContext, type NtlmCredentials } from '../../../src/ntlm/clientContext.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { NegotiateServerContext } from '../../../src/spnego/negotiateServer.js';
import { OID_KERBEROS5, OID_NTLMSSP } from '../../../src/spnego/oids.js';
import { encodeInitialToken, encodeNegTokenResp, decodeNegTokenResp } from '../../../src/spnego/tokens.js';
import { postgresServer } from '../../helpers/postgres.js';
import { baseOptions, challengeToken, keepAliveAgent, login, request } from './helpers.js';

const PASSWORD = 'Al1ce!Pass2026';
const policy = loadPolicy(AUDIT_MODE_POLICY);

// eslint-disable-next-line no-control-regex -- these are the characters the test must not find stored
const RAW = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type Field = 'user' | 'domain' | 'workstation';
/** The event Data names each AUTHENTICATE field lands in (server side 8003/4023, DC side 8005/4031). */
const DATA_NAMES: Readonly<Record<Field, readonly string[]>> = {
  user: ['UserName', 'Username'],
  domain: ['DomainName'],
  workstation: ['Workstation', 'WorkstationName', 'RemoteClientMachine'],
};
const ODD: readonly { readonly char: string; readonly escaped: string }[] = [
  { char: '\u0000', escaped: '\\u0000' },
  { char: '\uD800', escaped: '\\ud800' },
  { char: '\uDC00', escaped: '\\udc00' },
];

interface Case {
  readonly label: string;
  readonly field: Field;
  readonly creds: NtlmCredentials & { readonly user: string; readonly domain: string };
  readonly workstation: string;
  /** What the field reads as in the stored events. */
  readonly stored: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const { char, escaped } of ODD) {
    for (const password of [PASSWORD, 'wrong']) {
      const pw = password === PASSWORD ? 'right password' : 'wrong password';
      out.push({ label: `user ${escaped}, ${pw}`, field: 'user', creds: { user: `al${char}ice`, domain: 'CORP', password }, workstation: 'WS01', stored: `al${escaped}ice` });
      out.push({ label: `domain ${escaped}, ${pw}`, field: 'domain', creds: { user: 'alice', domain: `CO${char}RP`, password }, workstation: 'WS01', stored: `CO${escaped}RP` });
      out.push({ label: `workstation ${escaped}, ${pw}`, field: 'workstation', creds: { user: 'alice', domain: 'CORP', password }, workstation: `WS${char}01`, stored: `WS${escaped}01` });
    }
  }
  return out;
}

/** NEGOTIATE, CHALLENGE, AUTHENTICATE over one keep-alive connection with our client; the last response. */
async function ntlmLogon(url: string, c: Case): Promise<{ status: number; requestId: string }> {
  const agent = keepAliveAgent(url);
  try {
    const client = new NtlmClientContext({ credentials: c.creds, workstation: c.workstation });
    const first = await request(url, { agent, headers: { authorization: `NTLM ${client.negotiate().toString('base64')}` } });
    const challenge = challengeToken(first, 'NTLM');
    if (!challenge) throw new Error(`no CHALLENGE (${first.status})`);
    const last = await request(url, { agent, headers: { authorization: `NTLM ${client.authenticate(challenge).toString('base64')}` } });
    return { status: last.status, requestId: String(last.headers['x-request-id'] ?? '') };
  } finally {
    agent.destroy();
  }
}

interface Rig {
  readonly url: string;
  readonly audit: AuditStore;
  readonly accounts: AccountStore;
  close(): Promise<void>;
}

async function startRig(dir: string, auditUrl: string): Promise<Rig> {
  const accounts = await openSqliteAccountStore(join(dir, 'accounts.db'));
  await accounts.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: ntHashOfPassword(PASSWORD) }]);
  const audit = await openAuditStore(auditUrl);
  const authority = new LocalAuthority({
    store: accounts,
    domain: { netbios: 'CORP', dns: 'corp.example.test' },
    policy,
    audit,
    dcName: 'WEB1',
    lockout: { threshold: 3, windowMs: 600_000, durationMs: 1_800_000 },
  });
  const server = http.createServer(iwa(baseOptions({ authority, audit, policy, serviceName: 'intranet' }))((_req, res) => res.end('ok')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    audit,
    accounts,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await audit.close();
      await accounts.close();
    },
  };
}

async function allEvents(store: AuditStore): Promise<AuditEvent[]> {
  await store.flush();
  const out: AuditEvent[] = [];
  for await (const e of store.query({})) out.push(e);
  return out;
}

/** Every case through the handler; then what the store holds, and what each export makes of it. */
async function exercise(rig: Rig): Promise<void> {
  const all = cases();
  const statuses = new Map<string, number>();
  for (const c of all) statuses.set(c.label, (await ntlmLogon(rig.url, c)).status);
  for (const c of all) assert.equal(statuses.get(c.label), 401, `${c.label}: ${statuses.get(c.label)}`);

  const alice = await rig.accounts.getAccount({ domain: 'CORP', name: 'alice' });
  assert.equal(alice?.lockout.failedCount, 0, 'refused before the authority: no password was checked, none counted');

  const events = await allEvents(rig.audit);
  for (const e of events) {
    for (const [k, v] of Object.entries(e.data)) assert.doesNotMatch(`${k}${v}`, RAW, `event ${e.eventId} data.${k} holds a raw character`);
  }
  for (const c of all) {
    // The server's 8003 names the client; its Data field for this name holds the visible escape.
    const hits = events.filter((e) => DATA_NAMES[c.field].some((n) => e.data[n] === c.stored));
    assert.ok(hits.some((e) => e.eventId === 8003), `${c.label}: a stored 8003 with ${JSON.stringify(c.stored)} (${hits.map((e) => e.eventId).join(', ') || 'none'})`);
    for (const e of hits) {
      const named = (e.data[ESCAPED_FIELD] ?? '').split(',');
      assert.ok(DATA_NAMES[c.field].some((n) => named.includes(n)), `${c.label}: event ${e.eventId} flags ${e.data[ESCAPED_FIELD]}`);
    }
  }

  for (const format of ['xml', 'csv', 'jsonl'] as const satisfies readonly ExportFormat[]) {
    let text = '';
    const n = await exportEvents(events, format, (chunk) => void (text += chunk), { wrap: format === 'xml' });
    assert.equal(n, events.length);
    assert.doesNotMatch(text, RAW, `${format}: a raw character in the export`);
    // JSON Lines writes the escape's backslash as JSON does (`\\u0000`); XML and CSV write it as it is.
    const spelled = (v: string): string => (format === 'jsonl' ? JSON.stringify(v).slice(1, -1) : v);
    for (const c of all) assert.ok(text.includes(spelled(c.stored)), `${format}: ${JSON.stringify(c.stored)} in the export`);
    // Whatever ntlmgate exports, ntlmgate reads back: the escaped names survive the round trip.
    if (format !== 'csv') {
      const back: string[] = [];
      for await (const e of readAuditEvents(text, { format })) back.push(...Object.values(e.data));
      for (const c of all) assert.ok(back.includes(c.stored), `${format}: ${JSON.stringify(c.stored)} read back`);
    }
  }
}

describe('names with U+0000 or a lone surrogate: 401, audited with the characters made visible', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ntlmgate-oddnames-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('SQLite audit store', async () => {
    const rig = await startRig(join(dir, 'sqlite'), `sqlite:${join(dir, 'sqlite', 'audit.db')}`);
    try {
      await exercise(rig);
    } finally {
      await rig.close();
    }
  });

  it('JSON Lines audit store', async () => {
    const rig = await startRig(join(dir, 'jsonl'), `jsonl:${join(dir, 'jsonl', 'audit.jsonl')}`);
    try {
      await exercise(rig);
    } finally {
      await rig.close();
    }
  });

  it('other client strings reach the events escaped too: MsvAvTargetName with U+0000, a workstation with ESC', async () => {
    const rig = await startRig(join(dir, 'other'), `sqlite:${join(dir, 'other', 'audit.db')}`);
    const agent = keepAliveAgent(rig.url);
    try {
      const client = new NtlmClientContext({ credentials: { user: 'alice', domain: 'CORP', password: PASSWORD }, workstation: 'WS\u001b[2J01', targetSpn: 'HTTP/web1\u0000evil' });
      const first = await request(rig.url, { agent, headers: { authorization: `NTLM ${client.negotiate().toString('base64')}` } });
      const challenge = challengeToken(first, 'NTLM');
      assert.ok(challenge);
      const last = await request(rig.url, { agent, headers: { authorization: `NTLM ${client.authenticate(challenge).toString('base64')}` } });
      // Neither is a name the account is looked up by: the logon itself goes through.
      assert.equal(last.status, 200);
      const events = await allEvents(rig.audit);
      const usage = events.find((e) => e.eventId === 4023);
      assert.equal(usage?.data['TargetService'], 'HTTP/web1\\u0000evil');
      assert.equal(usage?.data['RemoteClientMachine'], 'WS\\u001b[2J01');
      assert.equal(usage?.data[ESCAPED_FIELD], 'RemoteClientMachine,TargetService');
      // eslint-disable-next-line no-control-regex -- the raw characters must not be stored
      for (const e of events) for (const v of Object.values(e.data)) assert.doesNotMatch(v, /[\u0000\u001b]/);
    } finally {
      agent.destroy();
      await rig.close();
    }
  });

  it('the same under Negotiate (SPNEGO and bare NTLMSSP): 401 and the escaped name stored', async () => {
    const rig = await startRig(join(dir, 'negotiate'), `sqlite:${join(dir, 'negotiate', 'audit.db')}`);
    try {
      for (const raw of [false, true]) {
        const agent = keepAliveAgent(rig.url);
        try {
          const res = await login(rig.url, agent, { scheme: 'Negotiate', raw, credentials: { user: 'al\u0000ice', domain: 'CORP', password: PASSWORD } });
          assert.equal(res.status, 401, `raw ${raw}`);
        } finally {
          agent.destroy();
        }
      }
      const stored = (await allEvents(rig.audit)).filter((e) => e.eventId === 8003 && e.data['UserName'] === 'al\\u0000ice');
      assert.equal(stored.length, 2);
      assert.ok(stored.every((e) => e.data[ESCAPED_FIELD] === 'UserName'));
    } finally {
      await rig.close();
    }
  });

  const pg = postgresServer();
  it('PostgreSQL audit store (text and jsonb hold no U+0000)', { skip: pg.skip }, async () => {
    const url = await pg.server!.database();
    const rig = await startRig(join(dir, 'pg'), url);
    try {
      await exercise(rig);
    } finally {
      await rig.close();
    }
  });
});

/** An anonymous AUTHENTICATE (MS-NLMP §3.1.5.1.2) for the CHALLENGE inside `respToken`. */
function anonymousAuthenticate(client: NtlmClientContext, respToken: Buffer): Buffer {
  const resp = decodeNegTokenResp(respToken);
  if (!resp.responseToken) throw new Error('no CHALLENGE in the NegTokenResp');
  return client.authenticate(resp.responseToken);
}

describe('anonymous AUTHENTICATE inside SPNEGO with a mechListMIC', () => {
  const options = { authority: { validate: async () => ({ status: 'STATUS_LOGON_FAILURE' as const }) }, netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP', allowAnonymous: true };

  for (const mechTypes of [[OID_NTLMSSP], [OID_KERBEROS5, OID_NTLMSSP]]) {
    it(`is a typed failure, never an exception (mechTypes ${mechTypes.join(', ')})`, async () => {
      const server = new NegotiateServerContext(options);
      const client = new NtlmClientContext({ credentials: { anonymous: true }, workstation: 'WS01' });
      const ntlmFirst = mechTypes[0] === OID_NTLMSSP;
      let step = await server.step(encodeInitialToken({ mechTypes, mechToken: ntlmFirst ? client.negotiate() : undefined }));
      if (!ntlmFirst) {
        assert.equal(step.status, 'continue');
        step = await server.step(encodeNegTokenResp({ negState: 'accept-incomplete', responseToken: client.negotiate() }));
      }
      assert.equal(step.status, 'continue');
      if (step.status !== 'continue') return;
      const auth = anonymousAuthenticate(client, step.token);
      const final = await server.step(encodeNegTokenResp({ negState: 'accept-incomplete', responseToken: auth, mechListMIC: Buffer.alloc(16, 0x5a) }));
      assert.equal(final.status, 'failed');
      if (final.status !== 'failed') return;
      assert.equal(final.failure.reason, 'mechlistmic-mismatch');
      assert.match(final.failure.message, /anonymous/);
      assert.ok(final.token, 'a reject token goes back to the client');
    });
  }

  it('without a mechListMIC (NTLM first) the anonymous logon completes as before', async () => {
    const server = new NegotiateServerContext(options);
    const client = new NtlmClientContext({ credentials: { anonymous: true }, workstation: 'WS01' });
    const step = await server.step(encodeInitialToken({ mechTypes: [OID_NTLMSSP], mechToken: client.negotiate() }));
    assert.equal(step.status, 'continue');
    if (step.status !== 'continue') return;
    const final = await server.step(encodeNegTokenResp({ negState: 'accept-incomplete', responseToken: anonymousAuthenticate(client, step.token) }));
    assert.equal(final.status, 'complete');
    if (final.status === 'complete') assert.equal(final.result.anonymous, true);
  });

  it('through iwa() with allowAnonymous: 401, not 500', async () => {
    const server = http.createServer(iwa(baseOptions({ allowAnonymous: true, policy }))((_req, res) => res.end('ok')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const agent = keepAliveAgent(url);
    try {
      const client = new NtlmClientContext({ credentials: { anonymous: true }, workstation: 'WS01' });
      const first = await request(url, { agent, headers: { authorization: `Negotiate ${encodeInitialToken({ mechTypes: [OID_NTLMSSP], mechToken: client.negotiate() }).toString('base64')}` } });
      const challenge = challengeToken(first, 'Negotiate');
      assert.ok(challenge, `a NegTokenResp with the CHALLENGE (${first.status})`);
      const token = encodeNegTokenResp({ negState: 'accept-incomplete', responseToken: anonymousAuthenticate(client, challenge), mechListMIC: Buffer.alloc(16, 0x5a) });
      const last = await request(url, { agent, headers: { authorization: `Negotiate ${token.toString('base64')}` } });
      assert.equal(last.status, 401);
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
