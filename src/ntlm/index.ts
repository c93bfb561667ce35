/** MS-NLMP: messages, keys and responses, session security, client and server contexts. Pure: no I/O. */
export * from './errors.js';
export * from './flags.js';
export * from './avPairs.js';
export * from './version.js';
export * from './filetime.js';
export * from './messages/index.js';
export * from './owf.js';
export * from './responses.js';
export * from './keys.js';
export * from './mic.js';
export * from './channelBindings.js';
export * from './sessionSecurity.js';
export * from './authority.js';
export * from './clientContext.js';
export * from './serverContext.js';
