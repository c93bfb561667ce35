/**
 * KerberosServerContext: the krb5 GSS-API acceptor (RFC 4121 §4.1, RFC 4120 §3.2.3) for one
 * AP-REQ. MIT's krb5_rd_req_decoded / kg_accept_krb5 and MS-KILE §3.4.5 are the models. The
 * checks run in an order that costs nothing for stale or forged tokens: the service principal
 * is one of ours, a key for the ticket's kvno and enctype exists, the ticket decrypts, its times
 * hold (with clock skew), the authenticator decrypts and names the ticket's client, its ctime is
 * within the skew, the replay cache has not seen it, the channel bindings match, the PAC holds;
 * then the mutual-authentication AP-REP is built. Every refusal is typed; no peer byte throws.
 * Pure: the keytab is given as entries, the clock and RNG are injected.
 */
import { constantTimeEqual, randomBytes as cryptoRandomBytes } from '../crypto/hash.js';
import { channelBindingsHash, isZeroBinding, type ChannelBindings } from '../gss/channelBindings.js';
import type { ChannelBindingMode, ClaimedIdentity, LogonAccount } from '../gss/mechanism.js';
import { decodeAuthenticatorChecksum, GSS_CHECKSUM_TYPE, GssFlags } from './authenticatorChecksum.js';
import { checksumType, EncType, findEncryptionType, KerberosCryptoError, KeyUsage } from './crypto/index.js';
import { KerberosDecodeError } from './errors.js';
import { decodeApReqToken, encodeKrb5Token, TokId } from './gssToken.js';
import type { KeytabEntry } from './keytab.js';
import {
  ApOptions, clientSentChannelBindings, decodeAuthenticator, decodeEncTicketPart, encodeApRep, encodeEncApRepPart, formatPrincipal,
  hasFlag, KrbErrorCode, parsePrincipal, samePrincipal, TicketFlags,
  type EncryptionKey, type EncTicketPart, type Principal, type PrincipalName, type Ticket,
} from './messages/index.js';
import { KerberosMicIntegrity } from './micToken.js';
import { verifyTicketPac, type KerberosPacCheck, type KerberosPacInfo } from './pacCheck.js';
import type { ReplayCache } from './replayCache.js';

export interface KerberosServerOptions {
  /** The service keys (a keytab's entries: keytab.ts decodeKeytab). */
  readonly keytab: readonly KeytabEntry[];
  /**
   * The service principals accepted, aliases included (`HTTP/web1.corp.example.test@REALM`,
   * `HTTP/web1@REALM`): the realm compares exactly, the name components case-insensitively,
   * as AD looks SPNs up. Default: every principal in the keytab. A ticket for an alias with no
   * key of its own is opened with the keys of the other configured principals (one AD account
   * holds all its SPNs under one key).
   */
  readonly servicePrincipals?: readonly (string | Principal)[];
  /** Allowed clock difference (default 300,000 ms, MIT's and AD's 5 minutes). */
  readonly clockSkewMs?: number;
  /** The server's one replay cache, shared by all its contexts. */
  readonly replayCache: ReplayCache;
  /** Channel bindings: the mode and what this end of the channel expects (or its 16-byte hash). */
  readonly channelBindings?: { readonly mode: ChannelBindingMode; readonly expected?: ChannelBindings | Uint8Array };
  /** PAC verification: a check of your own, or `false` to leave the PAC unread (the logon then has no groups); default pacCheck.ts verifyTicketPac. */
  readonly pac?: KerberosPacCheck | false;
  readonly now?: () => number;
  readonly randomBytes?: (n: number) => Buffer;
}

export type KerberosFailureReason =
  | 'malformed'
  | 'unexpected-message'
  | 'wrong-principal'
  | 'no-key'
  | 'decrypt-failed'
  | 'ticket-expired'
  | 'ticket-not-yet-valid'
  | 'client-mismatch'
  | 'checksum-mismatch'
  | 'clock-skew'
  | 'replay'
  | 'replay-cache-full'
  | 'channel-binding-missing'
  | 'channel-binding-mismatch'
  | 'pac-invalid';

/** The KRB-ERROR code (RFC 4120 §7.5.9) MIT would answer each refusal with, for logs. */
const KRB_ERROR_FOR: Readonly<Record<KerberosFailureReason, number>> = {
  malformed: KrbErrorCode.KRB_ERR_GENERIC,
  'unexpected-message': KrbErrorCode.KRB_AP_ERR_MSG_TYPE,
  'wrong-principal': KrbErrorCode.KRB_AP_ERR_NOT_US,
  'no-key': KrbErrorCode.KRB_AP_ERR_BADKEYVER,
  'decrypt-failed': KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY,
  'ticket-expired': KrbErrorCode.KRB_AP_ERR_TKT_EXPIRED,
  'ticket-not-yet-valid': KrbErrorCode.KRB_AP_ERR_TKT_NYV,
  'client-mismatch': KrbErrorCode.KRB_AP_ERR_BADMATCH,
  'checksum-mismatch': KrbErrorCode.KRB_AP_ERR_MODIFIED,
  'clock-skew': KrbErrorCode.KRB_AP_ERR_SKEW,
  replay: KrbErrorCode.KRB_AP_ERR_REPEAT,
  'replay-cache-full': KrbErrorCode.KRB_ERR_GENERIC,
  'channel-binding-missing': KrbErrorCode.KRB_AP_ERR_INAPP_CKSUM,
  'channel-binding-mismatch': KrbErrorCode.KRB_AP_ERR_INAPP_CKSUM,
  'pac-invalid': KrbErrorCode.KRB_AP_ERR_MODIFIED,
};

export interface KerberosFailure {
  readonly reason: KerberosFailureReason;
  readonly message: string;
  /** The RFC 4120 error code MIT would send for this refusal. */
  readonly krbErrorCode: number;
  /** KerberosDecodeError code, for `malformed`. */
  readonly decodeCode?: string;
  /** The ticket's kvno and enctype (no-key, decrypt-failed). */
  readonly kvno?: number;
  readonly enctype?: number;
  /** The ticket's client, once the ticket decrypted. */
  readonly claimed?: ClaimedIdentity;
}

/** Everything the acceptor established, for logs, audit and the `kerberos` part of the logon. */
export interface KerberosAcceptResult {
  readonly account: LogonAccount;
  readonly client: Principal;
  /** `alice@CORP.EXAMPLE.TEST`. */
  readonly clientName: string;
  /** The ticket's service principal. */
  readonly service: Principal;
  /** The GSS token's mechanism OID (either spelling), which the answer echoes. */
  readonly mechOid: string;
  /** The ticket's enctype and the kvno of the key that opened it. */
  readonly enctype: number;
  readonly kvno: number;
  /** The session key's enctype. */
  readonly sessionEnctype: number;
  readonly authtime: Date;
  readonly starttime: Date;
  readonly endtime: Date;
  readonly renewTill?: Date;
  /** TicketFlags (constants.ts). */
  readonly ticketFlags: number;
  /** The 0x8003 checksum's GSS flags (0 without one). */
  readonly gssFlags: number;
  /** An AP-REP was sent (the client asked for mutual authentication). */
  readonly mutual: boolean;
  /** The client delegated a ticket (DELEG with a KRB-CRED). */
  readonly delegated: boolean;
  readonly channelBindings: 'absent' | 'zero' | 'present';
  /** Bindings present and checked against this channel. */
  readonly channelBindingsVerified: boolean;
  readonly pac?: KerberosPacInfo;
  /** The key later MICs and Wrap tokens use: our AP-REP subkey, else the initiator's, else the session key (RFC 4121 §2). */
  readonly contextKey: EncryptionKey;
  /** Whether contextKey is the acceptor's subkey (the AcceptorSubkey token flag). */
  readonly acceptorSubkey: boolean;
  /** The sequence numbers the context's tokens start at (ours from the AP-REP, the initiator's from the authenticator). */
  readonly acceptorSeq: number;
  readonly initiatorSeq: number;
}

export type KerberosServerStep =
  | { readonly status: 'complete'; readonly token?: Buffer; readonly result: KerberosAcceptResult }
  | { readonly status: 'failed'; readonly failure: KerberosFailure };

export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000;

class Refusal extends Error {
  constructor(
    readonly reason: KerberosFailureReason,
    message: string,
    readonly extra: { readonly kvno?: number; readonly enctype?: number; readonly decodeCode?: string } = {},
  ) {
    super(message);
  }
}

const lower = (n: PrincipalName): string[] => n.nameString.map((s) => s.toLowerCase());

/** Same realm (exactly) and name components (case-insensitively, as AD compares SPNs). */
function sameService(a: Principal, b: Principal): boolean {
  if (a.realm !== b.realm || a.name.nameString.length !== b.name.nameString.length) return false;
  const x = lower(a.name);
  const y = lower(b.name);
  return x.every((s, i) => s === y[i]);
}

/** The NetBIOS-style domain when no PAC names it: the realm's first label (CORP.EXAMPLE.TEST → CORP). */
export function realmDomain(realm: string): string {
  return (realm.split('.')[0] ?? realm).toUpperCase();
}

function claimedOf(client: Principal): ClaimedIdentity {
  return { user: client.name.nameString.join('/'), domain: realmDomain(client.realm) };
}

export class KerberosServerContext {
  private done = false;
  private _result: KerberosAcceptResult | undefined;
  private _integrity: KerberosMicIntegrity | undefined;
  private readonly now: () => number;
  private readonly rand: (n: number) => Buffer;
  private readonly skewMs: number;
  private readonly services: readonly Principal[];

  constructor(private readonly opts: KerberosServerOptions) {
    this.now = opts.now ?? Date.now;
    this.rand = opts.randomBytes ?? cryptoRandomBytes;
    this.skewMs = opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    if (!Number.isFinite(this.skewMs) || this.skewMs < 0) throw new RangeError(`clockSkewMs must be a non-negative number, got ${String(this.skewMs)}`);
    this.services = (opts.servicePrincipals ?? opts.keytab.map((e) => e.principal)).map((p) => (typeof p === 'string' ? parsePrincipal(p) : p));
  }

  get complete(): boolean {
    return this._result !== undefined;
  }

  get result(): KerberosAcceptResult | undefined {
    return this._result;
  }

  /** Feeds the initiator's first token (the GSS-framed AP-REQ). One step: complete or failed. Never throws on peer bytes. */
  step(token: Uint8Array): KerberosServerStep {
    if (this.done) return this.fail(new Refusal('unexpected-message', 'this Kerberos context has already taken its AP-REQ'));
    this.done = true;
    let client: Principal | undefined;
    try {
      return this.accept(token, (c) => (client = c));
    } catch (e) {
      if (e instanceof Refusal) return this.fail(e, client);
      if (e instanceof KerberosDecodeError) return this.fail(new Refusal('malformed', e.message, { decodeCode: e.code }), client);
      throw e;
    }
  }

  private accept(token: Uint8Array, sawClient: (c: Principal) => void): KerberosServerStep {
    const { mechOid, apReq } = decodeApReqToken(token);
    const ticket = apReq.ticket;
    const service: Principal = { realm: ticket.realm, name: ticket.sname };
    if (!this.services.some((p) => sameService(p, service))) {
      throw new Refusal('wrong-principal', `the ticket is for ${formatPrincipal(service)}, not one of this server's principals`);
    }
    if (hasFlag(apReq.apOptions, ApOptions.useSessionKey)) {
      throw new Refusal('no-key', 'a user-to-user ticket (use-session-key) is encrypted in a TGT session key this acceptor does not hold');
    }
    const { part, key, kvno } = this.openTicket(ticket, service);
    const client: Principal = { realm: part.crealm, name: part.cname };
    sawClient(client);
    const nowMs = this.now();
    this.checkTicketTimes(part, nowMs);

    // The authenticator, in the session key (usage 11).
    const session = part.key;
    const sessionType = findEncryptionType(session.keytype);
    if (!sessionType) throw new Refusal('decrypt-failed', `the session key's enctype ${session.keytype} is not supported`);
    if (apReq.authenticator.etype !== session.keytype) {
      throw new Refusal('decrypt-failed', `the authenticator is in enctype ${apReq.authenticator.etype}, the session key is ${session.keytype}`);
    }
    let authPlain: Buffer;
    try {
      authPlain = sessionType.decrypt(session.keyvalue, KeyUsage.AP_REQ_AUTH, apReq.authenticator.cipher);
    } catch (e) {
      if (e instanceof KerberosCryptoError) throw new Refusal('decrypt-failed', `the authenticator does not decrypt with the ticket's session key (${e.code})`);
      throw e;
    }
    const auth = decodeAuthenticator(authPlain);
    if (!samePrincipal({ realm: auth.crealm, name: auth.cname }, client)) {
      throw new Refusal('client-mismatch', `the authenticator names ${formatPrincipal({ realm: auth.crealm, name: auth.cname })}, the ticket ${formatPrincipal(client)}`);
    }
    const ctimeMs = auth.ctime.getTime();
    if (Math.abs(ctimeMs - nowMs) > this.skewMs) {
      throw new Refusal('clock-skew', `the authenticator's time is ${Math.round((ctimeMs - nowMs) / 1000)} s from ours (limit ${this.skewMs / 1000} s)`);
    }

    // The checksum: GSS's 0x8003 (flags, bindings), none (MS-KILE §3.4.5: no flags, no bindings), or a keyed one over nothing (MIT).
    let gssFlags = 0;
    let bnd: Uint8Array | undefined;
    let delegated = false;
    if (auth.cksum?.cksumtype === GSS_CHECKSUM_TYPE) {
      const c = decodeAuthenticatorChecksum(auth.cksum);
      gssFlags = c.flags;
      bnd = c.bnd;
      delegated = c.delegation !== undefined;
    } else if (auth.cksum) {
      this.checkKeyedChecksum(session, auth.cksum.cksumtype, auth.cksum.checksum);
    }

    const verdict = this.opts.replayCache.check({ client: formatPrincipal(client), ctimeMs, cusec: auth.cusec, authenticator: apReq.authenticator.cipher }, nowMs, this.skewMs);
    if (verdict === 'replay') throw new Refusal('replay', 'this authenticator was already presented (replay cache)');
    if (verdict === 'full') throw new Refusal('replay-cache-full', 'the replay cache is full; the authenticator cannot be remembered, so it is refused');

    const cbState: KerberosAcceptResult['channelBindings'] = bnd === undefined ? 'absent' : isZeroBinding(bnd) ? 'zero' : 'present';
    const cbVerified = this.checkChannelBindings(bnd, clientSentChannelBindings(auth.authorizationData));

    let pac: KerberosPacInfo | undefined;
    const pacCheck = this.opts.pac === undefined ? verifyTicketPac : this.opts.pac;
    if (pacCheck) {
      let r: ReturnType<KerberosPacCheck>;
      try {
        r = pacCheck({ authorizationData: part.authorizationData, serviceKey: key, client, authtime: part.authtime });
      } catch (e) {
        throw new Refusal('pac-invalid', `the PAC check failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (!r.ok) throw new Refusal('pac-invalid', r.message);
      pac = r.pac;
    }

    // Mutual authentication: asked by ap-options or the GSS MUTUAL flag (MIT kg_accept_krb5 answers either).
    const mutual = hasFlag(apReq.apOptions, ApOptions.mutualRequired) || (gssFlags & GssFlags.MUTUAL) !== 0;
    let apRep: Buffer | undefined;
    let contextKey: EncryptionKey = auth.subkey ?? session;
    let acceptorSeq = 0;
    if (mutual) {
      // A fresh acceptor subkey of the session key's enctype and a 30-bit random seq-number (MIT: some peers mishandle the top bits).
      const subkey: EncryptionKey = { keytype: session.keytype, keyvalue: sessionType.randomKey({ randomBytes: this.rand }) };
      acceptorSeq = this.rand(4).readUInt32BE(0) & 0x3fffffff;
      const encPart = encodeEncApRepPart({ ctime: auth.ctime, cusec: auth.cusec, subkey, seqNumber: acceptorSeq });
      const cipher = sessionType.encrypt(session.keyvalue, KeyUsage.AP_REP_ENC_PART, encPart, { randomBytes: this.rand });
      apRep = encodeKrb5Token(TokId.AP_REP, encodeApRep({ encPart: { etype: session.keytype, cipher } }), mechOid);
      contextKey = subkey;
    }
    const result: KerberosAcceptResult = {
      account: {
        name: client.name.nameString.join('/'),
        domain: pac?.logonDomain ?? realmDomain(client.realm),
        ...(pac?.userSid === undefined ? {} : { sid: pac.userSid }),
        // Groups as SIDs, which name a group unambiguously across domains (names are in kerberos.pac.groupNames).
        ...(pac?.groupSids === undefined ? {} : { groups: pac.groupSids }),
      },
      client,
      clientName: formatPrincipal(client),
      service,
      mechOid,
      enctype: ticket.encPart.etype,
      kvno,
      sessionEnctype: session.keytype,
      authtime: part.authtime,
      starttime: part.starttime ?? part.authtime,
      endtime: part.endtime,
      ...(part.renewTill === undefined ? {} : { renewTill: part.renewTill }),
      ticketFlags: part.flags,
      gssFlags,
      mutual,
      delegated,
      channelBindings: cbState,
      channelBindingsVerified: cbVerified,
      ...(pac === undefined ? {} : { pac }),
      contextKey,
      acceptorSubkey: mutual,
      acceptorSeq,
      initiatorSeq: auth.seqNumber ?? 0,
    };
    this._result = result;
    return apRep === undefined ? { status: 'complete', result } : { status: 'complete', token: apRep, result };
  }

  /**
   * The service key for the ticket's kvno and enctype, else the other kvnos of the same
   * principal, newest first (MS-KILE §3.4.5.4 after a password change; MIT's keytab
   * iteration). A ticket no key opens is `no-key` when its own kvno is not held,
   * `decrypt-failed` when it is.
   */
  private openTicket(ticket: Ticket, service: Principal): { part: EncTicketPart; key: EncryptionKey; kvno: number } {
    const etype = ticket.encPart.etype;
    const kvno = ticket.encPart.kvno;
    const enc = findEncryptionType(etype);
    const what = `kvno ${kvno ?? '(none)'}, enctype ${etype}`;
    if (!enc) throw new Refusal('no-key', `no key for ${formatPrincipal(service)} (${what}: enctype not supported)`, { kvno, enctype: etype });
    const own = this.opts.keytab.filter((e) => sameService(e.principal, service));
    // An alias without keys of its own: the keys of the configured principals (one AD account, one key).
    const pool = own.length > 0 ? own : this.opts.keytab.filter((e) => this.services.some((p) => sameService(p, e.principal)));
    const ofType = pool.filter((e) => e.key.keytype === etype);
    const exact = ofType.filter((e) => kvno === undefined || e.kvno === kvno);
    const others = ofType.filter((e) => !exact.includes(e)).sort((a, b) => b.kvno - a.kvno);
    if (ofType.length === 0) throw new Refusal('no-key', `no key for ${formatPrincipal(service)} (${what})`, { kvno, enctype: etype });
    for (const entry of [...exact, ...others]) {
      let plain: Buffer;
      try {
        plain = enc.decrypt(entry.key.keyvalue, KeyUsage.KDC_REP_TICKET, ticket.encPart.cipher);
      } catch (e) {
        if (e instanceof KerberosCryptoError) continue;
        throw e;
      }
      return { part: decodeEncTicketPart(plain), key: entry.key, kvno: entry.kvno };
    }
    if (exact.length === 0) {
      const held = [...new Set(others.map((e) => e.kvno))].join(', ');
      throw new Refusal('no-key', `no key for ${formatPrincipal(service)} (${what}); the keys held (kvno ${held}) do not open it`, { kvno, enctype: etype });
    }
    throw new Refusal('decrypt-failed', `the ticket does not decrypt with the key for ${what} (altered, or the key is not the KDC's)`, { kvno, enctype: etype });
  }

  /** RFC 4120 §3.2.3 (MIT krb5_rd_req_decoded): starttime − skew ≤ now ≤ endtime + skew; an INVALID ticket is not yet valid. */
  private checkTicketTimes(part: EncTicketPart, nowMs: number): void {
    const start = (part.starttime ?? part.authtime).getTime();
    if (start - nowMs > this.skewMs || hasFlag(part.flags, TicketFlags.invalid)) {
      throw new Refusal('ticket-not-yet-valid', `the ticket is valid from ${new Date(start).toISOString()}`);
    }
    if (nowMs - part.endtime.getTime() > this.skewMs) {
      throw new Refusal('ticket-expired', `the ticket expired at ${part.endtime.toISOString()}`);
    }
  }

  /** A checksum other than 0x8003: MIT verifies it keyed with the session key over empty data (usage 10). */
  private checkKeyedChecksum(session: EncryptionKey, type: number, value: Uint8Array): void {
    let ok = false;
    try {
      ok = checksumType(type).verify(session.keyvalue, KeyUsage.AP_REQ_AUTH_CKSUM, Buffer.alloc(0), value);
    } catch (e) {
      if (!(e instanceof KerberosCryptoError)) throw e;
    }
    if (!ok) throw new Refusal('checksum-mismatch', `the authenticator's checksum (type ${type}) does not verify`);
  }

  /**
   * Extended Protection with NTLM's semantics (ntlm/serverContext.ts): no checksum or an
   * all-zero Bnd is "none", which Accept allows and Require refuses — except that a client
   * that sent KERB_AP_OPTIONS_CBT said it bound the channel, so its zero Bnd is a mismatch
   * (MS-KILE §3.2.5.8, MIT process_checksum). Returns whether bindings were checked.
   */
  private checkChannelBindings(bnd: Uint8Array | undefined, cbtAsserted: boolean): boolean {
    const cfg = this.opts.channelBindings;
    const mode = cfg?.mode ?? 'ignore';
    if (mode === 'ignore') return false;
    const none = bnd === undefined || isZeroBinding(bnd);
    if (none) {
      if (mode === 'require') throw new Refusal('channel-binding-missing', 'channel bindings are required but the client sent none');
      if (cbtAsserted) throw new Refusal('channel-binding-mismatch', 'the client asserted channel bindings (KERB_AP_OPTIONS_CBT) but sent none');
      return false;
    }
    if (!cfg?.expected) {
      if (mode === 'require') throw new Refusal('channel-binding-mismatch', 'no channel to bind to (not TLS), yet bindings are required');
      return false;
    }
    const expected = cfg.expected instanceof Uint8Array ? Buffer.from(cfg.expected) : channelBindingsHash(cfg.expected);
    if (!constantTimeEqual(expected, Buffer.from(bnd))) throw new Refusal('channel-binding-mismatch', 'channel bindings do not match this TLS channel');
    return true;
  }

  /** GSS_GetMIC / GSS_VerifyMIC for SPNEGO's mechListMIC; undefined before completion and for rc4-hmac (RFC 4757 tokens are not provided). */
  integrity(): KerberosMicIntegrity | undefined {
    const r = this._result;
    if (!r || r.contextKey.keytype === EncType.RC4_HMAC) return undefined;
    // One per context: its send sequence number carries on from call to call.
    this._integrity ??= new KerberosMicIntegrity(r.contextKey, r.acceptorSubkey, r.acceptorSeq);
    return this._integrity;
  }

  private fail(e: Refusal, client?: Principal): KerberosServerStep {
    const failure: KerberosFailure = {
      reason: e.reason,
      message: e.message,
      krbErrorCode: KRB_ERROR_FOR[e.reason],
      ...(e.extra.decodeCode === undefined ? {} : { decodeCode: e.extra.decodeCode }),
      ...(e.extra.kvno === undefined ? {} : { kvno: e.extra.kvno }),
      ...(e.extra.enctype === undefined ? {} : { enctype: e.extra.enctype }),
      ...(client === undefined ? {} : { claimed: claimedOf(client) }),
    };
    return { status: 'failed', failure };
  }
}
