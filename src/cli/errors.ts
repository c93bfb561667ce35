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

const FILE_ERRORS: Readonly<Record<string, { readonly text: string; readonly exitCode: 1 | 2 }>> = {
  // A path the user gave that leads nowhere: a usage error.
  ENOENT: { text: 'no such file or folder', exitCode: 2 },
  ENOTDIR: { text: 'a part of the path is not a folder', exitCode: 2 },
  EISDIR: { text: 'is a folder, not a file', exitCode: 2 },
  // The path is right but this process may not use it: a failed operation.
  EACCES: { text: 'permission denied', exitCode: 1 },
  EPERM: { text: 'operation not permitted', exitCode: 1 },
  ENOSPC: { text: 'no space left on the device', exitCode: 1 },
  EROFS: { text: 'read-only file system', exitCode: 1 },
};

/**
 * The one line for a file-system error that no command turned into a message of its own
 * (`cannot open /x/events.xml: no such file or folder`), or undefined for anything else.
 */
export function fileError(e: unknown): CliError | undefined {
  if (!(e instanceof Error)) return undefined;
  const { code, path } = e as NodeJS.ErrnoException;
  if (typeof code !== 'string' || typeof path !== 'string') return undefined;
  const known = FILE_ERRORS[code];
  return new CliError(`cannot open ${path}: ${known?.text ?? e.message} (${code})`, known?.exitCode ?? 1);
}
