/**
 * The SPNEGO fuzz target: decodeNegotiationToken may throw SpnegoDecodeError (with a
 * known code) and nothing else, within the per-input time limit. Besides the byte-level
 * mutators, inputs get DER-tree mutations (re-encoded with consistent lengths, so they
 * reach the field checks): retagging, duplicated, dropped, swapped, wrapped and unwrapped
 * elements, odd contents per type, non-minimal and indefinite lengths, deep nesting, many
 * elements and huge elements.
 */
import assert from 'node:assert/strict';
import { SpnegoDecodeError, type SpnegoErrorCode } from '../../src/spnego/errors.js';
import { OID_KERBEROS5, OID_MS_KERBEROS5, OID_NEGOEX, OID_NTLMSSP, OID_SPNEGO } from '../../src/spnego/oids.js';
import {
  decodeNegotiationToken,
  encodeInitialToken,
  encodeNegTokenInit,
  encodeNegTokenInit2,
  encodeNegTokenResp,
  NEG_STATES,
  type DecodedNegotiationToken,
  type DecodeOptions,
  type NegTokenInit,
  type NegTokenResp,
} from '../../src/spnego/tokens.js';
import { ntlmCorpus } from './corpus.js';
import type { FuzzTarget } from './harness.js';
import { Rng, type MutationOp } from './mutate.js';

const SPNEGO_CODES: Record<SpnegoErrorCode, true> = {
  TOO_LARGE: true,
  EMPTY: true,
  TRUNCATED: true,
  BAD_DER: true,
  TRAILING_DATA: true,
  UNEXPECTED_TAG: true,
  BAD_OID: true,
  MISSING_FIELD: true,
  BAD_ENUM: true,
  BAD_VALUE: true,
  TOO_DEEP: true,
  WRONG_MECH: true,
};

export function allowSpnegoError(e: unknown): string {
  if (e instanceof SpnegoDecodeError && Object.hasOwn(SPNEGO_CODES, e.code)) return `SpnegoDecodeError:${e.code}`;
  throw e;
}

// ---------------------------------------------------------------------------
// A minimal DER tree, to mutate structure and re-encode with consistent lengths.

interface Tlv {
  id: Buffer;
  content: Buffer;
  children?: Tlv[];
  /** Encode the length in long form even when short (non-minimal). */
  longLength?: boolean;
  /** Encode with BER indefinite length (0x80 … 00 00). */
  indefinite?: boolean;
}

function parseTlvs(b: Buffer, depth = 0): Tlv[] | undefined {
  const out: Tlv[] = [];
  let p = 0;
  while (p < b.length) {
    const start = p;
    const first = b[p++] as number;
    if ((first & 0x1f) === 0x1f) {
      while (p < b.length && ((b[p] as number) & 0x80) !== 0) p++;
      p++;
    }
    if (p >= b.length) return undefined;
    const id = b.subarray(start, p);
    const lb = b[p++] as number;
    let len = lb;
    if (lb >= 0x80) {
      const n = lb & 0x7f;
      if (n === 0 || n > 4 || p + n > b.length) return undefined;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (b[p++] as number);
    }
    if (p + len > b.length) return undefined;
    const content = b.subarray(p, p + len);
    p += len;
    const constructed = (first & 0x20) !== 0;
    out.push({ id, content, children: constructed && depth < 64 ? parseTlvs(content, depth + 1) : undefined });
  }
  return out;
}

function encodeLength(n: number, long = false): Buffer {
  if (n < 0x80 && !long) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || long) bytes.unshift(0);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function encodeTlv(t: Tlv): Buffer {
  const content = t.children ? Buffer.concat(t.children.map(encodeTlv)) : t.content;
  if (t.indefinite) return Buffer.concat([t.id, Buffer.from([0x80]), content, Buffer.alloc(2)]);
  return Buffer.concat([t.id, encodeLength(content.length, t.longLength), content]);
}

function tlv(id: number | Buffer, content: Buffer | Tlv[]): Tlv {
  const idb = typeof id === 'number' ? Buffer.from([id]) : id;
  return Array.isArray(content) ? { id: idb, content: Buffer.alloc(0), children: content } : { id: idb, content };
}

function clone(t: Tlv): Tlv {
  return { ...t, children: t.children?.map(clone) };
}

interface Slot {
  node: Tlv;
  siblings: Tlv[];
  index: number;
}

function slots(list: Tlv[], out: Slot[] = []): Slot[] {
  list.forEach((node, index) => {
    out.push({ node, siblings: list, index });
    if (node.children) slots(node.children, out);
  });
  return out;
}

const TAGS: readonly Buffer[] = [
  [0x30], [0x31], [0xa0], [0xa1], [0xa2], [0xa3], [0xa4], [0xa5], [0xa6], [0xbf, 0x1f], [0x04], [0x24], [0x06], [0x26],
  [0x0a], [0x03], [0x1b], [0x60], [0x61], [0x00], [0x80], [0x5f, 0x1f], [0x1f, 0x80, 0x01], [0xff], [0x1f, 0x05],
].map((b) => Buffer.from(b));

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Contents that are interesting for the element's type (OID, ENUMERATED, BIT STRING, strings). */
function oddContent(rng: Rng, id: number): Buffer {
  switch (id) {
    case 0x06:
      return rng.pick([h('2b0601050502'), h('2a864886f712010202'), h('2b06010401823702020a'), h(''), h('80'), h('2b80'), h('2bff'), h('2b8001'), rng.bytes(rng.between(1, 20))]);
    case 0x0a:
      return rng.pick([h('00'), h('01'), h('02'), h('03'), h('04'), h('ff'), h('0000'), h('00ff'), h('ff7f'), h('7fffffff'), h('ffffffffff'), h('')]);
    case 0x03:
      return rng.pick([h('00'), h('07'), h('0780'), h('0000'), h('08ff'), h('0100'), h('00ffffffffff'), h('0001020304'), h('')]);
    case 0x1b:
      return rng.pick([Buffer.from('not_defined_in_RFC4178@please_ignore'), h('fffe'), h('c0af'), h('')]);
    default:
      return rng.bytes(rng.smallLength(64));
  }
}

/** One structural mutation of a DER-shaped input, re-encoded; undefined when the input is not DER-shaped. */
export const derTreeOp: MutationOp = (rng, b) => {
  const root = parseTlvs(b);
  if (!root || root.length === 0) return undefined;
  const all = slots(root);
  const s = rng.pick(all);
  let desc: string;
  switch (rng.int(11)) {
    case 0:
      if (s.node.children) return undefined;
      s.node.content = oddContent(rng, s.node.id[0] as number);
      desc = 'odd content';
      break;
    case 1:
      s.node.id = rng.pick(TAGS);
      if ((s.node.id[0] as number) & 0x20) s.node.children ??= parseTlvs(s.node.content) ?? [];
      else if (s.node.children) {
        s.node.content = Buffer.concat(s.node.children.map(encodeTlv));
        s.node.children = undefined;
      }
      desc = `retag to ${s.node.id.toString('hex')}`;
      break;
    case 2:
      s.siblings.splice(s.index, 0, clone(s.node));
      desc = 'duplicate element';
      break;
    case 3:
      s.siblings.splice(s.index, 1);
      desc = 'drop element';
      break;
    case 4: {
      const j = s.index + 1 < s.siblings.length ? s.index + 1 : s.index - 1;
      if (j < 0) return undefined;
      const other = s.siblings[j] as Tlv;
      s.siblings[j] = s.node;
      s.siblings[s.index] = other;
      desc = 'swap elements';
      break;
    }
    case 5: {
      const wrapper = tlv(rng.pick([0x30, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0x60, 0x31]), [s.node]);
      s.siblings[s.index] = wrapper;
      desc = `wrap in ${wrapper.id.toString('hex')}`;
      break;
    }
    case 6:
      if (!s.node.children) return undefined;
      s.siblings.splice(s.index, 1, ...s.node.children);
      desc = 'unwrap element';
      break;
    case 7:
      s.siblings.splice(s.index + rng.int(2), 0, rng.pick([tlv(0xa5, [tlv(0x30, [])]), tlv(0xa7, [tlv(0x04, rng.bytes(3))]), tlv(0x05, Buffer.alloc(0))]));
      desc = 'insert extension element';
      break;
    case 8:
      s.node.longLength = true;
      desc = 'non-minimal length';
      break;
    case 9:
      s.node.indefinite = true;
      desc = 'indefinite length';
      break;
    default:
      if (s.node.children) return undefined;
      s.node.content = rng.bytes(rng.smallLength(300));
      desc = 'random content';
  }
  return { bytes: Buffer.concat(root.map(encodeTlv)), desc: `der: ${desc}` };
};

/** Rewrites one length octet run in place (no re-encoding): reserved, long, short and off-by-one lengths. */
export const derLengthOp: MutationOp = (rng, b) => {
  if (!parseTlvs(b)) return undefined;
  // Find the length octets of every element by walking the bytes.
  const headers: number[] = [];
  const walk = (start: number, end: number, depth: number): void => {
    let p = start;
    while (p < end && depth < 64) {
      const first = b[p++] as number;
      if ((first & 0x1f) === 0x1f) {
        while (p < end && ((b[p] as number) & 0x80) !== 0) p++;
        p++;
      }
      if (p >= end) return;
      headers.push(p);
      const lb = b[p++] as number;
      let len = lb;
      if (lb >= 0x80) {
        const n = lb & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (b[p++] as number);
      }
      if (first & 0x20) walk(p, p + len, depth + 1);
      p += len;
    }
  };
  walk(0, b.length, 0);
  if (headers.length === 0) return undefined;
  const at = rng.pick(headers);
  const lb = b[at] as number;
  const oldLen = lb < 0x80 ? 1 : 1 + (lb & 0x7f);
  const cur = lb < 0x80 ? lb : Number.parseInt(b.subarray(at + 1, at + oldLen).toString('hex') || '0', 16);
  const replacement = rng.pick([
    Buffer.from([0x80]),
    Buffer.from([0xff]),
    Buffer.from([0x85, 1, 2, 3, 4, 5]),
    Buffer.from([0x84, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from([0x84, 0x00, 0x00, 0x00, 0x01]),
    Buffer.from([0x82, 0x00, cur & 0xff]),
    Buffer.from([0x81, cur & 0xff]),
    encodeLength(Math.max(0, cur - 1)),
    encodeLength(cur + 1),
    encodeLength(0),
    encodeLength(rng.int(0x10000)),
  ]);
  return { bytes: Buffer.concat([b.subarray(0, at), replacement, b.subarray(at + oldLen)]), desc: `der length @${at}: ${replacement.toString('hex')}` };
};

// ---------------------------------------------------------------------------
// Structured generator.

const KNOWN_OIDS = [OID_SPNEGO, OID_NTLMSSP, OID_KERBEROS5, OID_MS_KERBEROS5, OID_NEGOEX, '1.2.840.113554.1.2.2.3', '2.999', '0.0', '1.39.4294967296'];

function randomOid(rng: Rng): string {
  if (rng.chance(0.7)) return rng.pick(KNOWN_OIDS);
  const arcs = [rng.int(3)];
  arcs.push(rng.int(arcs[0] === 2 ? 1000 : 40));
  for (let i = rng.int(8); i > 0; i--) arcs.push(rng.chance(0.8) ? rng.int(1000) : rng.u32());
  return arcs.join('.');
}

function randomAscii(rng: Rng, max: number): string {
  let s = '';
  for (let i = rng.smallLength(max); i > 0; i--) s += String.fromCharCode(rng.between(0x20, 0x7e));
  return s;
}

function randomInit(rng: Rng, mechToken: () => Buffer): NegTokenInit {
  const init: NegTokenInit = { mechTypes: Array.from({ length: rng.smallLength(6) }, () => randomOid(rng)) };
  if (init.mechTypes.length === 0 && rng.chance(0.8)) init.mechTypes.push(OID_NTLMSSP);
  if (rng.chance(0.3)) init.reqFlags = rng.chance(0.5) ? rng.int(0x80) : rng.u32();
  if (rng.chance(0.7)) init.mechToken = mechToken();
  if (rng.chance(0.3)) init.mechListMIC = rng.bytes(rng.pick([0, 16, rng.smallLength(64)]));
  return init;
}

function randomResp(rng: Rng, mechToken: () => Buffer): NegTokenResp {
  const resp: NegTokenResp = {};
  if (rng.chance(0.8)) resp.negState = rng.pick(NEG_STATES);
  if (rng.chance(0.6)) resp.supportedMech = randomOid(rng);
  if (rng.chance(0.6)) resp.responseToken = mechToken();
  if (rng.chance(0.3)) resp.mechListMIC = rng.bytes(rng.pick([16, rng.smallLength(64)]));
  return resp;
}

/** An OID's contents of `size` octets: one giant arc, many small arcs, or random sub-identifiers. */
function hugeOidContent(rng: Rng, size: number): Buffer {
  switch (rng.int(3)) {
    case 0:
      return Buffer.concat([Buffer.from([0x2b]), Buffer.alloc(size - 2, 0xff), Buffer.from([0x7f])]);
    case 1:
      return Buffer.concat([Buffer.from([0x2b]), Buffer.alloc(size - 1, 0x01)]);
    default: {
      const b = rng.bytes(size);
      b[0] = 0x2b;
      b[size - 1] = (b[size - 1] as number) & 0x7f;
      for (let i = 1; i < size; i++) if (b[i] === 0x80 && ((b[i - 1] as number) & 0x80) === 0) b[i] = 0x81;
      return b;
    }
  }
}

export function randomSpnego(rng: Rng, ntlm: readonly Buffer[]): Buffer {
  const mechToken = (): Buffer => (rng.chance(0.6) ? rng.pick(ntlm) : rng.bytes(rng.smallLength(512)));
  const r = rng.int(100);
  if (r < 84) {
    const kind = rng.int(4);
    if (kind === 0) return encodeInitialToken(randomInit(rng, mechToken));
    if (kind === 1) return encodeNegTokenInit(randomInit(rng, mechToken));
    if (kind === 2) {
      const init = randomInit(rng, mechToken);
      return encodeNegTokenInit2({ ...init, negHints: rng.chance(0.5) ? undefined : { hintName: rng.chance(0.7) ? randomAscii(rng, 40) : undefined, hintAddress: rng.chance(0.3) ? rng.bytes(rng.smallLength(16)) : undefined } });
    }
    return encodeNegTokenResp(randomResp(rng, mechToken));
  }
  if (r < 91) {
    // Deep nesting around a leaf.
    let node = tlv(0x04, rng.bytes(4));
    for (let depth = rng.between(2, 200); depth > 0; depth--) node = tlv(rng.pick([0x30, 0xa0, 0xa1, 0xa2, 0x60]), [node]);
    return encodeTlv(node);
  }
  if (r < 97) {
    // Many elements: a MechTypeList of hundreds to thousands of OIDs.
    const n = rng.chance(0.5) ? rng.between(4000, 4200) : rng.between(100, 5000);
    const oid = tlv(0x06, h('2b06010401823702020a'));
    const list = tlv(0x30, Array.from({ length: n }, () => oid));
    return encodeTlv(tlv(0xa0, [tlv(0x30, [tlv(0xa0, [list])])]));
  }
  // Huge elements, up to the 64 KiB cap: an OID, a token, a hint name.
  const size = rng.chance(0.5) ? rng.between(60000, 65400) : rng.between(2, 60000);
  switch (rng.int(3)) {
    case 0:
      return encodeTlv(tlv(0xa1, [tlv(0x30, [tlv(0xa1, [tlv(0x06, hugeOidContent(rng, size))])])]));
    case 1:
      return encodeTlv(tlv(0xa0, [tlv(0x30, [tlv(0xa0, [tlv(0x30, [tlv(0x06, h('2b06010401823702020a')), tlv(0x06, hugeOidContent(rng, size))])])])]));
    default:
      return encodeTlv(tlv(0xa1, [tlv(0x30, [tlv(0xa2, [tlv(0x04, rng.bytes(size))])])]));
  }
}

// ---------------------------------------------------------------------------
// Seeds and the target.

export function spnegoSeeds(ntlm: { negotiate: readonly Buffer[]; challenge: readonly Buffer[]; authenticate: readonly Buffer[] }): Buffer[] {
  const neg = ntlm.negotiate[0] ?? Buffer.alloc(40);
  const chal = ntlm.challenge[0] ?? Buffer.alloc(56);
  const auth = ntlm.authenticate[0] ?? Buffer.alloc(88);
  return [
    // Browser-style first token: InitialContextToken, all four mechanisms, an NTLM NEGOTIATE.
    encodeInitialToken({ mechTypes: [OID_MS_KERBEROS5, OID_KERBEROS5, OID_NEGOEX, OID_NTLMSSP], mechToken: neg }),
    encodeInitialToken({ mechTypes: [OID_NTLMSSP], reqFlags: 0x42, mechToken: neg, mechListMIC: Buffer.alloc(16, 1) }),
    encodeNegTokenInit({ mechTypes: [OID_NTLMSSP, OID_KERBEROS5], mechToken: neg }),
    // Windows server hint (NegTokenInit2 with hintName not_defined_in_RFC4178@please_ignore).
    encodeNegTokenInit2({ mechTypes: [OID_MS_KERBEROS5, OID_KERBEROS5, OID_NEGOEX, OID_NTLMSSP] }),
    encodeNegTokenInit2({ mechTypes: [OID_NTLMSSP], negHints: { hintName: 'host/web1@CORP', hintAddress: Buffer.from([10, 0, 0, 1]) }, mechListMIC: Buffer.alloc(16, 2) }),
    // The NTLM exchange inside NegTokenResp.
    encodeNegTokenResp({ negState: 'accept-incomplete', supportedMech: OID_NTLMSSP, responseToken: chal }),
    encodeNegTokenResp({ responseToken: auth, mechListMIC: Buffer.from('01000000a1b2c3d4e5f6071800000000', 'hex') }),
    encodeNegTokenResp({ negState: 'accept-completed', mechListMIC: Buffer.alloc(16, 3) }),
    encodeNegTokenResp({ negState: 'reject' }),
    encodeNegTokenResp({ negState: 'request-mic', mechListMIC: Buffer.alloc(16, 7) }),
    // With an extension field after the known ones ([5]), which decoders skip.
    h('a1 0b 30 09 a0 03 0a 01 00 a5 02 30 00'),
  ];
}

function checkDecoded(r: DecodedNegotiationToken): string {
  if (r.kind === 'init') {
    assert.ok(Array.isArray(r.token.mechTypes) && r.token.mechTypes.every((o) => typeof o === 'string'));
    assert.ok(Buffer.isBuffer(r.token.rawMechTypes));
    assert.ok(r.token.form === 'init' || r.token.form === 'init2');
  } else if (r.token.negState !== undefined) {
    assert.ok(NEG_STATES.includes(r.token.negState));
  }
  return `decoded:${r.kind}${r.framed ? ':framed' : ''}`;
}

/** A decoded token, re-encoded, decodes to the same token (when the encoder accepts it). */
function checkStable(r: DecodedNegotiationToken): void {
  let again: DecodedNegotiationToken;
  try {
    again = decodeNegotiationToken(r.kind === 'init' ? encodeNegTokenInit(r.token) : encodeNegTokenResp(r.token));
  } catch (e) {
    if (e instanceof SpnegoDecodeError) throw new Error(`a re-encoded token no longer decodes: ${e.code}: ${e.message}`);
    return; // The encoder refuses a value the decoder accepted (e.g. an OID it cannot write): not this property.
  }
  if (r.kind === 'init' && again.kind === 'init') {
    // rawMechTypes is left out: an empty mechTypes [0] of a NegTokenInit2 is not re-encoded.
    assert.deepEqual({ ...again.token, rawMechTypes: undefined }, { ...r.token, rawMechTypes: undefined }, 're-encoding a decoded NegTokenInit changed it');
  } else {
    assert.deepEqual(again.token, r.token, 're-encoding a decoded NegTokenResp changed it');
  }
}

function limitsFor(index: number): DecodeOptions {
  const rng = new Rng(index);
  return { maxBytes: rng.between(1, 70000), maxDepth: rng.between(1, 20), maxNodes: rng.between(1, 5000) };
}

export async function loadTargets(): Promise<ReadonlyMap<string, FuzzTarget>> {
  const c = await ntlmCorpus();
  const seeds = spnegoSeeds(c);
  const ntlm = c.all;
  const target: FuzzTarget = {
    name: 'decodeNegotiationToken',
    spec: {
      primary: seeds,
      donors: ntlm,
      structured: (rng) => randomSpnego(rng, ntlm),
      extraOps: [derTreeOp, derTreeOp, derLengthOp],
      variants: 10,
      headerBytes: 48,
      ntlmHeaders: true,
    },
    run(input) {
      // One input in ten runs under random (valid) decoder limits.
      const options = input.variant === 0 ? limitsFor(input.index) : undefined;
      let r: DecodedNegotiationToken;
      try {
        r = decodeNegotiationToken(input.bytes, options);
      } catch (e) {
        return allowSpnegoError(e);
      }
      const label = checkDecoded(r);
      if (options === undefined) checkStable(r);
      return label;
    },
  };
  return new Map([[target.name, target]]);
}
