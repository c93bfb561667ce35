/**
 * An exit status a command chooses without failing (`audit what-if` exits 3 when the
 * proposal would block something). main() returns it after a successful run.
 */
let code = 0;

export function setExitCode(value: number): void {
  code = value;
}

export function commandExitCode(): number {
  return code;
}
