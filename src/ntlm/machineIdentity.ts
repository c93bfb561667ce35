/**
 * A Windows machine's names: what the CHALLENGE's AV pairs announce (MS-NLMP §2.2.2.1
 * MsvAvNbComputerName, MsvAvNbDomainName, MsvAvDnsComputerName, MsvAvDnsDomainName,
 * MsvAvDnsTreeName) and what policy compares a logon's names against.
 */
export interface MachineIdentity {
  readonly netbiosComputerName: string;
  /** The domain's NetBIOS name; the computer's own name on a standalone server. */
  readonly netbiosDomainName: string;
  readonly dnsComputerName?: string;
  readonly dnsDomainName?: string;
  /** The forest's DNS name. */
  readonly dnsTreeName?: string;
}

/** The names alone, from an options object that carries them among other things. */
export function machineIdentityOf(o: MachineIdentity): MachineIdentity {
  const { netbiosComputerName, netbiosDomainName, dnsComputerName, dnsDomainName, dnsTreeName } = o;
  return { netbiosComputerName, netbiosDomainName, dnsComputerName, dnsDomainName, dnsTreeName };
}
