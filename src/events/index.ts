/** The NTLM/Operational event catalogue and event shape: pure data, shared by policy and audit. */
export * from './catalogue.js';
export * from './event.js';
