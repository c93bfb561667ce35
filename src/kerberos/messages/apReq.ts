// KRB_AP_REQ (RFC 4120 §5.5.1, [APPLICATION 14]).

import type { DerLimits, DerNode } from '../../der/index.js';
import { withKerberosErrors } from '../errors.js';
import {
  applicationFields, applicationSequence, Fields, int32, kerberosFlags, parseKerberosDer, readKerberosFlags, requireMsgType, requireVno,
} from './asn1.js';
import { encodeEncryptedData, readEncryptedData } from './basicTypes.js';
import type { EncryptedData } from './basicTypes.js';
import { MessageType } from './constants.js';
import { readTicket } from './ticket.js';
import type { Ticket } from './ticket.js';

export interface ApReq {
  /** APOptions as a readKerberosFlags number (constants.ts ApOptions). */
  readonly apOptions: number;
  readonly ticket: Ticket;
  /** The Authenticator, encrypted in the ticket's session key (key usage 11). */
  readonly authenticator: EncryptedData;
}

export function readApReq(node: DerNode, what = 'AP-REQ'): ApReq {
  const f = new Fields(applicationSequence(node, MessageType.AP_REQ, what), 4, what);
  requireVno(f.req(0, 'pvno'), `${what} pvno`);
  requireMsgType(f.req(1, 'msg-type'), MessageType.AP_REQ, `${what} msg-type`);
  return {
    apOptions: readKerberosFlags(f.req(2, 'ap-options'), `${what} ap-options`),
    ticket: readTicket(f.req(3, 'ticket'), `${what} ticket`),
    authenticator: readEncryptedData(f.req(4, 'authenticator'), `${what} authenticator`),
  };
}

/** Decodes a DER AP-REQ. Byte fields are views into `input`. Throws KerberosDecodeError. */
export function decodeApReq(input: Uint8Array, limits?: DerLimits): ApReq {
  return withKerberosErrors(() => readApReq(parseKerberosDer(input, limits)));
}

/**
 * Encodes an AP-REQ. `ticket` is either a decoded Ticket (its `encoded` bytes are used) or
 * a Ticket's DER encoding as a ccache holds it.
 */
export function encodeApReq(r: { readonly apOptions: number; readonly ticket: Ticket | Uint8Array; readonly authenticator: EncryptedData }): Buffer {
  const ticket = r.ticket instanceof Uint8Array ? r.ticket : r.ticket.encoded;
  return applicationFields(MessageType.AP_REQ, [
    [0, int32(5)],
    [1, int32(MessageType.AP_REQ)],
    [2, kerberosFlags(r.apOptions)],
    [3, ticket],
    [4, encodeEncryptedData(r.authenticator)],
  ]);
}
