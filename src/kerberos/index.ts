/**
 * Kerberos V5 (RFC 4120) for the Negotiate acceptor: no I/O, clock and RNG injected, as in src/ntlm.
 */
export * from './crypto/index.js';
export * from './errors.js';
export * from './messages/index.js';
export * from './gssToken.js';
export * from './authenticatorChecksum.js';
export * from './keytab.js';
export * from './ccache.js';
export * from './replayCache.js';
export * from './micToken.js';
export * from './serverContext.js';
export * from './acceptorMechanism.js';
export * from './apReqBuilder.js';
export * from './pac/index.js';
export * from './pacCheck.js';
