/**
 * `ntlmgate serve [--config ntlmgate.yaml]` — the main job (`npm start`): Integrated Windows
 * Authentication in front of the built-in whoami page or an upstream, with the embedded
 * authority and audit log. Without --config it runs on the embedded defaults and, on first
 * run, creates a demo account and prints the `curl --ntlm` command that logs on with it.
 *
 * Logs are JSON lines on stdout; the first-run message is for a human and goes to stderr.
 * SIGTERM / SIGINT stop it gracefully (in-flight requests finish, the audit log is flushed).
 * With `workers: N` (> 1) this process is the primary of N server processes (src/serve/cluster.ts).
 */
import type { Command } from 'commander';
import { loadServeConfig, ServeConfigError, type LogLevel, type ServeConfig } from '../../serve/config.js';
import { PolicyConfigError } from '../../policy/errors.js';
import { AuditRelaySink, processChannel } from '../../serve/auditRelay.js';
import { isServeWorker, startServePrimary, tellPrimaryListening, type ServePrimary } from '../../serve/cluster.js';
import { demoCurlCommand, type DemoAccount } from '../../serve/demoAccount.js';
import { createLogger, type ServeLogger } from '../../serve/logger.js';
import { startServe, type ServeHandle } from '../../serve/runtime.js';
import { CliError } from '../errors.js';
import { packageVersion } from '../version.js';

interface ServeOpts {
  config?: string;
  logLevel?: LogLevel;
}

function firstRunMessage(demo: DemoAccount | undefined, urls: readonly string[]): string {
  if (!demo) return '';
  const url = urls[0] ?? 'http://127.0.0.1:8080/';
  return [
    '',
    `ntlmgate: first run — created the demo account ${demo.domain}\\${demo.user} (its password is shown only now; only the NT hash is stored).`,
    'Log on with:',
    '',
    `  ${demoCurlCommand(demo, url)}`,
    '',
    `or open ${url} in a browser and sign in as ${demo.domain}\\${demo.user}. Manage accounts with \`ntlmgate users\`.`,
    '',
    '',
  ].join('\n');
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Integrated Windows Authentication server (embedded defaults without --config)')
    .option('-c, --config <file>', 'ntlmgate.yaml (see docs/configuration.md)')
    .option('--log-level <level>', 'debug | info | warn | error | silent (overrides log.level)')
    .action(async (opts: ServeOpts) => {
      let config;
      try {
        config = await loadServeConfig(opts.config);
      } catch (e) {
        if (e instanceof ServeConfigError || e instanceof PolicyConfigError) throw new CliError(e.message, 2);
        throw e;
      }
      const level = opts.logLevel ?? config.log.level;
      if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) throw new CliError(`--log-level must be debug, info, warn, error or silent, got ${JSON.stringify(level)}`, 2);
      const logger = createLogger(level);

      if (isServeWorker()) return runWorker(config, logger.child({ worker: process.pid }));
      if (config.workers > 1) return runPrimary(config, logger);

      let handle: ServeHandle;
      try {
        handle = await startServe(config, { logger, version: packageVersion() });
      } catch (e) {
        logger.flush();
        if (e instanceof ServeConfigError) throw new CliError(e.message, 2);
        throw new CliError(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
      }
      process.stderr.write(firstRunMessage(handle.demo, handle.urls));
      await untilSignal(async (signal) => {
        await handle.stop(signal);
        logger.flush();
      });
    });
}

/** Runs until SIGTERM / SIGINT; resolves once `stop` has finished. */
function untilSignal(stop: (signal: NodeJS.Signals) => Promise<void>, extra?: (trigger: (why: NodeJS.Signals) => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let once = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (once) return;
      once = true;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      stop(signal).then(resolve, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    extra?.(onSignal);
  });
}

/** `workers: N > 1`: the primary prepares the stores once, forks the workers and stops them on a signal. */
async function runPrimary(config: ServeConfig, logger: ServeLogger): Promise<void> {
  let primary: ServePrimary;
  try {
    primary = await startServePrimary(config, logger);
  } catch (e) {
    logger.flush();
    if (e instanceof ServeConfigError) throw new CliError(e.message, 2);
    throw new CliError(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
  }
  process.stderr.write(firstRunMessage(primary.demo, primary.urls));
  await untilSignal(async (signal) => {
    const code = await primary.stop(signal);
    logger.flush();
    if (code !== 0) throw new CliError('a worker did not stop cleanly');
  });
}

/** One worker of the primary above: the whole server, no demo account of its own (the primary made it), its audit events written by the primary. */
async function runWorker(config: ServeConfig, logger: ServeLogger): Promise<void> {
  let handle: ServeHandle;
  try {
    handle = await startServe({ ...config, demoAccount: false }, { logger, version: packageVersion(), audit: new AuditRelaySink(processChannel()), warnNoAccounts: false });
  } catch (e) {
    logger.flush();
    process.disconnect?.(); // so this process can exit
    throw new CliError(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
  }
  tellPrimaryListening(handle.urls);
  await untilSignal(
    async (signal) => {
      await handle.stop(signal);
      logger.flush();
      // The IPC channel to the primary would keep this process alive.
      process.disconnect?.();
    },
    // The primary went away without stopping us (killed): stop as on SIGTERM.
    (trigger) => process.once('disconnect', () => trigger('SIGTERM')),
  );
}
