/**
 * Test helpers for the acceptor: the fixture keytab, a seeded RNG, and a KDC stand-in that
 * mints service tickets in a known service key (so AP-REQs beyond the captured one can be
 * built with src/kerberos/apReqBuilder.ts).
 */
import { createHash } from 'node:crypto';
import {
  decodeKeytab, encodeEncTicketPart, encodeTicket, encryptionType, KeyUsage, parsePrincipal, TicketFlags,
  type ApReqCredential, type AuthorizationData, type EncryptionKey, type KeytabEntry, type Principal,
} from '../../src/kerberos/index.js';
import { fixture } from './fixtures.js';

export const REALM = 'CORP.EXAMPLE.TEST';
export const WEB1 = `HTTP/web1.corp.example.test@${REALM}`;
export const ALICE = `alice@${REALM}`;

/** The Samba-exported keytab (kvno 2: aes256, aes128, rc4 for HTTP/web1.corp.example.test). */
export function sambaKeytab(): KeytabEntry[] {
  return decodeKeytab(fixture('samba-exportkeytab.keytab'));
}

/** A deterministic byte source (SHA-256 in counter mode over a seed). */
export function seededRandom(seed = 'k3'): (n: number) => Buffer {
  let counter = 0;
  return (n: number): Buffer => {
    const out: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const b = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.push(b);
      have += b.length;
    }
    return Buffer.concat(out).subarray(0, n);
  };
}

/** The service key of `principal` for `enctype` in a keytab. */
export function keyOf(entries: readonly KeytabEntry[], enctype: number, principal = WEB1): { key: EncryptionKey; kvno: number } {
  const p = parsePrincipal(principal);
  const e = entries.find((x) => x.key.keytype === enctype && x.principal.realm === p.realm && x.principal.name.nameString.join('/') === p.name.nameString.join('/'));
  if (!e) throw new Error(`no key for ${principal} enctype ${enctype}`);
  return { key: { keytype: e.key.keytype, keyvalue: Buffer.from(e.key.keyvalue) }, kvno: e.kvno };
}

export interface MintOptions {
  readonly serviceKey: EncryptionKey;
  readonly kvno?: number;
  readonly service?: string | Principal;
  readonly client?: string | Principal;
  /** Session key enctype (default: the service key's). */
  readonly sessionEnctype?: number;
  readonly authtime: Date;
  readonly starttime?: Date;
  readonly endtime: Date;
  readonly flags?: number;
  readonly authorizationData?: AuthorizationData;
  readonly randomBytes?: (n: number) => Buffer;
}

/** What a KDC would issue: a Ticket in the service key and the credential (session key, client) that goes with it. */
export function mintTicket(o: MintOptions): ApReqCredential {
  const rand = o.randomBytes ?? seededRandom('mint');
  const service = typeof o.service === 'object' ? o.service : parsePrincipal(o.service ?? WEB1);
  const client = typeof o.client === 'object' ? o.client : parsePrincipal(o.client ?? ALICE);
  const sessionType = encryptionType(o.sessionEnctype ?? o.serviceKey.keytype);
  const key: EncryptionKey = { keytype: sessionType.etype, keyvalue: sessionType.randomKey({ randomBytes: rand }) };
  const part = encodeEncTicketPart({
    flags: o.flags ?? (TicketFlags.forwardable | TicketFlags.renewable | TicketFlags.preAuthent),
    key,
    crealm: client.realm,
    cname: client.name,
    transited: { trType: 1, contents: Buffer.alloc(0) },
    authtime: o.authtime,
    ...(o.starttime === undefined ? {} : { starttime: o.starttime }),
    endtime: o.endtime,
    ...(o.authorizationData === undefined ? {} : { authorizationData: o.authorizationData }),
  });
  const enc = encryptionType(o.serviceKey.keytype);
  const cipher = enc.encrypt(o.serviceKey.keyvalue, KeyUsage.KDC_REP_TICKET, part, { randomBytes: rand });
  const ticket = encodeTicket({
    realm: service.realm,
    sname: service.name,
    encPart: { etype: o.serviceKey.keytype, kvno: o.kvno ?? 2, cipher },
  });
  return { client, key, ticket };
}
