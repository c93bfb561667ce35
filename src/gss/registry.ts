/**
 * Mechanisms by OID, in preference order (the acceptor's and the initiator's choice among a
 * peer's list, RFC 4178 §3.2): the one place a carrier looks a mechanism up, so adding one
 * is a registration, not a code path.
 */

export interface NamedByOid {
  readonly oid: string;
  readonly name: string;
}

export class MechanismRegistry<M extends NamedByOid> {
  private readonly byOid: ReadonlyMap<string, M>;

  /** `mechanisms` in preference order; two with one OID are a programming error. */
  constructor(readonly mechanisms: readonly M[]) {
    const byOid = new Map<string, M>();
    for (const m of mechanisms) {
      if (byOid.has(m.oid)) throw new TypeError(`mechanism ${m.oid} registered twice`);
      byOid.set(m.oid, m);
    }
    this.byOid = byOid;
  }

  get(oid: string): M | undefined {
    return this.byOid.get(oid);
  }

  /** RFC 4178 §3.2: the first of the peer's mechanisms (its preference) that we serve. */
  firstOf(peerOids: readonly string[]): M | undefined {
    for (const oid of peerOids) {
      const m = this.byOid.get(oid);
      if (m) return m;
    }
    return undefined;
  }

  get oids(): readonly string[] {
    return this.mechanisms.map((m) => m.oid);
  }
}
