/**
 * PolicyConfigError: a policy configuration that cannot load. Every issue names the key
 * (a registry value name, or `services.<name>.<value name>`) and what would have been allowed.
 */

export interface PolicyConfigIssue {
  /** The key as a path: `RestrictNTLMInDomain`, `services.intranet.BlockNTLMServerExceptionList`. */
  readonly key: string;
  /** One line: `RestrictNTLMInDomain: 2 is not allowed; allowed: 0 (Disable), …`. */
  readonly message: string;
}

export class PolicyConfigError extends Error {
  override readonly name = 'PolicyConfigError';
  /** The file the policy came from, when it came from one. */
  readonly file: string | undefined;

  constructor(
    readonly issues: readonly PolicyConfigIssue[],
    file?: string,
  ) {
    const lines = issues.map((i) => i.message);
    super(file === undefined ? lines.join('\n') : lines.map((l) => `${file}: ${l}`).join('\n'));
    this.file = file;
  }

  /** The key of the first issue. */
  get key(): string {
    return this.issues[0]?.key ?? '';
  }
}
