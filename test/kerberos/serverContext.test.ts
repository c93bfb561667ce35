// KerberosServerContext against the real AP-REQ python-gssapi made from a Samba KDC's ticket
// (test/fixtures/kerberos), and each refusal produced by one mutation of it or by an AP-REQ
// built with apReqBuilder over a ticket minted in the same service key.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildApReq, decodeAcceptorToken, decodeApReqToken, decodeAuthenticator, decodeEncApRepPart, decodeEncTicketPart, findPac, encodeApReq,
  decodeKrb5Token, encodeKrb5Token, encodeTicket, encryptionType, EncType, GssFlags, KeyUsage, KRB5_LEGACY_OID, KRB5_OID, KerberosServerContext,
  MicTokenFlags, openApRep, parsePrincipal, ReplayCache, TicketFlags, TokId, verifyMicToken, encodeMicToken,
  type KerberosServerOptions, type KerberosServerStep, type KeytabEntry,
} from '../../src/kerberos/index.js';
import { CAPTURE_TIME, CAPTURED_CB_APPLICATION_DATA, fixture } from './fixtures.js';
import { ALICE, keyOf, mintTicket, REALM, sambaKeytab, seededRandom, WEB1 } from './helpers.js';

const AP_REQ = fixture('ap-req.gss');
const NOW = CAPTURE_TIME.getTime();
const CB = { applicationData: CAPTURED_CB_APPLICATION_DATA };
const keytab = sambaKeytab();

function ctx(o: Partial<KerberosServerOptions> = {}): KerberosServerContext {
  return new KerberosServerContext({ keytab, replayCache: new ReplayCache(), now: () => NOW, randomBytes: seededRandom(), ...o });
}

function refused(s: KerberosServerStep, reason: string): string {
  assert.equal(s.status, 'failed', s.status === 'complete' ? `accepted ${s.result.clientName}` : '');
  assert.ok(s.status === 'failed');
  assert.equal(s.failure.reason, reason, s.failure.message);
  return s.failure.message;
}

function accepted(s: KerberosServerStep): Extract<KerberosServerStep, { status: 'complete' }> {
  assert.equal(s.status, 'complete', s.status === 'failed' ? `${s.failure.reason}: ${s.failure.message}` : '');
  assert.ok(s.status === 'complete');
  return s;
}

/** The captured exchange opened with the keytab: the ticket's session key and the authenticator. */
const { apReq } = decodeApReqToken(AP_REQ);
const web1Aes256 = keyOf(keytab, EncType.AES256_CTS_HMAC_SHA1_96);
const aes = encryptionType(18);
const ticketPart = decodeEncTicketPart(aes.decrypt(web1Aes256.key.keyvalue, KeyUsage.KDC_REP_TICKET, apReq.ticket.encPart.cipher));
const capturedAuth = decodeAuthenticator(aes.decrypt(ticketPart.key.keyvalue, KeyUsage.AP_REQ_AUTH, apReq.authenticator.cipher));

/** The captured AP-REQ with one byte of `field` flipped. */
function flipped(field: Uint8Array, at: number): Buffer {
  const copy = Buffer.from(AP_REQ);
  // The decoded fields are views into AP_REQ.
  const off = field.byteOffset - AP_REQ.byteOffset;
  copy[off + at] = (copy[off + at] as number) ^ 0x01;
  return copy;
}

/** The captured AP-REQ with its ticket's outer fields replaced (the encrypted part unchanged). */
function withTicket(t: { realm?: string; sname?: string; kvno?: number }): Buffer {
  const sname = t.sname === undefined ? apReq.ticket.sname : parsePrincipal(t.sname, { defaultRealm: REALM }).name;
  const ticket = encodeTicket({ realm: t.realm ?? apReq.ticket.realm, sname, encPart: { ...apReq.ticket.encPart, ...(t.kvno === undefined ? {} : { kvno: t.kvno }) } });
  return encodeKrb5Token(TokId.AP_REQ, encodeApReq({ apOptions: apReq.apOptions, ticket, authenticator: apReq.authenticator }));
}


/** A fresh AP-REQ for alice over a ticket minted in web1's aes256 key, valid around NOW. */
function fresh(o: { bindings?: Uint8Array | typeof CB; assertChannelBindings?: boolean; client?: string; service?: string; gssFlags?: number; seed?: string; enctype?: number; mechOid?: string } = {}) {
  const k = keyOf(keytab, o.enctype ?? EncType.AES256_CTS_HMAC_SHA1_96);
  const credential = mintTicket({
    serviceKey: k.key, kvno: k.kvno, service: o.service ?? WEB1,
    authtime: new Date(NOW - 60_000), endtime: new Date(NOW + 10 * 3600_000), randomBytes: seededRandom(`mint-${o.seed ?? ''}`),
  });
  const cred = o.client === undefined ? credential : { ...credential, client: parsePrincipal(o.client) };
  return buildApReq({
    credential: cred, now: () => NOW, randomBytes: seededRandom(`apreq-${o.seed ?? ''}`),
    ...(o.bindings === undefined ? {} : { bindings: o.bindings }),
    ...(o.assertChannelBindings === undefined ? {} : { assertChannelBindings: o.assertChannelBindings }),
    ...(o.gssFlags === undefined ? {} : { gssFlags: o.gssFlags }),
    ...(o.mechOid === undefined ? {} : { mechOid: o.mechOid }),
  });
}

describe('KerberosServerContext: the captured Samba/MIT AP-REQ', () => {
  it('accepts it with the exported keytab and answers the AP-REP MIT would: ctime/cusec echoed, a fresh aes256 subkey, a seq-number', () => {
    const s = accepted(ctx({ channelBindings: { mode: 'require', expected: CB } }).step(AP_REQ));
    const r = s.result;
    assert.equal(r.clientName, ALICE);
    // The Samba PAC, verified with the service key (pacCheck.ts, the default): logon domain, SIDs.
    assert.equal(r.account.name, 'alice');
    assert.equal(r.account.domain, 'CORP');
    assert.match(r.account.sid ?? '', /^S-1-5-21-\d+-\d+-\d+-\d+$/);
    assert.ok(r.account.groups?.includes(`${(r.account.sid ?? '').replace(/-\d+$/, '')}-513`), 'Domain Users');
    assert.equal(r.pac?.logonDomain, 'CORP');
    assert.equal(r.enctype, 18);
    assert.equal(r.kvno, 2);
    assert.equal(r.mechOid, KRB5_OID);
    assert.equal(r.mutual, true);
    assert.equal(r.channelBindings, 'present');
    assert.equal(r.channelBindingsVerified, true);
    assert.equal(r.gssFlags, capturedAuth.cksum && Buffer.from(capturedAuth.cksum.checksum).readUInt32LE(20));
    assert.equal(r.delegated, false);
    assert.equal(r.endtime.toISOString(), '2026-12-08T10:58:38.000Z');
    assert.ok(s.token);
    // Our AP-REP, opened with the ticket's session key like MIT's captured one.
    const ours = decodeAcceptorToken(s.token);
    assert.equal(ours.mechOid, KRB5_OID);
    assert.ok(ours.apRep);
    assert.equal(ours.apRep.encPart.kvno, undefined);
    const part = decodeEncApRepPart(aes.decrypt(ticketPart.key.keyvalue, KeyUsage.AP_REP_ENC_PART, ours.apRep.encPart.cipher));
    assert.equal(part.ctime.getTime(), capturedAuth.ctime.getTime());
    assert.equal(part.cusec, capturedAuth.cusec);
    assert.equal(part.subkey?.keytype, 18);
    assert.deepEqual(Buffer.from(part.subkey?.keyvalue ?? []), Buffer.from(r.contextKey.keyvalue));
    assert.notDeepEqual(Buffer.from(r.contextKey.keyvalue), Buffer.from(ticketPart.key.keyvalue));
    assert.equal(part.seqNumber, r.acceptorSeq);
    assert.equal(r.initiatorSeq, capturedAuth.seqNumber);
    const mit = decodeAcceptorToken(fixture('ap-rep.gss'));
    assert.ok(mit.apRep);
    const mitPart = decodeEncApRepPart(aes.decrypt(ticketPart.key.keyvalue, KeyUsage.AP_REP_ENC_PART, mit.apRep.encPart.cipher));
    assert.deepEqual([mitPart.ctime, mitPart.cusec, mitPart.subkey?.keytype, mitPart.seqNumber !== undefined], [part.ctime, part.cusec, part.subkey?.keytype, true]);
  });

  it('answers in the OID the AP-REQ token carried (the legacy one included)', () => {
    const legacy = encodeKrb5Token(TokId.AP_REQ, decodeKrb5Token(AP_REQ).body, KRB5_LEGACY_OID);
    const s = accepted(ctx().step(legacy));
    assert.equal(s.result.mechOid, KRB5_LEGACY_OID);
    assert.ok(s.token);
    assert.equal(decodeAcceptorToken(s.token).mechOid, KRB5_LEGACY_OID);
  });

  it('takes one AP-REQ per context', () => {
    const c = ctx();
    accepted(c.step(AP_REQ));
    refused(c.step(AP_REQ), 'unexpected-message');
  });
});

describe('KerberosServerContext: refusals, in order', () => {
  it('malformed: garbage, a truncated token, an AP-REP where an AP-REQ belongs', () => {
    refused(ctx().step(Buffer.from('not kerberos')), 'malformed');
    refused(ctx().step(AP_REQ.subarray(0, 100)), 'malformed');
    const s = ctx().step(fixture('ap-rep.gss'));
    refused(s, 'malformed');
    assert.ok(s.status === 'failed' && s.failure.decodeCode === 'BAD_MESSAGE_TYPE');
  });

  it('wrong-principal: a ticket for another service or realm, even in our key', () => {
    const m = refused(ctx({ servicePrincipals: ['HTTP/web2.corp.example.test@CORP.EXAMPLE.TEST'] }).step(AP_REQ), 'wrong-principal');
    assert.match(m, /HTTP\/web1\.corp\.example\.test@CORP\.EXAMPLE\.TEST/);
    refused(ctx().step(withTicket({ sname: 'CIFS/web1.corp.example.test' })), 'wrong-principal');
    refused(ctx().step(withTicket({ realm: 'corp.example.test' })), 'wrong-principal');
    // A ticket for another service of the same account (one key): refused although it would decrypt.
    refused(ctx().step(fresh({ service: `HOST/web1.corp.example.test@${REALM}` }).token), 'wrong-principal');
  });

  it('aliases: HTTP/web1 (no key of its own) opens with the account key; host names compare case-insensitively', () => {
    const aliases = [WEB1, `HTTP/web1@${REALM}`];
    const s = accepted(ctx({ servicePrincipals: aliases }).step(fresh({ service: `HTTP/web1@${REALM}` }).token));
    assert.equal(s.result.service.name.nameString.join('/'), 'HTTP/web1');
    refused(ctx().step(fresh({ service: `HTTP/web1@${REALM}`, seed: 'b' }).token), 'wrong-principal');
    accepted(ctx().step(fresh({ service: `HTTP/WEB1.Corp.Example.Test@${REALM}`, seed: 'c' }).token));
  });

  it('no-key: an enctype the keytab lacks, or a kvno it does not hold whose other kvnos do not open the ticket (keytab rotated)', () => {
    const aesOnly = keytab.filter((e) => e.key.keytype !== EncType.RC4_HMAC);
    const f = ctx({ keytab: aesOnly }).step(fresh({ enctype: EncType.RC4_HMAC }).token);
    refused(f, 'no-key');
    assert.ok(f.status === 'failed' && f.failure.enctype === 23 && f.failure.kvno === 2);
    const rotated: KeytabEntry[] = [{ principal: parsePrincipal(WEB1), timestamp: new Date(NOW), kvno: 3, key: { keytype: 18, keyvalue: aes.randomKey({ randomBytes: seededRandom('rotated') }) } }];
    const g = ctx({ keytab: rotated }).step(AP_REQ);
    const m = refused(g, 'no-key');
    assert.match(m, /kvno 2, enctype 18/);
    assert.ok(g.status === 'failed' && g.failure.kvno === 2 && g.failure.enctype === 18);
  });

  it('falls back to the other kvnos of the principal (MS-KILE: a ticket issued before a key change)', () => {
    const s = accepted(ctx().step(withTicket({ kvno: 7 })));
    assert.equal(s.result.kvno, 2);
  });

  it('decrypt-failed: flipped ticket bytes (its own kvno is held), flipped authenticator bytes', () => {
    refused(ctx().step(flipped(apReq.ticket.encPart.cipher, 40)), 'decrypt-failed');
    refused(ctx().step(flipped(apReq.authenticator.cipher, 40)), 'decrypt-failed');
  });

  it('ticket-expired / ticket-not-yet-valid, with 5 minutes of skew either side', () => {
    const end = ticketPart.endtime.getTime();
    const start = (ticketPart.starttime ?? ticketPart.authtime).getTime();
    refused(ctx({ now: () => end + 301_000 }).step(AP_REQ), 'ticket-expired');
    // Inside the skew past endtime the ticket still holds; then the authenticator's age is what refuses.
    refused(ctx({ now: () => end + 299_000 }).step(AP_REQ), 'clock-skew');
    refused(ctx({ now: () => start - 301_000 }).step(AP_REQ), 'ticket-not-yet-valid');
    refused(ctx({ now: () => end + 3_601_000, clockSkewMs: 3_600_000 }).step(AP_REQ), 'ticket-expired');
    // A ticket marked INVALID (postdated, not yet validated) is not yet valid.
    const k = keyOf(keytab, 18);
    const cred = mintTicket({ serviceKey: k.key, authtime: new Date(NOW), endtime: new Date(NOW + 3600_000), flags: TicketFlags.invalid });
    refused(ctx().step(buildApReq({ credential: cred, now: () => NOW }).token), 'ticket-not-yet-valid');
  });

  it('client-mismatch: an authenticator naming someone else than the ticket', () => {
    const s = ctx().step(fresh({ client: `bob@${REALM}` }).token);
    refused(s, 'client-mismatch');
    assert.ok(s.status === 'failed');
    assert.deepEqual(s.failure.claimed, { user: 'alice', domain: 'CORP' });
  });

  it('clock-skew: the authenticator more than 5 minutes from our clock, either way (configurable)', () => {
    const ctime = capturedAuth.ctime.getTime();
    refused(ctx({ now: () => ctime + 301_000 }).step(AP_REQ), 'clock-skew');
    refused(ctx({ now: () => ctime - 301_000 }).step(AP_REQ), 'clock-skew');
    accepted(ctx({ now: () => ctime + 299_000 }).step(AP_REQ));
    refused(ctx({ now: () => ctime + 61_000, clockSkewMs: 60_000 }).step(AP_REQ), 'clock-skew');
  });

  it('replay: the same AP-REQ on a second context of the same server', () => {
    const cache = new ReplayCache();
    accepted(ctx({ replayCache: cache }).step(AP_REQ));
    const m = refused(ctx({ replayCache: cache }).step(AP_REQ), 'replay');
    assert.match(m, /already/);
    // A fresh authenticator over the same ticket is not a replay.
    const one = fresh({ seed: 'r1' });
    const two = fresh({ seed: 'r2' });
    accepted(ctx({ replayCache: cache }).step(one.token));
    accepted(ctx({ replayCache: cache }).step(two.token));
    refused(ctx({ replayCache: cache }).step(two.token), 'replay');
  });

  it('replay-cache-full: a full cache under `refuse` turns a new authenticator away', () => {
    const cache = new ReplayCache({ maxEntries: 1 });
    accepted(ctx({ replayCache: cache }).step(fresh({ seed: 'f1' }).token));
    refused(ctx({ replayCache: cache }).step(fresh({ seed: 'f2' }).token), 'replay-cache-full');
  });
});

describe('KerberosServerContext: channel bindings (Extended Protection, NTLM semantics)', () => {
  const WRONG = { applicationData: Buffer.from('tls-server-end-point:another certificate') };
  it('the captured bindings: verified under accept and require; wrong bindings refused under both; ignored under ignore', () => {
    assert.equal(accepted(ctx({ channelBindings: { mode: 'accept', expected: CB } }).step(AP_REQ)).result.channelBindingsVerified, true);
    refused(ctx({ channelBindings: { mode: 'accept', expected: WRONG } }).step(AP_REQ), 'channel-binding-mismatch');
    refused(ctx({ channelBindings: { mode: 'require', expected: WRONG } }).step(AP_REQ), 'channel-binding-mismatch');
    const r = accepted(ctx({ channelBindings: { mode: 'ignore', expected: WRONG } }).step(AP_REQ)).result;
    assert.equal(r.channelBindingsVerified, false);
  });

  it('the 16-byte hash is accepted as the expectation', async () => {
    const { channelBindingsHash } = await import('../../src/gss/channelBindings.js');
    accepted(ctx({ channelBindings: { mode: 'require', expected: channelBindingsHash(CB) } }).step(AP_REQ));
  });

  it('no bindings (zero Bnd): accepted under accept, channel-binding-missing under require', () => {
    const a = accepted(ctx({ channelBindings: { mode: 'accept', expected: CB } }).step(fresh({ seed: 'n1' }).token)).result;
    assert.deepEqual([a.channelBindings, a.channelBindingsVerified], ['zero', false]);
    refused(ctx({ channelBindings: { mode: 'require', expected: CB } }).step(fresh({ seed: 'n2' }).token), 'channel-binding-missing');
  });

  it('a zero Bnd from a client that asserted KERB_AP_OPTIONS_CBT is a mismatch even under accept (MS-KILE 3.2.5.8)', () => {
    refused(ctx({ channelBindings: { mode: 'accept', expected: CB } }).step(fresh({ seed: 'z', assertChannelBindings: true }).token), 'channel-binding-mismatch');
  });

  it('bindings built by apReqBuilder verify; wrong ones do not', () => {
    accepted(ctx({ channelBindings: { mode: 'require', expected: CB } }).step(fresh({ seed: 'b1', bindings: CB }).token));
    refused(ctx({ channelBindings: { mode: 'require', expected: CB } }).step(fresh({ seed: 'b2', bindings: WRONG }).token), 'channel-binding-mismatch');
    // Bindings sent on a channel with nothing to bind to (plain HTTP): accept lets them be, require refuses.
    accepted(ctx({ channelBindings: { mode: 'accept' } }).step(fresh({ seed: 'b3', bindings: CB }).token));
    refused(ctx({ channelBindings: { mode: 'require' } }).step(fresh({ seed: 'b4', bindings: CB }).token), 'channel-binding-mismatch');
  });
});

describe('KerberosServerContext: mutual authentication, subkeys, the PAC hook', () => {
  it('no MUTUAL and no mutual-required: no AP-REP, the context key is the initiator subkey', () => {
    const b = fresh({ seed: 'm', gssFlags: GssFlags.INTEG | GssFlags.SEQUENCE });
    assert.equal(b.mutualRequired, false);
    const s = accepted(ctx().step(b.token));
    assert.equal(s.token, undefined);
    assert.equal(s.result.mutual, false);
    assert.equal(s.result.acceptorSubkey, false);
    assert.deepEqual(Buffer.from(s.result.contextKey.keyvalue), Buffer.from(b.subkey?.keyvalue ?? []));
  });

  it('openApRep (the initiator half) checks our AP-REP: echo, subkey, seq; every enctype the KDC issues', () => {
    for (const enctype of [EncType.AES256_CTS_HMAC_SHA1_96, EncType.AES128_CTS_HMAC_SHA1_96, EncType.RC4_HMAC]) {
      const b = fresh({ seed: `e${enctype}`, enctype, mechOid: KRB5_LEGACY_OID });
      const s = accepted(ctx().step(b.token));
      assert.equal(s.result.enctype, enctype);
      assert.ok(s.token);
      const rep = openApRep(s.token, b);
      assert.equal(rep.mechOid, KRB5_LEGACY_OID);
      assert.equal(rep.subkey?.keytype, enctype);
      assert.equal(rep.seqNumber, s.result.acceptorSeq);
      // A tampered AP-REP does not open.
      const bad = Buffer.from(s.token);
      bad[bad.length - 3] = (bad[bad.length - 3] as number) ^ 1;
      assert.throws(() => openApRep(bad, b));
    }
  });

  it('integrity: RFC 4121 MIC tokens in the acceptor subkey (usage 23 ours, 25 theirs), AcceptorSubkey flagged', () => {
    const c = ctx();
    const s = accepted(c.step(AP_REQ));
    const mic = c.integrity();
    assert.ok(mic);
    const msg = Buffer.from('3018060a2b06010401823702020a06092a864886f712010202', 'hex');
    const ours = mic.sign(msg);
    assert.deepEqual(ours.subarray(0, 8), Buffer.from([0x04, 0x04, MicTokenFlags.SENT_BY_ACCEPTOR | MicTokenFlags.ACCEPTOR_SUBKEY, 0xff, 0xff, 0xff, 0xff, 0xff]));
    assert.equal(ours.readBigUInt64BE(8), BigInt(s.result.acceptorSeq));
    assert.ok(verifyMicToken(s.result.contextKey, KeyUsage.KG_USAGE_ACCEPTOR_SIGN, ours, msg));
    assert.equal(verifyMicToken(s.result.contextKey, KeyUsage.KG_USAGE_INITIATOR_SIGN, ours, msg), undefined);
    assert.equal(mic.sign(msg).readBigUInt64BE(8), BigInt(s.result.acceptorSeq) + 1n, 'the sequence number carries on');
    const theirs = encodeMicToken(s.result.contextKey, KeyUsage.KG_USAGE_INITIATOR_SIGN, MicTokenFlags.ACCEPTOR_SUBKEY, BigInt(s.result.initiatorSeq), msg);
    assert.equal(mic.verify(msg, theirs), true);
    assert.equal(mic.verify(Buffer.concat([msg, Buffer.of(0)]), theirs), false);
    assert.equal(mic.verify(msg, encodeMicToken(s.result.contextKey, KeyUsage.KG_USAGE_INITIATOR_SIGN, 0, 0n, msg)), false, 'AcceptorSubkey must be flagged');
    assert.equal(mic.verify(msg, encodeMicToken(ticketPart.key, KeyUsage.KG_USAGE_INITIATOR_SIGN, MicTokenFlags.ACCEPTOR_SUBKEY, 0n, msg)), false, 'not the session key');
    assert.equal(mic.verify(msg, Buffer.from('0404')), false);
  });

  it('an rc4 context offers no integrity (RFC 4757 tokens are not provided)', () => {
    const c = ctx();
    accepted(c.step(fresh({ seed: 'rc4', enctype: EncType.RC4_HMAC }).token));
    assert.equal(c.integrity(), undefined);
  });

  it('the default PAC check: a PAC altered inside the ticket (re-encrypted in the service key) is pac-invalid; a ticket without a PAC logs on without groups', () => {
    const plain = Buffer.from(aes.decrypt(web1Aes256.key.keyvalue, KeyUsage.KDC_REP_TICKET, apReq.ticket.encPart.cipher));
    const pac = findPac(decodeEncTicketPart(plain).authorizationData);
    assert.ok(pac);
    const at = pac.byteOffset - plain.byteOffset + Math.floor(pac.length / 2);
    plain[at] = (plain[at] as number) ^ 0x01;
    const cipher = aes.encrypt(web1Aes256.key.keyvalue, KeyUsage.KDC_REP_TICKET, plain, { randomBytes: seededRandom('pac') });
    const ticket = encodeTicket({ realm: apReq.ticket.realm, sname: apReq.ticket.sname, encPart: { ...apReq.ticket.encPart, cipher } });
    const token = encodeKrb5Token(TokId.AP_REQ, encodeApReq({ apOptions: apReq.apOptions, ticket, authenticator: apReq.authenticator }));
    const m = refused(ctx().step(token), 'pac-invalid');
    assert.match(m, /signature|malformed/);
    // The same ticket with the PAC check off is accepted: the refusal was the PAC's.
    assert.equal(accepted(ctx({ pac: false }).step(token)).result.account.groups, undefined);
    const noPac = accepted(ctx().step(fresh({ seed: 'nopac' }).token)).result;
    assert.deepEqual([noPac.account, noPac.pac], [{ name: 'alice', domain: 'CORP' }, undefined]);
  });

  it('pac hook: given the service key, client and authtime; its logon domain and groups reach the account; a refusal (or a throw) is pac-invalid', () => {
    let seen: unknown;
    const s = accepted(ctx({
      pac: (i) => {
        seen = { client: i.client.name.nameString.join('/'), key: i.serviceKey.keytype, authtime: i.authtime.toISOString(), ad: i.authorizationData?.length };
        return { ok: true, pac: { logonDomain: 'CORP', userSid: 'S-1-5-21-1-2-3-1104', groupSids: ['S-1-5-21-1-2-3-513'], groupNames: ['Domain Users'] } };
      },
    }).step(AP_REQ));
    assert.deepEqual(seen, { client: 'alice', key: 18, authtime: '2026-12-08T00:58:38.000Z', ad: 1 });
    assert.deepEqual(s.result.account, { name: 'alice', domain: 'CORP', sid: 'S-1-5-21-1-2-3-1104', groups: ['S-1-5-21-1-2-3-513'] });
    assert.deepEqual(s.result.pac?.groupNames, ['Domain Users']);
    refused(ctx({ pac: () => ({ ok: false, message: 'server signature does not verify' }) }).step(AP_REQ), 'pac-invalid');
    refused(ctx({ pac: () => { throw new Error('boom'); } }).step(AP_REQ), 'pac-invalid');
  });
});
