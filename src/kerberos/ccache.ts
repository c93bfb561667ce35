// MIT credential cache files, versions 3 and 4 (MIT krb5 doc/formats/ccache_file_format.rst),
// read so tests and the load generator can build AP-REQs from a `kinit`'s tickets. Both
// versions are big-endian; version 4 adds a header of tagged fields (tag 1: the KDC time
// offset). Versions 1 and 2 (host byte order) are refused.
//
// Principal: u32 name_type, u32 component count, realm and components as u32-counted
// strings. Credential: client, server, keyblock (u16 enctype — twice in version 3 —, counted
// key), authtime/starttime/endtime/renew_till (u32 Unix seconds), u8 is_skey, u32 ticket
// flags, addresses, authdata, ticket, second ticket, until the end of the file. Entries
// whose server realm is `X-CACHECONF:` are configuration, not credentials.

import { ByteReader } from './byteReader.js';
import { krbFail } from './errors.js';
import type { AuthorizationDataElement } from './messages/authorizationData.js';
import { MAX_AUTHORIZATION_ELEMENTS } from './messages/authorizationData.js';
import type { EncryptionKey, HostAddress } from './messages/basicTypes.js';
import { MAX_HOST_ADDRESSES } from './messages/basicTypes.js';
import { MAX_NAME_COMPONENTS, parsePrincipal, samePrincipal } from './messages/principalName.js';
import type { Principal } from './messages/principalName.js';

/** Largest ccache read. */
export const MAX_CCACHE_BYTES = 4 * 1024 * 1024;
/** Entries (credentials and configuration) read from one ccache. */
export const MAX_CCACHE_ENTRIES = 4096;
/** The realm of configuration entries (MIT cc_retrieve / krb5_cc_set_config). */
export const CCACHE_CONFIG_REALM = 'X-CACHECONF:';

/** Header tag 1 (version 4): the offset of the KDC's clock from ours, as `kinit` measured it. */
export interface KdcTimeOffset {
  readonly seconds: number;
  readonly microseconds: number;
}

export interface Credential {
  readonly client: Principal;
  readonly server: Principal;
  /** The session key. */
  readonly key: EncryptionKey;
  readonly authtime: Date;
  readonly starttime: Date;
  readonly endtime: Date;
  readonly renewTill: Date;
  /** The ticket is encrypted in a session key (user-to-user). */
  readonly isSkey: boolean;
  /** TicketFlags as a readKerberosFlags number. */
  readonly ticketFlags: number;
  readonly addresses: readonly HostAddress[];
  readonly authData: readonly AuthorizationDataElement[];
  /** The Ticket's DER encoding. */
  readonly ticket: Uint8Array;
  readonly secondTicket: Uint8Array;
}

/** A configuration entry: `krb5_ccache_conf_data/<key>[/<principal>]@X-CACHECONF:` and its value. */
export interface CcacheConfig {
  readonly key: string;
  readonly principal?: string;
  readonly value: Uint8Array;
}

export interface CredentialCache {
  readonly version: 3 | 4;
  readonly defaultPrincipal: Principal;
  readonly kdcTimeOffset?: KdcTimeOffset;
  readonly credentials: readonly Credential[];
  readonly config: readonly CcacheConfig[];
}

function readPrincipal(r: ByteReader): Principal {
  const nameType = r.u32('name type') | 0;
  const count = r.u32('component count');
  if (count > MAX_NAME_COMPONENTS) krbFail('TOO_LARGE', `ccache: principal with ${count} components`);
  const realm = r.text(r.u32('realm length'), 'realm');
  const nameString: string[] = [];
  for (let i = 0; i < count; i++) nameString.push(r.text(r.u32('component length'), 'component'));
  return { realm, name: { nameType, nameString } };
}

function counted(r: ByteReader, field: string): Uint8Array {
  return r.bytesOf(r.u32(`${field} length`), field);
}

const seconds = (v: number): Date => new Date(v * 1000);

function readCredential(r: ByteReader, version: 3 | 4): Credential {
  const client = readPrincipal(r);
  const server = readPrincipal(r);
  const keytype = r.u16('enctype');
  if (version === 3) r.u16('enctype (repeated in version 3)');
  const key = { keytype, keyvalue: counted(r, 'key') };
  const authtime = seconds(r.u32('authtime'));
  const starttime = seconds(r.u32('starttime'));
  const endtime = seconds(r.u32('endtime'));
  const renewTill = seconds(r.u32('renew_till'));
  const isSkey = r.u8('is_skey') !== 0;
  const ticketFlags = r.u32('ticket flags');
  const nAddr = r.u32('address count');
  if (nAddr > MAX_HOST_ADDRESSES) krbFail('TOO_LARGE', `ccache: ${nAddr} addresses`);
  const addresses: HostAddress[] = [];
  for (let i = 0; i < nAddr; i++) addresses.push({ addrType: r.u16('address type'), address: counted(r, 'address') });
  const nAd = r.u32('authdata count');
  if (nAd > MAX_AUTHORIZATION_ELEMENTS) krbFail('TOO_LARGE', `ccache: ${nAd} authdata elements`);
  const authData: AuthorizationDataElement[] = [];
  for (let i = 0; i < nAd; i++) authData.push({ adType: r.u16('authdata type'), adData: counted(r, 'authdata') });
  const ticket = counted(r, 'ticket');
  const secondTicket = counted(r, 'second ticket');
  return { client, server, key, authtime, starttime, endtime, renewTill, isSkey, ticketFlags, addresses, authData, ticket, secondTicket };
}

/** Reads a version 3 or 4 ccache file's bytes. Throws KerberosDecodeError. Byte fields are views into `input`. */
export function decodeCcache(input: Uint8Array, opts: { maxBytes?: number } = {}): CredentialCache {
  const maxBytes = opts.maxBytes ?? MAX_CCACHE_BYTES;
  if (input.length === 0) krbFail('EMPTY', 'ccache: empty file');
  if (input.length > maxBytes) krbFail('TOO_LARGE', `ccache: ${input.length} bytes exceeds ${maxBytes}`);
  const r = new ByteReader(input, 0, input.length, 'ccache');
  const v = r.u16('version');
  if (v !== 0x0503 && v !== 0x0504) krbFail('BAD_VERSION', `ccache: version 0x${v.toString(16).padStart(4, '0')} (only 0x0503 and 0x0504 are read)`);
  const version = v === 0x0504 ? 4 : 3;
  let kdcTimeOffset: KdcTimeOffset | undefined;
  if (version === 4) {
    const headerLen = r.u16('header length');
    if (headerLen > r.remaining) krbFail('TRUNCATED', 'ccache: header runs past the end');
    const h = new ByteReader(input, r.pos, r.pos + headerLen, 'ccache header');
    while (h.remaining > 0) {
      const tag = h.u16('header tag');
      const len = h.u16('header field length');
      const field = new ByteReader(h.bytesOf(len, 'header field'), 0, len, 'ccache header field');
      // Tag 1 is the only one defined; unknown tags are skipped, as MIT does.
      if (tag === 1) {
        if (len !== 8) krbFail('BAD_VALUE', `ccache: KDC time offset field of ${len} bytes (must be 8)`);
        kdcTimeOffset = { seconds: field.i32('offset seconds'), microseconds: field.i32('offset microseconds') };
      }
    }
    r.pos += headerLen;
  }
  const defaultPrincipal = readPrincipal(r);
  const credentials: Credential[] = [];
  const config: CcacheConfig[] = [];
  for (let n = 0; r.remaining > 0; n++) {
    if (n === MAX_CCACHE_ENTRIES) krbFail('TOO_LARGE', `ccache: more than ${MAX_CCACHE_ENTRIES} entries`);
    const c = readCredential(r, version);
    if (c.server.realm === CCACHE_CONFIG_REALM) {
      const [, key, principal] = c.server.name.nameString;
      config.push({ key: key ?? '', ...(principal === undefined ? {} : { principal }), value: c.ticket });
    } else {
      credentials.push(c);
    }
  }
  return { version, defaultPrincipal, ...(kdcTimeOffset === undefined ? {} : { kdcTimeOffset }), credentials, config };
}

/**
 * The credential for `server` (e.g. `HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST`) with
 * the latest endtime that is still valid at `now`, or undefined.
 */
export function findCredential(cache: CredentialCache, server: Principal | string, now: Date = new Date()): Credential | undefined {
  const p = typeof server === 'string' ? parsePrincipal(server) : server;
  let best: Credential | undefined;
  for (const c of cache.credentials) {
    if (!samePrincipal(c.server, p) || c.endtime.getTime() <= now.getTime()) continue;
    if (best === undefined || c.endtime.getTime() > best.endtime.getTime()) best = c;
  }
  return best;
}
