#!/usr/bin/env node
/**
 * The `ntlmgate` command. Only wiring lives here: one module per subcommand in commands/.
 * Errors are one `ntlmgate: <message>` line on stderr; exit 1 for failures, 2 for usage errors
 * (a missing input file among them, whichever command was reading it).
 */
import { Command, CommanderError } from 'commander';
import { registerDecode } from './commands/decode.js';
import { registerDemo } from './commands/demo.js';
import { registerFetch } from './commands/fetch.js';
import { registerPolicy } from './commands/policy.js';
import { CliError, fileError } from './errors.js';
import { commandExitCode } from './exitCode.js';
import { registerAudit } from './commands/audit.js';
import { registerGroups } from './commands/groups.js';
import { registerKeytab } from './commands/keytab.js';
import { registerUsers } from './commands/users.js';
import { registerServe } from './commands/serve.js';
import { packageVersion } from './version.js';

function buildProgram(): Command {
  const program = new Command('ntlmgate')
    .description('Integrated Windows Authentication with NTLM under control: serve, policy, audit, accounts, token decoding')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    // Program options (-V) come before the subcommand, so `policy explain --version NTLMv1` is the subcommand's.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`ntlmgate: ${str.replace(/^error: /, '').trimEnd()} (see 'ntlmgate --help')\n`),
    });
  // Subcommands are created after exitOverride/configureOutput, so they inherit both.
  registerDecode(program);
  registerServe(program);
  registerDemo(program);
  registerPolicy(program);
  registerAudit(program);
  registerUsers(program);
  registerGroups(program);
  registerKeytab(program);
  registerFetch(program);
  return program;
}

/** Runs the CLI and returns the exit code (never calls process.exit, so stdout drains). */
async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return commandExitCode();
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version end with exitCode 0; everything else commander raises is a usage error
      // (commander has already printed it through outputError, or printed help for a bare `ntlmgate`).
      return e.exitCode === 0 ? 0 : 2;
    }
    const known = e instanceof CliError ? e : fileError(e);
    if (known) {
      process.stderr.write(`ntlmgate: ${known.message}\n`);
      return known.exitCode;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`ntlmgate: internal error: ${message}\n`);
    if (process.env['NTLMGATE_DEBUG'] && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

// A closed stdout (`ntlmgate decode … | head`) is not an error worth a trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
