/**
 * `ntlmgate serve [--config ntlmgate.yaml]` — the main job (`npm start`): Integrated Windows
 * Authentication in front of the built-in whoami page or an upstream, with the embedded
 * authority and audit log. Without --config it runs on the embedded defaults and, on first
 * run, creates a demo account and prints the `curl --ntlm` command that logs on with it.
 *
 * Logs are JSON lines on stdout; the first-run message is for a human and goes to stderr.
 * SIGTERM / SIGINT stop it gracefully (in-flight requests finish, the audit log is flushed).
 */
import type { Command } from 'commander';
import { loadServeConfig, ServeConfigError, type LogLevel } from '../../config/serveConfig.js';
import { PolicyConfigError } from '../../policy/errors.js';
import { demoCurlCommand } from '../../serve/demoAccount.js';
import { createLogger } from '../../serve/logger.js';
import { startServe, type ServeHandle } from '../../serve/runtime.js';
import { CliError } from '../errors.js';
import { packageVersion } from '../version.js';

interface ServeOpts {
  config?: string;
  logLevel?: LogLevel;
}

function firstRunMessage(h: ServeHandle): string {
  if (!h.demo) return '';
  const url = h.urls[0] ?? 'http://127.0.0.1:8080/';
  return [
    '',
    `ntlmgate: first run — created the demo account ${h.demo.domain}\\${h.demo.user} (its password is shown only now; only the NT hash is stored).`,
    'Log on with:',
    '',
    `  ${demoCurlCommand(h.demo, url)}`,
    '',
    `or open ${url} in a browser and sign in as ${h.demo.domain}\\${h.demo.user}. Manage accounts with \`ntlmgate users\`.`,
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
      let handle: ServeHandle;
      try {
        handle = await startServe(config, { logger, version: packageVersion() });
      } catch (e) {
        logger.flush();
        if (e instanceof ServeConfigError) throw new CliError(e.message, 2);
        throw new CliError(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
      }
      process.stderr.write(firstRunMessage(handle));

      // Runs until a signal; the action's promise resolves once everything is closed.
      await new Promise<void>((resolve, reject) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          handle.stop(signal).then(() => {
            logger.flush();
            resolve();
          }, reject);
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
    });
}
