/**
 * Channel bindings for MsvAvChannelBindings (MS-NLMP §3.1.5.1.2): the one implementation is
 * gss/channelBindings.ts, shared with Kerberos; NTLM's importers keep this path.
 */
export { channelBindingsHash, encodeChannelBindings, isZeroBinding, tlsServerEndPointData } from '../gss/channelBindings.js';
export type { ChannelBindings } from '../gss/channelBindings.js';
