/**
 * Errors the CLI reports as one `ntlmgate: <message>` line on stderr, never with a stack
 * trace. `exitCode` is 1 for a failed operation and 2 for a usage error.
 */
import { NtlmDecodeError } from '../ntlm/errors.js';
import { SpnegoDecodeError } from '../spnego/errors.js';
import { TokenInputError } from './tokenInput.js';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** True for the errors a bad token (not a bug) produces: they carry a stable `code`. */
export function isTokenError(e: unknown): e is NtlmDecodeError | SpnegoDecodeError | TokenInputError {
  return e instanceof NtlmDecodeError || e instanceof SpnegoDecodeError || e instanceof TokenInputError;
}

/** `cannot decode token: <reason> (<code>)`, the one line a malformed token produces. */
export function tokenErrorMessage(e: NtlmDecodeError | SpnegoDecodeError | TokenInputError): string {
  return `cannot decode token: ${e.message} (${e.code})`;
}
