/**
 * ntlmgate: Integrated Windows Authentication for Node.js.
 * The protocol engine: MS-NLMP (NTLM) and SPNEGO contexts, pure and I/O-free.
 */
export * from './ntlm/index.js';
export type {
  AcceptorContext,
  AcceptorHandshake,
  AcceptorMechanism,
  ClaimedIdentity,
  LogonAccount,
  LogonResult,
  MechanismFailure,
  MechanismIntegrity,
  MechanismStep,
  TokenPosition,
} from './gss/mechanism.js';
export { MechanismRegistry } from './gss/registry.js';
export { NtlmAcceptorContext, isNtlmLogon, ntlmAcceptorMechanism, ntlmLogonResult, type NtlmLogonResult, type NtlmMechanismFailure } from './ntlm/acceptorMechanism.js';
export * from './spnego/index.js';
export { tlsServerEndPointHash, certificateHashAlgorithm, CertificateError } from './crypto/certificateHash.js';
export * from './events/index.js';
export * from './policy/index.js';
export { loadPolicyFile } from './config/policyFile.js';
export * from './audit/index.js';
export * from './audit/formats/index.js';
export * from './authority/index.js';
export * from './http/server/index.js';
export * from './http/client/index.js';
