// The AP exchange on real bytes: an AP-REQ python-gssapi (MIT krb5 1.20) sent for
// HTTP/web1.corp.example.test with a Samba 4.17 KDC's ticket, MIT's AP-REP to it and MIT's
// KRB-ERROR for its replay. Decrypted with the keytab `samba-tool domain exportkeytab` wrote,
// so every encrypted part is read too; each re-encodes to the same bytes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { channelBindingsHash } from '../../../src/gss/channelBindings.js';
import {
  AdType, ApOptions, decodeAcceptorToken, decodeApReqToken, decodeAuthenticator,
  decodeAuthenticatorChecksum, decodeCcache, decodeEncApRepPart, decodeEncTicketPart, decodeKeytab, encodeApRep,
  encodeApReq, encodeAuthenticator, encodeEncApRepPart, encodeEncTicketPart, encodeKrb5Token, encodeKrbError,
  encryptionType, findCredential, findKeytabEntry, findPac, GssFlags, hasFlag, KeyUsage, KRB5_OID, KrbErrorCode,
  TicketFlags, TokId,
} from '../../../src/kerberos/index.js';
import { CAPTURE_TIME, CAPTURED_CB_APPLICATION_DATA, fixture } from '../fixtures.js';

const SERVICE = 'HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST';
const token = fixture('ap-req.gss');
const { mechOid, apReq } = decodeApReqToken(token);
const keytab = decodeKeytab(fixture('samba-exportkeytab.keytab'));
const aes256 = encryptionType(18);

function ticketPlaintext(): Buffer {
  const entry = findKeytabEntry(keytab, SERVICE, { enctype: apReq.ticket.encPart.etype, kvno: apReq.ticket.encPart.kvno });
  assert.ok(entry, 'the exported keytab holds the ticket key');
  return aes256.decrypt(entry.key.keyvalue, KeyUsage.KDC_REP_TICKET, apReq.ticket.encPart.cipher);
}

describe('AP-REQ from MIT krb5 with a Samba KDC ticket', () => {
  it('reads the GSS framing and the AP-REQ, and encodes them back byte for byte', () => {
    assert.equal(mechOid, KRB5_OID);
    assert.ok(hasFlag(apReq.apOptions, ApOptions.mutualRequired), 'python-gssapi asked for mutual authentication');
    assert.ok(!hasFlag(apReq.apOptions, ApOptions.useSessionKey));
    assert.equal(apReq.ticket.realm, 'CORP.EXAMPLE.TEST');
    assert.deepEqual(apReq.ticket.sname.nameString, ['HTTP', 'web1.corp.example.test']);
    assert.equal(apReq.ticket.encPart.etype, 18);
    assert.equal(apReq.ticket.encPart.kvno, 2);
    assert.equal(apReq.authenticator.etype, 18);
    assert.equal(apReq.authenticator.kvno, undefined);
    assert.deepEqual(encodeKrb5Token(TokId.AP_REQ, encodeApReq(apReq)), token);
  });

  it('carries the ticket kinit stored in the ccache', () => {
    const cred = findCredential(decodeCcache(fixture('alice-v4.ccache')), SERVICE, CAPTURE_TIME);
    assert.ok(cred);
    assert.deepEqual(Buffer.from(apReq.ticket.encoded), Buffer.from(cred.ticket));
  });

  it('EncTicketPart: decrypts with the keytab key, names alice, holds the PAC in AD-IF-RELEVANT', () => {
    const plain = ticketPlaintext();
    const etp = decodeEncTicketPart(plain);
    assert.equal(etp.crealm, 'CORP.EXAMPLE.TEST');
    assert.deepEqual(etp.cname.nameString, ['alice']);
    assert.equal(etp.key.keytype, 18);
    assert.equal(etp.key.keyvalue.length, 32);
    assert.ok(hasFlag(etp.flags, TicketFlags.renewable) && hasFlag(etp.flags, TicketFlags.preAuthent), etp.flags.toString(16));
    assert.ok(etp.authtime.getTime() <= CAPTURE_TIME.getTime() && CAPTURE_TIME.getTime() < etp.endtime.getTime());
    assert.deepEqual(etp.authorizationData?.map((a) => a.adType), [AdType.AD_IF_RELEVANT]);
    const pac = findPac(etp.authorizationData);
    assert.ok(pac !== undefined && pac.length > 100, 'a PAC');
    const pacHeader = Buffer.from(pac);
    assert.ok(pacHeader.readUInt32LE(0) >= 4, 'PACTYPE cBuffers'); // MS-PAC §2.3
    assert.equal(pacHeader.readUInt32LE(4), 0, 'PACTYPE Version');
    assert.deepEqual(encodeEncTicketPart(etp), plain);
  });

  it('Authenticator: the session key opens it; the 0x8003 checksum binds the channel and asks for mutual auth', () => {
    const etp = decodeEncTicketPart(ticketPlaintext());
    const plain = aes256.decrypt(etp.key.keyvalue, KeyUsage.AP_REQ_AUTH, apReq.authenticator.cipher);
    const auth = decodeAuthenticator(plain);
    assert.equal(auth.crealm, etp.crealm);
    assert.deepEqual(auth.cname, etp.cname);
    assert.equal(auth.subkey?.keytype, 18);
    assert.ok(auth.seqNumber !== undefined);
    assert.ok(auth.cksum);
    const ck = decodeAuthenticatorChecksum(auth.cksum);
    assert.deepEqual(Buffer.from(ck.bnd), channelBindingsHash({ applicationData: CAPTURED_CB_APPLICATION_DATA }));
    for (const f of [GssFlags.MUTUAL, GssFlags.REPLAY, GssFlags.SEQUENCE, GssFlags.CONF, GssFlags.INTEG]) assert.ok((ck.flags & f) !== 0, `flag ${f}`);
    assert.equal(ck.delegation, undefined);
    assert.deepEqual(encodeAuthenticator(auth), plain);
  });

  it('AP-REP from MIT: EncAPRepPart echoes ctime/cusec and carries a subkey; re-encodes byte for byte', () => {
    const etp = decodeEncTicketPart(ticketPlaintext());
    const auth = decodeAuthenticator(aes256.decrypt(etp.key.keyvalue, KeyUsage.AP_REQ_AUTH, apReq.authenticator.cipher));
    const repToken = fixture('ap-rep.gss');
    const rep = decodeAcceptorToken(repToken);
    assert.ok(rep.apRep);
    assert.equal(rep.apRep.encPart.etype, 18);
    assert.equal(rep.apRep.encPart.kvno, undefined);
    const plain = aes256.decrypt(etp.key.keyvalue, KeyUsage.AP_REP_ENC_PART, rep.apRep.encPart.cipher);
    const part = decodeEncApRepPart(plain);
    assert.equal(part.ctime.getTime(), auth.ctime.getTime());
    assert.equal(part.cusec, auth.cusec);
    assert.equal(part.subkey?.keytype, 18);
    assert.deepEqual(encodeEncApRepPart(part), plain);
    assert.deepEqual(encodeKrb5Token(TokId.AP_REP, encodeApRep(rep.apRep)), repToken);
  });

  it('KRB-ERROR from MIT for the replayed AP-REQ: KRB_AP_ERR_REPEAT, re-encodes byte for byte', () => {
    const errToken = fixture('krb-error-repeat.gss');
    const r = decodeAcceptorToken(errToken);
    assert.ok(r.krbError);
    assert.equal(r.krbError.errorCode, KrbErrorCode.KRB_AP_ERR_REPEAT);
    assert.equal(r.krbError.realm, 'CORP.EXAMPLE.TEST');
    assert.deepEqual(r.krbError.sname.nameString, ['HTTP', 'web1.corp.example.test']);
    assert.equal(r.krbError.ctime, undefined);
    assert.deepEqual(encodeKrb5Token(TokId.KRB_ERROR, encodeKrbError(r.krbError)), errToken);
  });
});
