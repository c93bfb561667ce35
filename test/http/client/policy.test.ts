/**
 * The outgoing policy decides before any NTLM token leaves, and its events reach the client's
 * AuditSink before the token does. Named targets (web1.corp.example.test, 10.0.0.80) reach our
 * server on 127.0.0.1 through a connector, so exception lists and usage reasons see real names.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { fetch as undiciFetch, type buildConnector } from 'undici';
import type { AuditSink } from '../../../src/audit/sink.js';
import { NtlmDispatcher, type NtlmDispatcherOptions } from '../../../src/http/client/dispatcher.js';
import { HttpAuthError, NtlmPolicyBlockedError } from '../../../src/http/client/errors.js';
import type { AuditEvent } from '../../../src/events/event.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { ALICE, MemorySink, startIwaServer, type ClientEcho, type IwaTestServer } from './helpers.js';

const alice = { username: 'CORP\\alice', password: ALICE.password };

/** Every host name goes to 127.0.0.1:port (a hosts file for the test). */
function toLoopback(port: number): buildConnector.connector {
  return (_o, cb) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => cb(null, s));
    s.once('error', (e) => cb(e, null));
  };
}

/** A sink that also notes how many requests the server had seen when each write happened. */
class WitnessSink extends MemorySink {
  readonly writtenAt: { ids: number[]; serverSaw: number }[] = [];
  constructor(private readonly server: IwaTestServer) {
    super();
  }
  override async write(events: readonly AuditEvent[]): Promise<void> {
    this.writtenAt.push({ ids: events.map((e) => e.eventId), serverSaw: this.server.seen.length });
    await super.write(events);
  }
}

describe('outgoing NTLM policy in the dispatcher', () => {
  let server: IwaTestServer;
  let web1: string;
  before(async () => {
    server = await startIwaServer();
    web1 = `http://web1.corp.example.test:${server.port}/`;
  });
  after(() => server.close());

  async function run(policy: Record<string, unknown>, url: string, extra: Partial<NtlmDispatcherOptions> = {}): Promise<{ sink: WitnessSink; res?: Response; error?: unknown }> {
    const sink = new WitnessSink(server);
    server.seen.length = 0;
    const d = new NtlmDispatcher({ credentials: alice, policy: loadPolicy(policy), audit: sink, connect: toLoopback(server.port), service: 'gateway', ...extra });
    try {
      const res = (await undiciFetch(url, { dispatcher: d })) as unknown as Response;
      await res.clone().arrayBuffer();
      return { sink, res };
    } catch (error) {
      // fetch reports failures as TypeError('fetch failed') with the reason as its cause.
      assert.ok(error instanceof TypeError, String(error));
      return { sink, error: error.cause };
    } finally {
      await d.close();
    }
  }

  it('Allow all (default): the token is sent; the usage event is written before the AUTHENTICATE', async () => {
    const { sink, res } = await run({}, web1);
    assert.equal(res?.status, 200);
    assert.equal(((await res?.json()) as ClientEcho).name, 'CORP\\alice');
    assert.deepEqual(sink.ids(), [4021], 'plain HTTP has no channel to bind: the insecure usage event');
    const ev = sink.events[0];
    assert.equal(ev?.data.TargetService, 'HTTP/web1.corp.example.test');
    assert.equal(ev?.data.TargetMachine, 'web1.corp.example.test');
    assert.equal(ev?.data.NtlmVersion, 'NTLM V2');
    assert.equal(ev?.data.MicStatus, 'Protected');
    assert.equal(ev?.data.ChannelBindingStatus, 'Not Supported');
    assert.deepEqual(sink.writtenAt, [{ ids: [4021], serverSaw: 2 }], 'written after plain + NEGOTIATE, before the AUTHENTICATE');
  });

  it('Audit all: the token is sent and 8001 names the target', async () => {
    const { sink, res } = await run({ RestrictSendingNTLMTraffic: 1 }, web1);
    assert.equal(res?.status, 200);
    assert.deepEqual(sink.ids(), [8001, 4021]);
    assert.equal(sink.events[0]?.data.TargetName, 'HTTP/web1.corp.example.test');
    assert.equal(sink.events[0]?.data.UserName, 'alice');
    assert.equal(sink.events[0]?.context.decision, 'audit');
    assert.equal(sink.writtenAt[0]?.serverSaw, 2, 'awaited before the AUTHENTICATE left');
  });

  it('Deny all: refused with NtlmPolicyBlockedError, 4001 written, and NO token reaches the server', async () => {
    const { sink, error } = await run({ RestrictSendingNTLMTraffic: 'Deny all' }, web1);
    assert.ok(error instanceof NtlmPolicyBlockedError, String(error));
    assert.equal(error.code, 'POLICY_BLOCKED');
    assert.equal(error.setting, 'RestrictSendingNTLMTraffic');
    assert.equal(error.host, 'web1.corp.example.test');
    assert.equal(error.target, 'server');
    assert.match(error.message, /web1\.corp\.example\.test/);
    assert.ok(error.eventIds.includes(4001));
    assert.ok(sink.ids().includes(4001));
    assert.equal(sink.events.find((e) => e.eventId === 4001)?.data.TargetName, 'HTTP/web1.corp.example.test');
    assert.equal(server.seen.length, 1, 'only the unauthenticated request');
    assert.equal(server.seen[0]?.authorization, undefined);
  });

  it('Deny all with ClientAllowedNTLMServers: an exact entry and a wildcard entry let that host through; others stay blocked', async () => {
    for (const entry of ['web1.corp.example.test', '*.corp.example.test']) {
      const { sink, res } = await run({ RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: [entry] }, web1);
      assert.equal(res?.status, 200, entry);
      assert.ok(!sink.ids().includes(4001) && !sink.ids().includes(8001), `${entry}: ${sink.ids().join(',')}`);
      assert.equal(sink.events[0]?.context.setting, 'ClientAllowedNTLMServers');
    }
    const { error } = await run({ RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['web2.corp.example.test', '*.other.example.test'] }, web1);
    assert.ok(error instanceof NtlmPolicyBlockedError);
  });

  it('an IP-address target writes 4020/4021 with reason 7, "Target name contains an IP address"', async () => {
    const { sink, res } = await run({}, `http://10.0.0.80:${server.port}/`);
    assert.equal(res?.status, 200);
    const usage = sink.events.find((e) => e.eventId === 4020 || e.eventId === 4021);
    assert.equal(usage?.data.NtlmUsageId, '7');
    assert.equal(usage?.data.NtlmUsageReason, 'Target name contains an IP address');
    assert.equal(usage?.data.TargetMachine, '10.0.0.80');
    assert.equal(usage?.data.TargetService, 'HTTP/10.0.0.80');
  });

  it("a service's BlockNTLM blocks with its own setting (4001)", async () => {
    const { error, sink } = await run({ services: { gateway: { BlockNTLM: 1 } } }, web1);
    assert.ok(error instanceof NtlmPolicyBlockedError);
    assert.equal(error.setting, 'services.gateway.BlockNTLM');
    assert.deepEqual(
      sink.ids().filter((id) => id === 4001),
      [4001],
    );
    assert.equal(server.seen.filter((s) => s.authorization).length, 0);
  });

  it('LmCompatibilityLevel 2 (NTLMv1) with BlockNtlmv1SSO Enforce: blocked before the NEGOTIATE (4025)', async () => {
    const { error, sink } = await run({ LmCompatibilityLevel: 2 }, web1);
    assert.ok(error instanceof NtlmPolicyBlockedError);
    assert.equal(error.setting, 'BlockNtlmv1SSO');
    assert.ok(sink.ids().includes(4025));
    assert.equal(server.seen.filter((s) => s.authorization).length, 0);
  });

  it('LmCompatibilityLevel 2 with BlockNtlmv1SSO Audit: NTLMv1 is what is sent (4024); an acceptor at level 5 refuses it', async () => {
    const { sink, res } = await run({ LmCompatibilityLevel: 2, BlockNtlmv1SSO: 0 }, web1);
    assert.equal(res?.status, 401, 'our server (LmCompatibilityLevel 5) refuses NTLMv1');
    assert.ok(sink.ids().includes(4024));
    const usage = sink.events.find((e) => e.eventId === 4021);
    assert.equal(usage?.data.NtlmVersion, 'NTLM V1');
    const v1 = await startIwaServer({ policy: loadPolicy({ LmCompatibilityLevel: 2, BlockNtlmv1SSO: 0 }) });
    try {
      const ok = await run({ LmCompatibilityLevel: 2, BlockNtlmv1SSO: 0 }, `http://web1.corp.example.test:${v1.port}/`, { connect: toLoopback(v1.port) });
      assert.equal(ok.res?.status, 200);
      assert.match(((await ok.res?.json()) as ClientEcho).ntlmVersion ?? '', /^NTLMv1/);
    } finally {
      await v1.close();
    }
  });

  it('NTLMMinClientSec requiring confidentiality: blocked at the AUTHENTICATE (4010); the NEGOTIATE went, the AUTHENTICATE did not', async () => {
    const { error, sink } = await run({ NTLMMinClientSec: ['Require message confidentiality'] }, web1);
    assert.ok(error instanceof NtlmPolicyBlockedError, String(error));
    assert.equal(error.setting, 'NTLMMinClientSec');
    assert.ok(sink.ids().includes(4010));
    assert.equal(server.seen.length, 2, 'plain + NEGOTIATE');
  });

  it('a failing audit sink fails closed: AUDIT_FAILED and no AUTHENTICATE', async () => {
    const broken: AuditSink = {
      write: () => Promise.reject(new Error('disk full')),
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    server.seen.length = 0;
    const d = new NtlmDispatcher({ credentials: alice, audit: broken, connect: toLoopback(server.port) });
    try {
      await assert.rejects(undiciFetch(web1, { dispatcher: d }), (e: unknown) => {
        const cause = (e as { cause?: unknown }).cause ?? e;
        return cause instanceof HttpAuthError && cause.code === 'AUDIT_FAILED';
      });
      assert.equal(server.seen.length, 2);
    } finally {
      await d.close();
    }
  });
});
