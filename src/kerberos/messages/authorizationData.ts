// AuthorizationData (RFC 4120 §5.2.6) and the containers an acceptor looks into:
// AD-IF-RELEVANT (§5.2.6.1) holding AD-WIN2K-PAC (MS-PAC §2.1, MS-KILE §3.4.5.3) in a
// ticket, and AD-AUTH-DATA-AP-OPTIONS (MS-KILE §3.2.5.8) in an authenticator.

import * as der from '../../der/index.js';
import type { DerLimits, DerNode } from '../../der/index.js';
import { krbFail, withKerberosErrors } from '../errors.js';
import { Fields, fieldSequence, int32, parseKerberosDer, readInt32, readSequenceOf } from './asn1.js';
import { AdType, KERB_AP_OPTIONS_CBT } from './constants.js';

/** Elements accepted in one AuthorizationData. */
export const MAX_AUTHORIZATION_ELEMENTS = 64;
/** AD-IF-RELEVANT containers nested inside each other that are opened. */
export const MAX_AD_CONTAINER_DEPTH = 4;

export interface AuthorizationDataElement {
  readonly adType: number;
  readonly adData: Uint8Array;
}

export type AuthorizationData = readonly AuthorizationDataElement[];

export function readAuthorizationData(node: DerNode, what: string): AuthorizationData {
  return readSequenceOf(node, MAX_AUTHORIZATION_ELEMENTS, what).map((n) => {
    const f = new Fields(der.readSequence(n, what), 1, what);
    return {
      adType: readInt32(f.req(0, 'ad-type'), `${what} ad-type`),
      adData: der.readOctetString(f.req(1, 'ad-data'), `${what} ad-data`),
    };
  });
}

/** Decodes a DER AuthorizationData (the ad-data of AD-IF-RELEVANT). Throws KerberosDecodeError. */
export function decodeAuthorizationData(input: Uint8Array, limits?: DerLimits): AuthorizationData {
  return withKerberosErrors(() => readAuthorizationData(parseKerberosDer(input, limits), 'AuthorizationData'));
}

export function encodeAuthorizationData(ad: AuthorizationData): Buffer {
  return der.sequence(ad.map((e) => fieldSequence([[0, int32(e.adType)], [1, der.octetString(e.adData)]])));
}

/**
 * The elements with AD-IF-RELEVANT containers opened (up to MAX_AD_CONTAINER_DEPTH deep),
 * in order; the containers themselves are left out. Throws KerberosDecodeError when a
 * container's ad-data is not AuthorizationData.
 */
export function flattenIfRelevant(ad: AuthorizationData, depth = 0): AuthorizationDataElement[] {
  const out: AuthorizationDataElement[] = [];
  for (const e of ad) {
    if (e.adType !== AdType.AD_IF_RELEVANT) {
      out.push(e);
      continue;
    }
    if (depth >= MAX_AD_CONTAINER_DEPTH) krbFail('TOO_DEEP', `AD-IF-RELEVANT nested more than ${MAX_AD_CONTAINER_DEPTH} deep`);
    out.push(...flattenIfRelevant(decodeAuthorizationData(e.adData), depth + 1));
  }
  return out;
}

/**
 * The PAC of a ticket: the ad-data of the AD-WIN2K-PAC element inside AD-IF-RELEVANT
 * (MS-KILE §3.4.5.3; a PAC outside AD-IF-RELEVANT is ignored, as Windows does).
 * undefined when there is none; more than one is BAD_VALUE (MS-PAC §2.1: exactly one).
 */
export function findPac(ad: AuthorizationData | undefined): Uint8Array | undefined {
  if (ad === undefined) return undefined;
  let pac: Uint8Array | undefined;
  for (const e of ad) {
    if (e.adType !== AdType.AD_IF_RELEVANT) continue;
    for (const inner of flattenIfRelevant([e])) {
      if (inner.adType !== AdType.AD_WIN2K_PAC) continue;
      if (pac !== undefined) krbFail('BAD_VALUE', 'more than one AD-WIN2K-PAC');
      pac = inner.adData;
    }
  }
  return pac;
}

/**
 * The KERB_AP_OPTIONS flags an authenticator carries (MS-KILE §3.2.5.8: AD-AUTH-DATA-AP-OPTIONS
 * in AD-IF-RELEVANT, ad-data a little-endian 32-bit value); 0 when absent. A value shorter
 * than 4 bytes is BAD_VALUE.
 */
export function apOptionsAuthData(ad: AuthorizationData | undefined): number {
  if (ad === undefined) return 0;
  let v = 0;
  for (const e of flattenIfRelevant(ad)) {
    if (e.adType !== AdType.AD_AUTH_DATA_AP_OPTIONS) continue;
    if (e.adData.length < 4) krbFail('BAD_VALUE', 'AD-AUTH-DATA-AP-OPTIONS shorter than 4 bytes');
    v |= Buffer.from(e.adData.buffer, e.adData.byteOffset, e.adData.byteLength).readUInt32LE(0);
  }
  return v >>> 0;
}

/** Whether the client said it sent channel bindings (KERB_AP_OPTIONS_CBT), which makes an all-zero Bnd a mismatch. */
export function clientSentChannelBindings(ad: AuthorizationData | undefined): boolean {
  return (apOptionsAuthData(ad) & KERB_AP_OPTIONS_CBT) !== 0;
}
