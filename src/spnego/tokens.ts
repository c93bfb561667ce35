// SPNEGO negotiation tokens (RFC 4178 §4, MS-SPNG §2.2) as pure functions over bytes.
//
// ASN.1 (module uses EXPLICIT TAGS):
//
//   InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE {     -- RFC 2743 §3.1
//       thisMech MechType,                                          -- 1.3.6.1.5.5.2
//       innerContextToken NegotiationToken }
//   NegotiationToken ::= CHOICE {
//       negTokenInit [0] NegTokenInit,       -- or NegTokenInit2 (MS-SPNG §2.2.1)
//       negTokenResp [1] NegTokenResp }
//   MechTypeList ::= SEQUENCE OF MechType   -- MechType ::= OBJECT IDENTIFIER
//   NegTokenInit ::= SEQUENCE {
//       mechTypes [0] MechTypeList, reqFlags [1] ContextFlags OPTIONAL,
//       mechToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL, ... }
//   NegTokenInit2 ::= SEQUENCE {
//       mechTypes [0] MechTypeList OPTIONAL, reqFlags [1] ContextFlags OPTIONAL,
//       mechToken [2] OCTET STRING OPTIONAL, negHints [3] NegHints OPTIONAL,
//       mechListMIC [4] OCTET STRING OPTIONAL, ... }
//   NegHints ::= SEQUENCE { hintName [0] GeneralString OPTIONAL,
//                           hintAddress [1] OCTET STRING OPTIONAL }
//   NegTokenResp ::= SEQUENCE {
//       negState [0] ENUMERATED { accept-completed(0), accept-incomplete(1),
//                                 reject(2), request-mic(3) } OPTIONAL,
//       supportedMech [1] MechType OPTIONAL, responseToken [2] OCTET STRING OPTIONAL,
//       mechListMIC [3] OCTET STRING OPTIONAL, ... }
//
// Extensibility: NegTokenInit, NegTokenInit2 and NegTokenResp end with the "..."
// extension marker in RFC 4178 / MS-SPNG, so a conforming decoder must skip unknown
// extension additions. They can only appear after the known fields, so unknown
// context tags numbered above the last known one ([3] for NegTokenResp, [4] for
// NegTokenInit/NegTokenInit2) are skipped (their contents must still be valid DER).
// Anything else unexpected — unknown tags in NegHints (not extensible), non-context
// elements, out-of-order or repeated fields — is rejected.
//
// Decoders accept strict DER only (see der.ts) and throw only SpnegoDecodeError.
// Returned Buffers are fresh copies, independent of the input.

import {
  applicationBlock,
  contextFlagsBlock,
  enumeratedBlock,
  explicitBlock,
  generalStringBlock,
  hasTag,
  describeTag,
  octetStringBlock,
  oidBlock,
  parseDer,
  readContextFields,
  readContextFlags,
  readEnumerated,
  readExplicit,
  readGeneralString,
  readOctetString,
  readOid,
  readSequence,
  sequenceBlock,
  toDer,
  toSpnegoError,
  UniversalTag,
} from './der.js';
import type { DerBlock, DerLimits, DerNode } from './der.js';
import { SpnegoDecodeError } from './errors.js';
import { OID_SPNEGO } from './oids.js';

/** negState of NegTokenResp (RFC 4178 §4.2.2); the wire value is the index in NEG_STATES. */
export type NegState = 'accept-completed' | 'accept-incomplete' | 'reject' | 'request-mic';

/** All NegState values, indexed by their ENUMERATED wire value 0..3 (RFC 4178 §4.2.2). */
export const NEG_STATES: readonly NegState[] = ['accept-completed', 'accept-incomplete', 'reject', 'request-mic'];

/**
 * ContextFlags bits (RFC 4178 §4.2.1) as used in `reqFlags`: ASN.1 bit n has the value 2 ** n.
 * Note these are the RFC 4178 bit positions, not the RFC 2744 C-binding GSS_C_*_FLAG values.
 */
export const ContextFlag = {
  deleg: 1 << 0,
  mutual: 1 << 1,
  replay: 1 << 2,
  sequence: 1 << 3,
  anon: 1 << 4,
  conf: 1 << 5,
  integ: 1 << 6,
} as const;

/** The hintName Windows servers send in NegTokenInit2 (MS-SPNG §2.2.1). */
export const HINT_NAME_PLEASE_IGNORE = 'not_defined_in_RFC4178@please_ignore';

/** NegHints of NegTokenInit2 (MS-SPNG §2.2.1). */
export interface NegHints {
  hintName?: string;
  hintAddress?: Buffer;
}

/**
 * NegTokenInit (RFC 4178 §4.2.1) or NegTokenInit2 (MS-SPNG §2.2.1).
 * `form` picks the layout when encoding; when omitted it is 'init2' if negHints is
 * present, else 'init'. In the 'init' layout mechListMIC is [3]; in 'init2' negHints
 * is [3] and mechListMIC is [4].
 */
export interface NegTokenInit {
  form?: 'init' | 'init2';
  mechTypes: string[];
  /** ContextFlags mask, see ContextFlag. RFC 4178 recommends leaving it out. */
  reqFlags?: number;
  mechToken?: Buffer;
  mechListMIC?: Buffer;
  negHints?: NegHints;
}

/** A decoded NegTokenInit/NegTokenInit2, with the MechTypeList bytes as received. */
export interface DecodedNegTokenInit extends NegTokenInit {
  form: 'init' | 'init2';
  /**
   * DER of the MechTypeList SEQUENCE exactly as the peer sent it (the input to the
   * mechListMIC, RFC 4178 §5). Empty only for a NegTokenInit2 without mechTypes,
   * which decodes as `mechTypes: []`.
   */
  rawMechTypes: Buffer;
}

/** NegTokenResp (RFC 4178 §4.2.2). An empty object is a valid (if useless) token. */
export interface NegTokenResp {
  negState?: NegState;
  supportedMech?: string;
  responseToken?: Buffer;
  mechListMIC?: Buffer;
}

/** Result of decodeNegotiationToken(). `framed` = it came wrapped in the RFC 2743 §3.1 header. */
export type DecodedNegotiationToken =
  | { kind: 'init'; token: DecodedNegTokenInit; framed: boolean }
  | { kind: 'resp'; token: NegTokenResp; framed: boolean };

/** Decoder limits; defaults: 64 KiB, depth 16 (see der.ts). */
export type DecodeOptions = DerLimits;

// ---------------------------------------------------------------------------
// Small utilities

const NTLMSSP_SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/** True when `buf` is a raw NTLM message (MS-NLMP §2.2 "NTLMSSP\0" signature) rather than SPNEGO. */
export function isRawNtlmssp(buf: Uint8Array): boolean {
  if (!(buf instanceof Uint8Array) || buf.length < NTLMSSP_SIGNATURE.length) return false;
  for (let i = 0; i < NTLMSSP_SIGNATURE.length; i++) if (buf[i] !== NTLMSSP_SIGNATURE[i]) return false;
  return true;
}

/** Maps a NegState to its ENUMERATED value (RFC 4178 §4.2.2). */
export function negStateToValue(state: NegState): number {
  const v = NEG_STATES.indexOf(state);
  if (v < 0) throw new RangeError(`invalid negState: ${String(state)}`);
  return v;
}

/** Maps an ENUMERATED value to a NegState, or undefined when out of range (RFC 4178 §4.2.2). */
export function negStateFromValue(value: number): NegState | undefined {
  return Number.isInteger(value) ? NEG_STATES[value] : undefined;
}

// Fresh Buffer copy of a view, so results never alias the caller's input.
function copy(view: Uint8Array): Buffer {
  return Buffer.from(view);
}

// Argument check for OCTET STRING fields (RFC 4178 §4.2.1/§4.2.2 OCTET STRING values).
function bytesField(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Buffer/Uint8Array`);
  return value;
}

// ---------------------------------------------------------------------------
// Encoding

// MechTypeList ::= SEQUENCE OF MechType (RFC 4178 §4.1).
function mechTypeListBlock(mechTypes: readonly string[]): DerBlock {
  if (!Array.isArray(mechTypes)) throw new TypeError('mechTypes must be an array of OID strings');
  return sequenceBlock(mechTypes.map((oid) => oidBlock(oid)));
}

/**
 * DER of MechTypeList (RFC 4178 §4.1) exactly as it appears inside NegTokenInit's
 * [0] — the bytes mechListMIC is computed over (RFC 4178 §5).
 */
export function encodeMechTypeList(mechTypes: readonly string[]): Buffer {
  return toDer(mechTypeListBlock(mechTypes));
}

// NegHints (MS-SPNG §2.2.1).
function negHintsBlock(hints: NegHints): DerBlock {
  const fields: DerBlock[] = [];
  if (hints.hintName !== undefined) fields.push(explicitBlock(0, generalStringBlock(hints.hintName)));
  if (hints.hintAddress !== undefined) {
    fields.push(explicitBlock(1, octetStringBlock(bytesField(hints.hintAddress, 'negHints.hintAddress'))));
  }
  return sequenceBlock(fields);
}

// NegTokenInit SEQUENCE (RFC 4178 §4.2.1) or NegTokenInit2 SEQUENCE (MS-SPNG §2.2.1).
function negTokenInitBlock(init: NegTokenInit): DerBlock {
  if (typeof init !== 'object' || init === null) throw new TypeError('NegTokenInit must be an object');
  const form = init.form ?? (init.negHints !== undefined ? 'init2' : 'init');
  if (form !== 'init' && form !== 'init2') throw new RangeError(`invalid NegTokenInit form: ${String(form)}`);
  if (form === 'init' && init.negHints !== undefined) {
    throw new TypeError("negHints only exists in NegTokenInit2 (form 'init2')");
  }
  const fields: DerBlock[] = [];
  const mechTypes = mechTypeListBlock(init.mechTypes);
  // mechTypes is mandatory in NegTokenInit and OPTIONAL in NegTokenInit2.
  if (form === 'init' || init.mechTypes.length > 0) fields.push(explicitBlock(0, mechTypes));
  if (init.reqFlags !== undefined) fields.push(explicitBlock(1, contextFlagsBlock(init.reqFlags)));
  if (init.mechToken !== undefined) fields.push(explicitBlock(2, octetStringBlock(bytesField(init.mechToken, 'mechToken'))));
  if (form === 'init2' && init.negHints !== undefined) fields.push(explicitBlock(3, negHintsBlock(init.negHints)));
  if (init.mechListMIC !== undefined) {
    fields.push(explicitBlock(form === 'init2' ? 4 : 3, octetStringBlock(bytesField(init.mechListMIC, 'mechListMIC'))));
  }
  return sequenceBlock(fields);
}

/** Bare NegotiationToken CHOICE [0] NegTokenInit / NegTokenInit2 (RFC 4178 §4.2, MS-SPNG §2.2.1), no GSS header. */
export function encodeNegTokenInit(init: NegTokenInit): Buffer {
  return toDer(explicitBlock(0, negTokenInitBlock(init)));
}

/**
 * The initiator's first token: GSS-API InitialContextToken (RFC 2743 §3.1) with
 * thisMech = SPNEGO and innerContextToken = NegotiationToken [0] (RFC 4178 §4.2).
 */
export function encodeInitialToken(init: NegTokenInit): Buffer {
  return toDer(applicationBlock(0, [oidBlock(OID_SPNEGO), explicitBlock(0, negTokenInitBlock(init))]));
}

/**
 * The acceptor's unsolicited hint token: NegTokenInit2 (MS-SPNG §2.2.1) in the
 * RFC 2743 §3.1 framing. negHints defaults to { hintName: HINT_NAME_PLEASE_IGNORE },
 * as Windows sends it.
 */
export function encodeNegTokenInit2(init: Omit<NegTokenInit, 'form'>): Buffer {
  return encodeInitialToken({ ...init, form: 'init2', negHints: init.negHints ?? { hintName: HINT_NAME_PLEASE_IGNORE } });
}

/** NegotiationToken CHOICE [1] NegTokenResp (RFC 4178 §4.2.2); never GSS-framed (RFC 4178 §4.2). */
export function encodeNegTokenResp(resp: NegTokenResp): Buffer {
  if (typeof resp !== 'object' || resp === null) throw new TypeError('NegTokenResp must be an object');
  const fields: DerBlock[] = [];
  if (resp.negState !== undefined) fields.push(explicitBlock(0, enumeratedBlock(negStateToValue(resp.negState))));
  if (resp.supportedMech !== undefined) fields.push(explicitBlock(1, oidBlock(resp.supportedMech)));
  if (resp.responseToken !== undefined) {
    fields.push(explicitBlock(2, octetStringBlock(bytesField(resp.responseToken, 'responseToken'))));
  }
  if (resp.mechListMIC !== undefined) fields.push(explicitBlock(3, octetStringBlock(bytesField(resp.mechListMIC, 'mechListMIC'))));
  return toDer(explicitBlock(1, sequenceBlock(fields)));
}

// ---------------------------------------------------------------------------
// Decoding

// NegHints (MS-SPNG §2.2.1); not extensible, so unknown fields are rejected.
function decodeNegHints(node: DerNode): NegHints {
  const fields = readContextFields(readSequence(node, 'NegHints'), { maxKnownTag: 1, extensible: false, what: 'NegHints' });
  const hints: NegHints = {};
  const name = fields.get(0);
  if (name !== undefined) hints.hintName = readGeneralString(name, 'NegHints.hintName');
  const address = fields.get(1);
  if (address !== undefined) hints.hintAddress = copy(readOctetString(address, 'NegHints.hintAddress'));
  return hints;
}

// NegTokenInit (RFC 4178 §4.2.1) or NegTokenInit2 (MS-SPNG §2.2.1): the two share [0]..[2];
// [3] is an OCTET STRING (mechListMIC) in the former and a SEQUENCE (NegHints) in the latter.
function decodeNegTokenInitBody(node: DerNode): DecodedNegTokenInit {
  const fields = readContextFields(readSequence(node, 'NegTokenInit'), { maxKnownTag: 4, extensible: true, what: 'NegTokenInit' });
  const f3 = fields.get(3);
  const f4 = fields.get(4);
  let form: 'init' | 'init2' = 'init';
  if (f3 !== undefined && hasTag(f3, 'universal', UniversalTag.SEQUENCE)) form = 'init2';
  else if (f3 !== undefined && !hasTag(f3, 'universal', UniversalTag.OCTET_STRING)) {
    throw new SpnegoDecodeError('UNEXPECTED_TAG', `NegTokenInit [3]: expected OCTET STRING or NegHints, got ${describeTag(f3)}`);
  }
  if (f4 !== undefined) {
    if (form === 'init' && f3 !== undefined) {
      throw new SpnegoDecodeError('UNEXPECTED_TAG', 'NegTokenInit: [3] mechListMIC together with NegTokenInit2 [4] mechListMIC');
    }
    form = 'init2';
  }

  const f0 = fields.get(0);
  let mechTypes: string[] = [];
  let rawMechTypes: Buffer = Buffer.alloc(0);
  if (f0 !== undefined) {
    mechTypes = readSequence(f0, 'NegTokenInit.mechTypes').map((oid) => readOid(oid, 'NegTokenInit.mechTypes'));
    rawMechTypes = copy(f0.raw);
  } else if (form === 'init') {
    throw new SpnegoDecodeError('MISSING_FIELD', 'NegTokenInit: mechTypes [0] is required');
  }

  const token: DecodedNegTokenInit = { form, mechTypes, rawMechTypes };
  const f1 = fields.get(1);
  if (f1 !== undefined) token.reqFlags = readContextFlags(f1, 'NegTokenInit.reqFlags');
  const f2 = fields.get(2);
  if (f2 !== undefined) token.mechToken = copy(readOctetString(f2, 'NegTokenInit.mechToken'));
  if (form === 'init2') {
    if (f3 !== undefined) token.negHints = decodeNegHints(f3);
    if (f4 !== undefined) token.mechListMIC = copy(readOctetString(f4, 'NegTokenInit2.mechListMIC'));
  } else if (f3 !== undefined) {
    token.mechListMIC = copy(readOctetString(f3, 'NegTokenInit.mechListMIC'));
  }
  return token;
}

// NegTokenResp (RFC 4178 §4.2.2).
function decodeNegTokenRespBody(node: DerNode): NegTokenResp {
  const fields = readContextFields(readSequence(node, 'NegTokenResp'), { maxKnownTag: 3, extensible: true, what: 'NegTokenResp' });
  const resp: NegTokenResp = {};
  const f0 = fields.get(0);
  if (f0 !== undefined) {
    const value = readEnumerated(f0, 'NegTokenResp.negState');
    const state = negStateFromValue(value);
    if (state === undefined) throw new SpnegoDecodeError('BAD_ENUM', `NegTokenResp.negState: value ${value} is not 0..3`);
    resp.negState = state;
  }
  const f1 = fields.get(1);
  if (f1 !== undefined) resp.supportedMech = readOid(f1, 'NegTokenResp.supportedMech');
  const f2 = fields.get(2);
  if (f2 !== undefined) resp.responseToken = copy(readOctetString(f2, 'NegTokenResp.responseToken'));
  const f3 = fields.get(3);
  if (f3 !== undefined) resp.mechListMIC = copy(readOctetString(f3, 'NegTokenResp.mechListMIC'));
  return resp;
}

/**
 * Decodes a SPNEGO token: the RFC 2743 §3.1 InitialContextToken (0x60 …, thisMech
 * must be SPNEGO) or a bare NegotiationToken CHOICE [0]/[1] (RFC 4178 §4.2).
 * Bad bytes throw SpnegoDecodeError only (a non-Uint8Array argument is a TypeError).
 * Raw NTLMSSP input is rejected (check isRawNtlmssp first).
 */
export function decodeNegotiationToken(buf: Uint8Array, options?: DecodeOptions): DecodedNegotiationToken {
  if (!(buf instanceof Uint8Array)) throw new TypeError('token must be a Buffer/Uint8Array');
  if (isRawNtlmssp(buf)) {
    throw new SpnegoDecodeError('UNEXPECTED_TAG', 'raw NTLMSSP message, not a SPNEGO token (see isRawNtlmssp)');
  }
  try {
    return decodeToken(buf, options);
  } catch (e) {
    // The one place the DER readers' DerError becomes SpnegoDecodeError.
    throw toSpnegoError(e);
  }
}

function decodeToken(buf: Uint8Array, options: DecodeOptions | undefined): DecodedNegotiationToken {
  const root = parseDer(buf, options);
  let choice = root;
  let framed = false;
  if (hasTag(root, 'application', 0)) {
    if (!root.constructed) throw new SpnegoDecodeError('UNEXPECTED_TAG', 'InitialContextToken must be constructed');
    const [thisMech, inner, ...rest] = root.children;
    if (thisMech === undefined || inner === undefined) {
      throw new SpnegoDecodeError('MISSING_FIELD', 'InitialContextToken needs thisMech and innerContextToken');
    }
    if (rest.length > 0) throw new SpnegoDecodeError('TRAILING_DATA', 'data after innerContextToken');
    const mech = readOid(thisMech, 'InitialContextToken.thisMech');
    if (mech !== OID_SPNEGO) throw new SpnegoDecodeError('WRONG_MECH', `InitialContextToken is for mechanism ${mech}, not SPNEGO`);
    choice = inner;
    framed = true;
  }
  if (hasTag(choice, 'context', 0)) {
    return { kind: 'init', token: decodeNegTokenInitBody(readExplicit(choice, 0, 'NegotiationToken')), framed };
  }
  if (hasTag(choice, 'context', 1)) {
    return { kind: 'resp', token: decodeNegTokenRespBody(readExplicit(choice, 1, 'NegotiationToken')), framed };
  }
  throw new SpnegoDecodeError('UNEXPECTED_TAG', `expected InitialContextToken or NegotiationToken, got ${describeTag(choice)}`);
}

/** Decodes a token that must be NegTokenInit/NegTokenInit2 (RFC 4178 §4.2.1, MS-SPNG §2.2.1), framed or bare. */
export function decodeNegTokenInit(buf: Uint8Array, options?: DecodeOptions): DecodedNegTokenInit {
  const r = decodeNegotiationToken(buf, options);
  if (r.kind !== 'init') throw new SpnegoDecodeError('UNEXPECTED_TAG', 'expected NegTokenInit, got NegTokenResp');
  return r.token;
}

/** Decodes a token that must be NegTokenResp (RFC 4178 §4.2.2). */
export function decodeNegTokenResp(buf: Uint8Array, options?: DecodeOptions): NegTokenResp {
  const r = decodeNegotiationToken(buf, options);
  if (r.kind !== 'resp') throw new SpnegoDecodeError('UNEXPECTED_TAG', 'expected NegTokenResp, got NegTokenInit');
  return r.token;
}
