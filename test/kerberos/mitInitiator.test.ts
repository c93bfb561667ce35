// Our acceptor against MIT's initiator (krb5 1.20 through python3-gssapi, test/peers/
// krb5_initiator_peer.py): a ccache we write holds a service ticket sealed in the exported
// keytab's key (the KDC's part, so no KDC is needed and the ticket is always current); MIT builds
// the AP-REQ with mutual authentication, KerberosServerContext accepts it, and MIT verifies our
// AP-REP (a tampered one must fail: the peer can say no) and the MICs both ways (RFC 4121
// §4.2.6.1, what SPNEGO's mechListMIC uses).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AcceptorMechanism } from '../../src/gss/mechanism.js';
import { MechanismRegistry } from '../../src/gss/registry.js';
import { ntlmAcceptorMechanism } from '../../src/ntlm/acceptorMechanism.js';
import { NegotiateServerContext } from '../../src/spnego/negotiateServer.js';
import { serverOptions } from '../helpers/handshake.js';
import { PEERS_DIR, skipUnlessPeers } from '../helpers/peers.js';
import {
  EncType, KerberosServerContext, kerberosMechanisms, parsePrincipal, ReplayCache, TicketFlags, type ApReqCredential, type Principal,
} from '../../src/kerberos/index.js';
import { CAPTURED_CB_APPLICATION_DATA } from './fixtures.js';
import { keyOf, mintTicket, sambaKeytab, WEB1 } from './helpers.js';

const skip = skipUnlessPeers(['gssapi']);
const keytab = sambaKeytab();

/** A version 4 MIT ccache holding one credential (the file format krb5 ccache(5) documents). */
function ccache(cred: ApReqCredential, server: Principal, times: { auth: Date; end: Date }): Buffer {
  const parts: Buffer[] = [];
  const u8 = (v: number): void => void parts.push(Buffer.of(v));
  const u16 = (v: number): void => { const b = Buffer.alloc(2); b.writeUInt16BE(v); parts.push(b); };
  const u32 = (v: number): void => { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); parts.push(b); };
  const counted = (d: Uint8Array): void => { u32(d.length); parts.push(Buffer.from(d)); };
  const principal = (p: Principal): void => {
    u32(p.name.nameType);
    u32(p.name.nameString.length);
    counted(Buffer.from(p.realm));
    for (const c of p.name.nameString) counted(Buffer.from(c));
  };
  u16(0x0504);
  u16(0);
  principal(cred.client);
  principal(cred.client);
  principal(server);
  u16(cred.key.keytype);
  counted(cred.key.keyvalue);
  for (const t of [times.auth, times.auth, times.end, times.end]) u32(Math.floor(t.getTime() / 1000));
  u8(0);
  u32(TicketFlags.forwardable | TicketFlags.renewable | TicketFlags.preAuthent);
  u32(0);
  u32(0);
  counted(cred.ticket);
  counted(Buffer.alloc(0));
  return Buffer.concat(parts);
}

interface Peer {
  next(): Promise<Record<string, unknown>>;
  send(b: Uint8Array): void;
  close(): void;
}

function startPeer(ccachePath: string, cbt?: Uint8Array, spnego = false): Peer {
  const args = [
    join(PEERS_DIR, 'krb5_initiator_peer.py'), '--ccache', ccachePath, '--service', WEB1,
    ...(cbt ? ['--cbt-hex', Buffer.from(cbt).toString('hex')] : []), ...(spnego ? ['--spnego'] : []),
  ];
  const child = spawn('/usr/bin/python3', args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await lines.next();
      if (r.done === true) throw new Error('the peer ended');
      return JSON.parse(r.value) as Record<string, unknown>;
    },
    send(b) {
      child.stdin.write(`${Buffer.from(b).toString('base64')}\n`);
    },
    close() {
      child.kill();
    },
  };
}

async function run(enctype: number, o: { tamper?: boolean; cbt?: boolean; mic?: boolean } = {}): Promise<{ accepted: KerberosServerContext; apRep: Record<string, unknown>; mic?: Record<string, unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), 'k3-ccache-'));
  const now = new Date();
  const k = keyOf(keytab, enctype);
  const cred = mintTicket({ serviceKey: k.key, kvno: k.kvno, authtime: now, endtime: new Date(now.getTime() + 3600_000), randomBytes: (n) => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(n))) });
  const path = join(dir, 'cc');
  writeFileSync(path, ccache(cred, parsePrincipal(WEB1), { auth: now, end: new Date(now.getTime() + 3600_000) }));
  const peer = startPeer(path, o.cbt ? CAPTURED_CB_APPLICATION_DATA : undefined);
  try {
    const first = await peer.next();
    assert.equal(typeof first.token, 'string', JSON.stringify(first));
    const ctx = new KerberosServerContext({
      keytab, replayCache: new ReplayCache(),
      channelBindings: { mode: o.cbt ? 'require' : 'accept', expected: { applicationData: CAPTURED_CB_APPLICATION_DATA } },
    });
    const s = ctx.step(Buffer.from(first.token as string, 'base64'));
    assert.equal(s.status, 'complete', s.status === 'failed' ? `${s.failure.reason}: ${s.failure.message}` : '');
    assert.ok(s.status === 'complete' && s.token, 'MIT asked for mutual authentication: an AP-REP is due');
    const rep = Buffer.from(s.token);
    if (o.tamper) rep[rep.length - 5] = (rep[rep.length - 5] as number) ^ 0x01;
    peer.send(rep);
    const apRep = await peer.next();
    if (apRep.ok !== true || o.mic === false) return { accepted: ctx, apRep };
    const integrity = ctx.integrity();
    assert.ok(integrity);
    const theirs = Buffer.from(apRep.mic as string, 'base64');
    assert.equal(integrity.verify(Buffer.from('mechlist'), theirs), true, "MIT's MIC verifies with the acceptor subkey");
    assert.equal(integrity.verify(Buffer.from('mechlisT'), theirs), false);
    peer.send(integrity.sign(Buffer.from('mechlist')));
    return { accepted: ctx, apRep, mic: await peer.next() };
  } finally {
    peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('KerberosServerContext ↔ MIT krb5 initiator (python3-gssapi)', { skip }, () => {
  for (const [name, enctype] of [['aes256', EncType.AES256_CTS_HMAC_SHA1_96], ['aes128', EncType.AES128_CTS_HMAC_SHA1_96]] as const) {
    it(`${name}: MIT's AP-REQ accepted, our AP-REP verified by MIT (mutual), MICs verified both ways`, async () => {
      const r = await run(enctype);
      assert.equal(r.apRep.ok, true, JSON.stringify(r.apRep));
      assert.deepEqual(r.mic, { ok: true });
      assert.equal(r.accepted.result?.mutual, true);
      assert.equal(r.accepted.result?.clientName, 'alice@CORP.EXAMPLE.TEST');
    });
  }

  it('with channel bindings under require: MIT\'s Bnd matches ours', async () => {
    const r = await run(EncType.AES256_CTS_HMAC_SHA1_96, { cbt: true });
    assert.equal(r.apRep.ok, true, JSON.stringify(r.apRep));
    assert.equal(r.accepted.result?.channelBindingsVerified, true);
  });

  it('rc4: MIT\'s AP-REQ accepted and our AP-REP verified (an rc4 context offers no MIC: RFC 4757 tokens are not provided)', async () => {
    const r = await run(EncType.RC4_HMAC, { mic: false });
    assert.equal(r.apRep.ok, true, JSON.stringify(r.apRep));
    assert.equal(r.accepted.integrity(), undefined);
  });

  it("through MIT's SPNEGO: NegotiateServerContext over the registry completes the optimistic AP-REQ; MIT takes accept-completed with our AP-REP and verifies our MIC", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3-ccache-'));
    const now = new Date();
    const k = keyOf(keytab, EncType.AES256_CTS_HMAC_SHA1_96);
    const cred = mintTicket({ serviceKey: k.key, kvno: k.kvno, authtime: now, endtime: new Date(now.getTime() + 3600_000), randomBytes: (n) => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(n))) });
    const path = join(dir, 'cc');
    writeFileSync(path, ccache(cred, parsePrincipal(WEB1), { auth: now, end: new Date(now.getTime() + 3600_000) }));
    const peer = startPeer(path, undefined, true);
    try {
      const first = await peer.next();
      const registry = new MechanismRegistry<AcceptorMechanism>([...kerberosMechanisms({ keytab }), ntlmAcceptorMechanism(serverOptions())]);
      const neg = new NegotiateServerContext(registry);
      const s = await neg.step(Buffer.from(first.token as string, 'base64'));
      assert.equal(s.status, 'complete', s.status === 'failed' ? `${s.failure.reason}: ${s.failure.message}` : '');
      assert.ok(s.status === 'complete' && s.token);
      assert.equal(s.result.mechanism, 'Kerberos');
      peer.send(s.token);
      const done = await peer.next();
      assert.equal(done.ok, true, JSON.stringify(done));
      const integrity = neg.context?.integrity();
      assert.ok(integrity);
      assert.equal(integrity.verify(Buffer.from('mechlist'), Buffer.from(done.mic as string, 'base64')), true);
      peer.send(integrity.sign(Buffer.from('mechlist')));
      assert.deepEqual(await peer.next(), { ok: true });
    } finally {
      peer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a tampered AP-REP makes MIT fail: the peer can say no', async () => {
    const r = await run(EncType.AES256_CTS_HMAC_SHA1_96, { tamper: true });
    assert.equal(r.apRep.ok, false);
    assert.match(String(r.apRep.error), /.+/);
  });
});
