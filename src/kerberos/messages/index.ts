/** RFC 4120 §5 messages: decoders (Uint8Array → typed value, KerberosDecodeError) and encoders. */
export * from './constants.js';
export { KERBEROS_DER_LIMITS } from './asn1.js';
export * from './principalName.js';
export * from './basicTypes.js';
export * from './authorizationData.js';
export * from './ticket.js';
export * from './authenticator.js';
export * from './apReq.js';
export * from './apRep.js';
export * from './krbError.js';
