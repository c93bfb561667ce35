/**
 * The structured log entries the handler emits through `options.log`. Every entry is a
 * plain JSON-able object; none carries a token, a header value or a secret — a reason code,
 * the engine's one-line explanation and the account name at most.
 */
import type { NegotiateFailureReason } from '../../spnego/negotiateServer.js';
import type { AuthProvider } from './providers.js';

export type IwaLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Why a request was answered as it was; one code per outcome, stable for alerting. */
export type IwaLogReason =
  | 'challenge-sent'
  | 'no-credentials'
  | 'unsupported-scheme'
  | 'authorization-too-large'
  | 'authorization-duplicated'
  | 'authorization-malformed'
  | 'token-malformed'
  | 'unsupported-mechanism'
  | 'no-handshake-in-progress'
  | 'handshake-expired'
  | 'handshake-evicted'
  | 'handshake-on-closing-connection'
  | 'too-many-handshakes'
  | 'policy-blocked'
  | 'not-authorized'
  | 'authenticated'
  | 'connection-authenticated'
  | 'identity-headers-stripped'
  | 'http2-fallback'
  | 'audit-write-failed'
  | 'audit-unavailable'
  | 'internal-error'
  // The acceptor's own failure reasons, as the NTLM / Negotiate contexts name them.
  | NegotiateFailureReason;

export interface IwaLogEntry {
  readonly level: IwaLogLevel;
  readonly msg: string;
  readonly requestId: string;
  readonly clientIp: string;
  readonly reason?: IwaLogReason;
  /** `DOMAIN\user` once the AUTHENTICATE named one. */
  readonly user?: string;
  readonly status?: number;
  readonly scheme?: AuthProvider;
  /** The engine's or policy's explanation (no secrets). */
  readonly detail?: string;
  /** The policy setting that decided, when policy did. */
  readonly setting?: string;
  /** Ids of the events written for this request. */
  readonly events?: readonly number[];
}

/** Calls the hook; a logger that throws must not turn a 401 into a crash. */
export function emit(log: ((e: IwaLogEntry) => void) | undefined, entry: IwaLogEntry): void {
  if (!log) return;
  try {
    log(entry);
  } catch {
    // The log hook is the operator's code; its failure is not the client's.
  }
}
