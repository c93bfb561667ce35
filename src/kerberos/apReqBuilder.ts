/**
 * The first half of the krb5 GSS initiator (RFC 4121 §4.1, RFC 4120 §3.2.2): from a service
 * ticket and its session key (a ccache credential) an AP-REQ with a fresh authenticator —
 * the 0x8003 checksum with the channel bindings and context flags, a random subkey of the
 * session key's enctype and a random seq-number — framed as a GSS token; and the check of the
 * acceptor's AP-REP (ctime/cusec echoed, its subkey and seq). Used by tests and the load
 * generator; pure: clock and RNG injected.
 */
import { randomBytes as cryptoRandomBytes } from '../crypto/hash.js';
import type { ChannelBindings } from '../gss/channelBindings.js';
import { encodeAuthenticatorChecksum, GssFlags } from './authenticatorChecksum.js';
import type { Credential } from './ccache.js';
import { encryptionType, KeyUsage } from './crypto/index.js';
import { krbFail } from './errors.js';
import { decodeAcceptorToken, encodeKrb5Token, KRB5_OID, TokId } from './gssToken.js';
import {
  AdType, ApOptions, decodeEncApRepPart, encodeApReq, encodeAuthenticator, encodeAuthorizationData, KERB_AP_OPTIONS_CBT,
  type AuthorizationData, type EncApRepPart, type EncryptionKey,
} from './messages/index.js';

/** What an AP-REQ is built from: a ccache Credential has all of it. */
export type ApReqCredential = Pick<Credential, 'client' | 'key' | 'ticket'>;

export interface ApReqOptions {
  readonly credential: ApReqCredential;
  /** Channel bindings (or their 16-byte MD5) for Bnd; none: 16 zero bytes. */
  readonly bindings?: ChannelBindings | Uint8Array;
  /** GSS flags of the 0x8003 checksum (default MUTUAL | REPLAY | SEQUENCE | CONF | INTEG). */
  readonly gssFlags?: number;
  /** Set mutual-required in ap-options (default: when gssFlags has MUTUAL, as MIT does). */
  readonly mutualRequired?: boolean;
  /** Add KERB_AP_OPTIONS_CBT (MS-KILE §3.2.5.8), as Windows does when it binds the channel. Default: when bindings are given. */
  readonly assertChannelBindings?: boolean;
  /** Send an initiator subkey (default true). */
  readonly subkey?: boolean;
  /** The GSS token's OID (KRB5_OID by default; Windows uses KRB5_LEGACY_OID under SPNEGO). */
  readonly mechOid?: string;
  readonly now?: () => number;
  readonly randomBytes?: (n: number) => Buffer;
}

export interface BuiltApReq {
  /** The GSS InitialContextToken (TOK_ID 0100) to send. */
  readonly token: Buffer;
  readonly ctime: Date;
  readonly cusec: number;
  readonly subkey?: EncryptionKey;
  readonly seqNumber: number;
  readonly sessionKey: EncryptionKey;
  readonly mutualRequired: boolean;
}

export const DEFAULT_INITIATOR_FLAGS = GssFlags.MUTUAL | GssFlags.REPLAY | GssFlags.SEQUENCE | GssFlags.CONF | GssFlags.INTEG;

/** Builds an AP-REQ GSS token with a fresh authenticator for `credential`. */
export function buildApReq(o: ApReqOptions): BuiltApReq {
  const rand = o.randomBytes ?? cryptoRandomBytes;
  const nowMs = (o.now ?? Date.now)();
  const { client, key, ticket } = o.credential;
  const enc = encryptionType(key.keytype);
  const flags = o.gssFlags ?? DEFAULT_INITIATOR_FLAGS;
  const mutualRequired = o.mutualRequired ?? (flags & GssFlags.MUTUAL) !== 0;
  const ctime = new Date(Math.floor(nowMs / 1000) * 1000);
  // KerberosTime has whole seconds; cusec carries the milliseconds and a random rest, so two authenticators in one ms differ.
  const cusec = (nowMs % 1000) * 1000 + (rand(2).readUInt16BE(0) % 1000);
  const subkey: EncryptionKey | undefined = o.subkey === false ? undefined : { keytype: key.keytype, keyvalue: enc.randomKey({ randomBytes: rand }) };
  const seqNumber = rand(4).readUInt32BE(0) & 0x3fffffff;
  const cbt = o.assertChannelBindings ?? o.bindings !== undefined;
  const authorizationData: AuthorizationData | undefined = cbt ? apOptionsCbt() : undefined;
  const authenticator = encodeAuthenticator({
    crealm: client.realm,
    cname: client.name,
    cksum: encodeAuthenticatorChecksum({ bindings: o.bindings, flags }),
    cusec,
    ctime,
    ...(subkey === undefined ? {} : { subkey }),
    seqNumber,
    ...(authorizationData === undefined ? {} : { authorizationData }),
  });
  const cipher = enc.encrypt(key.keyvalue, KeyUsage.AP_REQ_AUTH, authenticator, { randomBytes: rand });
  const apReq = encodeApReq({
    apOptions: mutualRequired ? ApOptions.mutualRequired : 0,
    ticket,
    authenticator: { etype: key.keytype, cipher },
  });
  return {
    token: encodeKrb5Token(TokId.AP_REQ, apReq, o.mechOid ?? KRB5_OID),
    ctime,
    cusec,
    ...(subkey === undefined ? {} : { subkey }),
    seqNumber,
    sessionKey: key,
    mutualRequired,
  };
}

/** AD-IF-RELEVANT { AD-AUTH-DATA-AP-OPTIONS = KERB_AP_OPTIONS_CBT (LE32) }. */
function apOptionsCbt(): AuthorizationData {
  const v = Buffer.alloc(4);
  v.writeUInt32LE(KERB_AP_OPTIONS_CBT, 0);
  return [{ adType: AdType.AD_IF_RELEVANT, adData: encodeAuthorizationData([{ adType: AdType.AD_AUTH_DATA_AP_OPTIONS, adData: v }]) }];
}

/**
 * Opens the acceptor's answer to `sent`: the EncAPRepPart (session key, usage 12), whose
 * ctime/cusec must echo the authenticator's (RFC 4120 §3.2.5). Throws KerberosDecodeError for
 * a KRB-ERROR, a token that does not decode or an echo that does not match, and
 * KerberosCryptoError when it does not decrypt.
 */
export function openApRep(token: Uint8Array, sent: BuiltApReq): EncApRepPart & { readonly mechOid: string } {
  const t = decodeAcceptorToken(token);
  if (t.krbError) krbFail('BAD_MESSAGE_TYPE', `the acceptor answered KRB-ERROR ${t.krbError.errorCode}`);
  const enc = encryptionType(sent.sessionKey.keytype);
  if (t.apRep.encPart.etype !== sent.sessionKey.keytype) krbFail('BAD_VALUE', `AP-REP in enctype ${t.apRep.encPart.etype}, the session key is ${sent.sessionKey.keytype}`);
  const part = decodeEncApRepPart(enc.decrypt(sent.sessionKey.keyvalue, KeyUsage.AP_REP_ENC_PART, t.apRep.encPart.cipher));
  if (part.ctime.getTime() !== sent.ctime.getTime() || part.cusec !== sent.cusec) krbFail('BAD_VALUE', 'the AP-REP does not echo our ctime/cusec');
  return { ...part, mechOid: t.mechOid };
}
