/**
 * NtlmDispatcher as a PinnableTransport, against our IWA server: each key gets its own
 * connection, authenticated once — here by relaying a different user's handshake per key, as a
 * gateway does — and a key's requests never travel on another key's connection or a shared one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, type Dispatcher } from 'undici';
import { NtlmDispatcher } from '../../../src/http/client/dispatcher.js';
import type { PinnableTransport } from '../../../src/http/client/pinning.js';
import { NtlmClientContext, type NtlmCredentials } from '../../../src/ntlm/clientContext.js';
import { ALICE, BOB, startIwaServer, type ClientEcho, type IwaTestServer } from './helpers.js';

/** Runs an NTLM handshake by hand through `dispatcher` (the caller's own Authorization, relayed). */
async function logOn(dispatcher: Dispatcher, url: string, credentials: NtlmCredentials): Promise<ClientEcho> {
  const initiator = new NtlmClientContext({ credentials, workstation: 'GW01' });
  const first = await request(url, { dispatcher, headers: { authorization: `NTLM ${initiator.negotiate().toString('base64')}` } });
  await first.body.dump();
  assert.equal(first.statusCode, 401);
  const challenge = /^NTLM (\S+)$/.exec(String(first.headers['www-authenticate']))?.[1];
  assert.ok(challenge, 'the server answered the NEGOTIATE with a CHALLENGE');
  const second = await request(url, { dispatcher, headers: { authorization: `NTLM ${initiator.authenticate(Buffer.from(challenge, 'base64')).toString('base64')}` } });
  assert.equal(second.statusCode, 200);
  return (await second.body.json()) as ClientEcho;
}

async function echo(dispatcher: Dispatcher, url: string): Promise<{ status: number; echo?: ClientEcho }> {
  const res = await request(url, { dispatcher });
  if (res.statusCode !== 200) {
    await res.body.dump();
    return { status: res.statusCode };
  }
  return { status: 200, echo: (await res.body.json()) as ClientEcho };
}

describe('NtlmDispatcher as a PinnableTransport', () => {
  let server: IwaTestServer;
  before(async () => {
    server = await startIwaServer();
  });
  after(() => server.close());

  it('two keys never share an authenticated connection, nor does the shared pool', async () => {
    // One shared connection at most: if pinning leaked, the shared request would have to reuse a bound one.
    const transport: NtlmDispatcher = new NtlmDispatcher({ credentials: { username: 'CORP\\alice', password: ALICE.password }, connections: 1 });
    const pinning: PinnableTransport = transport;
    const keyA = {};
    const keyB = {};
    try {
      // The gateway relays each client's own handshake: the dispatcher must not authenticate these itself.
      const viaA = pinning.pinned(keyA, { authenticate: 'caller' });
      const viaB = pinning.pinned(keyB, { authenticate: 'caller' });
      assert.equal(pinning.pinned(keyA), viaA, 'one dispatcher per key');
      server.seen.length = 0;
      assert.equal((await echo(viaA, `${server.url}first`)).status, 401, "a relayed key's 401 goes to the caller");
      server.seen.length = 0;
      assert.equal((await logOn(viaA, `${server.url}a`, ALICE)).name, 'CORP\\alice');
      assert.equal((await logOn(viaB, `${server.url}b`, BOB)).name, 'CORP\\bob');
      const socketA = server.seen[0]?.socket;
      const socketB = server.seen[2]?.socket;
      assert.ok(socketA && socketB && socketA !== socketB);
      assert.equal(server.seen[1]?.socket, socketA, "A's AUTHENTICATE went on its NEGOTIATE's connection");
      assert.equal(server.seen[3]?.socket, socketB);

      // Interleaved bare requests: each key's lands on its own authenticated connection.
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => echo(i % 2 === 0 ? viaA : viaB, `${server.url}again${i}`)));
      assert.deepEqual(
        results.map((r) => r.echo?.name),
        Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? 'CORP\\alice' : 'CORP\\bob')),
      );
      const again = server.seen.filter((s) => s.url.startsWith('/again'));
      assert.equal(again.length, 6, 'no request needed a handshake');
      for (const s of again) assert.equal(s.socket, s.url.endsWith('0') || s.url.endsWith('2') || s.url.endsWith('4') ? socketA : socketB);

      // The shared pool opens its own connection and authenticates it with the dispatcher's
      // credentials (the origin is now known to want Negotiate: no key's connection may start it).
      const shared = await echo(transport, `${server.url}shared`);
      assert.equal(shared.echo?.name, 'CORP\\alice');
      const sharedSockets = new Set(server.seen.filter((s) => s.url === '/shared').map((s) => s.socket));
      assert.equal(sharedSockets.has(socketA) || sharedSockets.has(socketB), false);
      const stats = transport.stats();
      assert.equal(stats.pinnedKeys, 2);
      assert.equal(stats.pools[0]?.bound, 2);
      assert.equal(stats.pools[0]?.connections, 1);

      // Unpinning closes the key's connection; its dispatcher then refuses.
      await pinning.unpin(keyA);
      assert.equal(pinning.pinnedKeys, 1);
      assert.equal(transport.stats().pools[0]?.bound, 1);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(socketA.destroyed || socketA.readableEnded, true, "A's connection is closed");
      await assert.rejects(request(`${server.url}late`, { dispatcher: viaA }), /closed/);
      assert.equal((await echo(viaB, `${server.url}still-b`)).echo?.name, 'CORP\\bob', "B's binding is untouched");
    } finally {
      await transport.close();
    }
  });

  it('a key whose requests use the dispatcher credentials authenticates its own connection once', async () => {
    const transport = new NtlmDispatcher({ credentials: { username: 'CORP\\bob', password: BOB.password } });
    const key = {};
    try {
      server.seen.length = 0;
      const pinned = transport.pinned(key);
      assert.equal((await echo(pinned, `${server.url}one`)).echo?.name, 'CORP\\bob');
      assert.equal((await echo(pinned, `${server.url}two`)).echo?.name, 'CORP\\bob');
      assert.equal(new Set(server.seen.map((s) => s.socket)).size, 1, 'one bound connection');
      assert.equal(server.seen.filter((s) => s.url === '/two').length, 1, 'no second handshake');
      assert.equal(transport.stats().pools[0]?.connections, 0, 'the shared pool was not used');
      await pinned.close();
      assert.equal(transport.pinnedKeys, 0, 'closing the pinned dispatcher unpins its key');
    } finally {
      await transport.close();
    }
  });

  it('refuses a key that is not an object', () => {
    const transport = new NtlmDispatcher({ credentials: { username: 'CORP\\bob', password: BOB.password } });
    assert.throws(() => transport.pinned('client-1' as unknown as object), /must be an object/);
    void transport.close();
  });
});
