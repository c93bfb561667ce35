/**
 * Kerberos V5 (RFC 4120) for the Negotiate acceptor: no I/O, clock and RNG injected, as in src/ntlm.
 */
export * from './crypto/index.js';
