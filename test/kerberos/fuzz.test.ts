// Mutated real bytes into every decoder of the Kerberos message layer: nothing but
// KerberosDecodeError may escape, and no input may be slow. The mutators are the fuzz
// suite's (byte flips, splices, DER-tree edits, length rewrites); the seeds are the captured
// fixtures and the decrypted parts of the captured AP exchange.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeAcceptorToken, decodeApReq, decodeApReqToken, decodeAuthenticator, decodeAuthenticatorChecksum, decodeCcache,
  decodeEncApRepPart, decodeEncTicketPart, decodeKeytab, decodeKrb5Token, decodeTicket, encryptionType, findKeytabEntry,
  findPac, KerberosDecodeError, apOptionsAuthData, decodeAuthorizationData,
} from '../../src/kerberos/index.js';
import { mutate, Rng } from '../fuzz/mutate.js';
import { derLengthOp, derTreeOp } from '../fuzz/spnegoTargets.js';
import { fixture } from './fixtures.js';

const ITERATIONS = Number(process.env.KERBEROS_FUZZ_ITERATIONS ?? 3000);
const SLOW_MS = 50;

const apReqToken = fixture('ap-req.gss');
const { apReq } = decodeApReqToken(apReqToken);
const key = findKeytabEntry(decodeKeytab(fixture('samba-exportkeytab.keytab')), 'HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST', { enctype: 18, kvno: 2 });
assert.ok(key);
const aes = encryptionType(18);
const ticketPlain = aes.decrypt(key.key.keyvalue, 2, apReq.ticket.encPart.cipher);
const etp = decodeEncTicketPart(ticketPlain);
const authPlain = aes.decrypt(etp.key.keyvalue, 11, apReq.authenticator.cipher);
const auth = decodeAuthenticator(authPlain);
const apRepToken = fixture('ap-rep.gss');
const repPlain = aes.decrypt(etp.key.keyvalue, 12, (decodeAcceptorToken(apRepToken).apRep ?? assert.fail()).encPart.cipher);
const adIfRelevant = Buffer.from(etp.authorizationData?.[0]?.adData ?? assert.fail());

const TARGETS: readonly { name: string; seeds: readonly Buffer[]; der: boolean; run: (b: Buffer) => unknown }[] = [
  { name: 'krb5 GSS token → AP-REQ', seeds: [apReqToken], der: false, run: (b) => decodeApReqToken(b) },
  { name: 'GSS token → AP-REP / KRB-ERROR', seeds: [apRepToken, fixture('krb-error-repeat.gss')], der: false, run: (b) => decodeAcceptorToken(b) },
  { name: 'GSS framing', seeds: [apReqToken, apRepToken], der: false, run: (b) => decodeKrb5Token(b) },
  { name: 'AP-REQ', seeds: [decodeKrb5Token(apReqToken).body as Buffer], der: true, run: (b) => decodeApReq(b) },
  { name: 'Ticket', seeds: [Buffer.from(apReq.ticket.encoded)], der: true, run: (b) => decodeTicket(b) },
  { name: 'EncTicketPart and its PAC', seeds: [ticketPlain], der: true, run: (b) => findPac(decodeEncTicketPart(b).authorizationData) },
  { name: 'AuthorizationData (AD-IF-RELEVANT)', seeds: [adIfRelevant], der: true, run: (b) => apOptionsAuthData(decodeAuthorizationData(b)) },
  { name: 'Authenticator and its 0x8003 checksum', seeds: [authPlain], der: true, run: (b) => {
    const a = decodeAuthenticator(b);
    return a.cksum && decodeAuthenticatorChecksum(a.cksum);
  } },
  { name: '0x8003 checksum bytes', seeds: [Buffer.from(auth.cksum?.checksum ?? assert.fail())], der: false, run: (b) => decodeAuthenticatorChecksum(b) },
  { name: 'EncAPRepPart', seeds: [repPlain], der: true, run: (b) => decodeEncApRepPart(b) },
  { name: 'keytab', seeds: [fixture('ktutil.keytab'), fixture('samba-exportkeytab.keytab')], der: false, run: (b) => decodeKeytab(b) },
  { name: 'ccache', seeds: [fixture('alice-v4.ccache'), fixture('alice-v3.ccache')], der: false, run: (b) => decodeCcache(b) },
];

/** Runs one input; returns its time in ms. */
function timed(run: (b: Buffer) => unknown, b: Buffer, refused: () => void, escaped: (e: unknown) => void): number {
  const start = performance.now();
  try {
    run(b);
  } catch (e) {
    if (e instanceof KerberosDecodeError) refused();
    else escaped(e);
  }
  return performance.now() - start;
}

describe(`fuzz: Kerberos message layer (${ITERATIONS} mutated inputs per decoder)`, () => {
  for (const t of TARGETS) {
    it(`${t.name}: only KerberosDecodeError, every input under ${SLOW_MS} ms`, () => {
      const rng = new Rng(0x4b524235 ^ t.name.length);
      const ops = t.der ? [derTreeOp, derLengthOp] : [];
      let refused = 0;
      let slowest = 0;
      for (const s of t.seeds) t.run(s); // the seeds themselves decode
      for (let i = 0; i < ITERATIONS; i++) {
        const seed = t.seeds[i % t.seeds.length] as Buffer;
        const m = mutate(rng, seed, t.seeds, ops);
        let ms = timed(t.run, m.bytes, () => {
          refused++;
        }, (e) => assert.fail(`${t.name}: ${String(e)} for ${m.desc}: ${m.bytes.toString('hex').slice(0, 400)}`));
        // A pause of the shared machine (GC, another process) is not the input's cost: an input
        // over the limit is timed twice more and keeps its fastest run.
        for (let again = 0; again < 2 && ms >= SLOW_MS; again++) ms = Math.min(ms, timed(t.run, m.bytes, () => undefined, () => undefined));
        slowest = Math.max(slowest, ms);
      }
      assert.ok(slowest < SLOW_MS, `slowest input took ${slowest.toFixed(1)} ms`);
      assert.ok(refused > ITERATIONS / 10, `the mutations reached the checks (${refused} refused)`);
    });
  }
});
