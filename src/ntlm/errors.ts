/**
 * Typed errors for the NTLM layer. Every parser failure is an NtlmDecodeError with a
 * stable code, so callers (HTTP layer, CLI, audit) can react without matching on text.
 */

export type NtlmDecodeErrorCode =
  | 'TOO_SHORT'
  | 'TOO_LARGE'
  | 'BAD_SIGNATURE'
  | 'BAD_MESSAGE_TYPE'
  | 'FIELD_OUT_OF_BOUNDS'
  | 'FIELD_TOO_LONG'
  | 'BAD_AV_PAIR'
  | 'BAD_STRING'
  | 'BAD_RESPONSE';

export class NtlmDecodeError extends Error {
  override readonly name = 'NtlmDecodeError';
  constructor(
    readonly code: NtlmDecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Misuse of a context (wrong state, missing option). Never caused by peer bytes. */
export class NtlmStateError extends Error {
  override readonly name = 'NtlmStateError';
  constructor(
    readonly code: 'WRONG_STATE' | 'NOT_COMPLETE' | 'BAD_OPTION' | 'NO_SESSION_KEY',
    message: string,
  ) {
    super(message);
  }
}

/** A signature or sealed message that does not verify (MS-NLMP §3.4.4). */
export class NtlmIntegrityError extends Error {
  override readonly name = 'NtlmIntegrityError';
  constructor(message: string) {
    super(message);
  }
}
