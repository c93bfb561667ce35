// Our encoders against MIT's acceptor (krb5 1.20 through python3-gssapi, test/peers/
// krb5_acceptor_peer.py): a keytab we write, a ticket we seal in its key (the KDC's part, so no
// KDC is needed and the ticket is always current), an AP-REQ with a fresh Authenticator and
// channel bindings from the message encoders. MIT accepting it proves the messages, the 0x8003
// checksum and the Bnd hash; its AP-REP and KRB-ERROR are read back with our decoders.
// Refusals prove the peer can say no.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEERS_DIR, skipUnlessPeers } from '../helpers/peers.js';
import {
  ApOptions, decodeAcceptorToken, decodeEncApRepPart, decodeKeytab, encodeApReq, encodeAuthenticator, encodeAuthenticatorChecksum,
  encodeEncTicketPart, encodeKeytab, encodeKrb5Token, encodeTicket, encryptionType, findKeytabEntry, GssFlags, KeyUsage,
  KRB5_OID, KrbErrorCode, NameType, parsePrincipal, TicketFlags, TokId,
} from '../../src/kerberos/index.js';
import type { Authenticator, EncApRepPart, EncryptionKey, KrbError, Principal } from '../../src/kerberos/index.js';
import { CAPTURED_CB_APPLICATION_DATA, fixture } from './fixtures.js';

const skip = skipUnlessPeers(['gssapi']);
const SERVICE = parsePrincipal('HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST', { nameType: NameType.NT_SRV_INST });
const CLIENT = parsePrincipal('alice@CORP.EXAMPLE.TEST');
const keytab = decodeKeytab(fixture('samba-exportkeytab.keytab'));

/** A ticket for CLIENT to SERVICE sealed in the keytab key of `etype`, as a KDC would issue it. */
function issue(etype: number, now: Date, opts: { tamper?: boolean } = {}): ApReqCredential {
  const serviceKey = findKeytabEntry(keytab, SERVICE, { enctype: etype });
  assert.ok(serviceKey);
  const et = encryptionType(etype);
  const session = { keytype: etype, keyvalue: et.randomKey() };
  const part = encodeEncTicketPart({
    flags: TicketFlags.forwardable | TicketFlags.renewable | TicketFlags.preAuthent,
    key: session,
    crealm: CLIENT.realm,
    cname: CLIENT.name,
    transited: { trType: 1, contents: Buffer.alloc(0) },
    authtime: now,
    endtime: new Date(now.getTime() + 3600_000),
  });
  const cipher = et.encrypt(serviceKey.key.keyvalue, KeyUsage.KDC_REP_TICKET, part);
  if (opts.tamper === true) cipher[cipher.length >> 1] = (cipher[cipher.length >> 1] as number) ^ 1;
  const ticket = encodeTicket({ realm: SERVICE.realm, sname: SERVICE.name, encPart: { etype, kvno: serviceKey.kvno, cipher } });
  return { client: CLIENT, key: session, ticket };
}

interface ApReqCredential { readonly client: Principal; readonly key: EncryptionKey; readonly ticket: Uint8Array }
interface Sent { readonly token: Buffer; readonly authenticator: Authenticator; readonly sessionKey: EncryptionKey }

/** An AP-REQ token with a fresh Authenticator, as MIT's initiator builds one (RFC 4121 §4.1.1). */
function buildApReqToken(cred: ApReqCredential, opts: { now: Date; channelBindings?: { applicationData: Uint8Array } }): Sent {
  const et = encryptionType(cred.key.keytype);
  const flags = GssFlags.MUTUAL | GssFlags.REPLAY | GssFlags.SEQUENCE | GssFlags.CONF | GssFlags.INTEG;
  const authenticator: Authenticator = {
    crealm: cred.client.realm,
    cname: cred.client.name,
    cksum: encodeAuthenticatorChecksum({ flags, ...(opts.channelBindings === undefined ? {} : { bindings: opts.channelBindings }) }),
    cusec: (opts.now.getTime() % 1000) * 1000 + (randomBytes(2).readUInt16BE(0) % 1000),
    ctime: new Date(Math.floor(opts.now.getTime() / 1000) * 1000),
    subkey: { keytype: cred.key.keytype, keyvalue: et.randomKey() },
    seqNumber: randomBytes(4).readUInt32BE(0),
  };
  const cipher = et.encrypt(cred.key.keyvalue, KeyUsage.AP_REQ_AUTH, encodeAuthenticator(authenticator));
  const apReq = encodeApReq({ apOptions: ApOptions.mutualRequired, ticket: cred.ticket, authenticator: { etype: cred.key.keytype, cipher } });
  return { token: encodeKrb5Token(TokId.AP_REQ, apReq, KRB5_OID), authenticator, sessionKey: cred.key };
}

type ApRepCheck = { ok: true; encApRepPart: EncApRepPart } | { ok: false; reason: 'mismatch' | 'decrypt-failed'; message: string } | { ok: false; reason: 'krb-error'; krbError: KrbError };

/** The initiator's check of the answer (RFC 4120 §3.2.5): the EncAPRepPart echoes ctime and cusec. */
function checkApRep(token: Buffer, sent: Sent): ApRepCheck {
  const answer = decodeAcceptorToken(token);
  if (answer.krbError !== undefined) return { ok: false, reason: 'krb-error', krbError: answer.krbError };
  let plain: Buffer;
  try {
    plain = encryptionType(sent.sessionKey.keytype).decrypt(sent.sessionKey.keyvalue, KeyUsage.AP_REP_ENC_PART, answer.apRep.encPart.cipher);
  } catch (e) {
    return { ok: false, reason: 'decrypt-failed', message: String(e) };
  }
  const part = decodeEncApRepPart(plain);
  if (part.ctime.getTime() !== sent.authenticator.ctime.getTime() || part.cusec !== sent.authenticator.cusec) {
    return { ok: false, reason: 'mismatch', message: 'no echo' };
  }
  return { ok: true, encApRepPart: part };
}

interface PeerAnswer { ok: boolean; initiator?: string; error?: string; token: string }

function mitAccept(token: Buffer, cbtHex?: string): PeerAnswer {
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-krb5-'));
  try {
    const kt = join(dir, 'web1.keytab');
    writeFileSync(kt, encodeKeytab(keytab)); // MIT reads the keytab we write
    const args = [join(PEERS_DIR, 'krb5_acceptor_peer.py'), '--keytab', kt, ...(cbtHex === undefined ? [] : ['--cbt-hex', cbtHex])];
    const r = spawnSync('/usr/bin/python3', args, { input: `${token.toString('base64')}\n`, encoding: 'utf8', timeout: 30_000 });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    assert.ok(line.startsWith('{'), `peer said: ${r.stdout} ${r.stderr}`);
    return JSON.parse(line) as PeerAnswer;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CB_HEX = CAPTURED_CB_APPLICATION_DATA.toString('hex');

describe('AP-REQs we build, accepted by MIT krb5', { skip }, () => {
  for (const [etype, name] of [[18, 'aes256-cts-hmac-sha1-96'], [17, 'aes128-cts-hmac-sha1-96'], [23, 'rc4-hmac']] as const) {
    it(`${name}: MIT accepts it with channel bindings, and its AP-REP checks out`, () => {
      const now = new Date();
      const sent = buildApReqToken(issue(etype, now), { now, channelBindings: { applicationData: CAPTURED_CB_APPLICATION_DATA } });
      const a = mitAccept(sent.token, CB_HEX);
      assert.equal(a.ok, true, a.error);
      assert.equal(a.initiator, 'alice@CORP.EXAMPLE.TEST');
      const rep = checkApRep(Buffer.from(a.token, 'base64'), sent);
      assert.ok(rep.ok, JSON.stringify(rep));
      assert.equal(rep.encApRepPart.cusec, sent.authenticator.cusec);
    });
  }

  it('no channel bindings on either side (a zero Bnd)', () => {
    const now = new Date();
    const sent = buildApReqToken(issue(18, now), { now });
    const a = mitAccept(sent.token);
    assert.equal(a.ok, true, a.error);
  });

  it('MIT refuses other channel bindings, and a ticket with one flipped bit (KRB-ERROR read by checkApRep)', () => {
    const now = new Date();
    const wrongCb = buildApReqToken(issue(18, now), { now, channelBindings: { applicationData: Buffer.from('tls-server-end-point:other') } });
    assert.equal(mitAccept(wrongCb.token, CB_HEX).ok, false);
    const tampered = buildApReqToken(issue(18, now, { tamper: true }), { now });
    const a = mitAccept(tampered.token);
    assert.equal(a.ok, false);
    const rep = checkApRep(Buffer.from(a.token, 'base64'), tampered);
    assert.ok(!rep.ok && rep.reason === 'krb-error', JSON.stringify(rep));
    assert.equal(rep.reason === 'krb-error' ? rep.krbError.errorCode : 0, KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY);
  });

  it('checkApRep refuses an AP-REP for another authenticator (mismatch) and one sealed in another key (decrypt-failed)', () => {
    const now = new Date();
    const cred = issue(18, now);
    const sent = buildApReqToken(cred, { now });
    const a = mitAccept(sent.token);
    assert.equal(a.ok, true, a.error);
    const repToken = Buffer.from(a.token, 'base64');
    const other = buildApReqToken(cred, { now: new Date(now.getTime() + 1000) });
    assert.equal((checkApRep(repToken, other) as { reason?: string }).reason, 'mismatch');
    const otherKey = buildApReqToken(issue(18, now), { now });
    assert.equal((checkApRep(repToken, otherKey) as { reason?: string }).reason, 'decrypt-failed');
  });
});
