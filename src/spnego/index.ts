/** SPNEGO (RFC 4178, MS-SPNG): tokens and the Negotiate contexts. */
export * from './errors.js';
export * from './oids.js';
export * from './tokens.js';
export * from './negotiateClient.js';
export * from './negotiateServer.js';
export * from './leg.js';
