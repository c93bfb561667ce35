/**
 * `ntlmgate users …`: the accounts LocalAuthority logs people on with.
 *   add | remove | list | passwd | enable | disable | unlock | import
 *
 * Passwords come from a no-echo prompt (asked twice) or one line on stdin
 * (`--password-stdin`), never from the command line, where shell history and `ps` would
 * keep them: a `--password` option is refused with a message saying so. Only the NT hash
 * is stored, and no command prints it. `users import` migrates accounts from another store
 * by NT hash (CSV, or the password-dump lines of pdbedit -w, pwdump and secretsdump: the
 * service in authority/import/), and `users add` / `users import` warn about accounts outside the
 * domain of the server `--config` describes, which can never log on there.
 *
 * The store, the prompt and the output are reached through `UsersIo`, so tests drive the
 * commands in process; the helpers shared with `groups` live here too.
 */
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { AccountStore, AccountSummary } from '../../authority/local/accountStore.js';
import { AccountStoreError } from '../../authority/errors.js';
import { FOREVER, isLockedOut, UNLOCKED } from '../../authority/local/lockout.js';
import { nameKey, netbiosProblem, parseQualified, qualified, type AccountKey } from '../../authority/names.js';
import { ntHashOfPassword } from '../../authority/local/ntHash.js';
import { DEFAULT_ACCOUNTS_URL, openAccountStore, redactStoreUrl } from '../../authority/local/openAccountStore.js';
import { loadServeConfig, ServeConfigError } from '../../serve/config.js';
import { CliError } from '../errors.js';
import { readStdin, writeErr, writeOut } from '../io.js';
import { passwordFromStdin, terminalSecretPrompt } from '../prompt.js';
import { AccountImportError, importAccounts, parseAccountImport, type ParsedImport } from '../../authority/import/accountImport.js';
import { table } from '../table.js';

// ---------------------------------------------------------------------------
// I/O the commands use (replaced in tests).

export interface UsersIo {
  readonly write: (text: string) => void;
  /** Warnings (stderr by default). */
  readonly warn?: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  /** Asks for a secret without echo; undefined when there is no terminal to ask on. */
  readonly askSecret?: (question: string) => Promise<string>;
  readonly now: () => number;
  /** Opens the store a --store URL names (tests may hand out their own). */
  readonly openStore: (url: string) => Promise<AccountStore>;
}

export function defaultIo(): UsersIo {
  return {
    write: writeOut,
    warn: writeErr,
    readStdin,
    askSecret: terminalSecretPrompt(),
    now: Date.now,
    openStore: (url) => openAccountStore(url),
  };
}

export const STORE_OPTION = ['--store <url>', 'account store: sqlite:PATH or postgres://…', DEFAULT_ACCOUNTS_URL] as const;

/** Runs `fn` on the store at `url`, closing it afterwards; store errors become one-line CLI errors. */
export async function withAccountStore<T>(io: UsersIo, url: string, fn: (store: AccountStore) => Promise<T>): Promise<T> {
  let store: AccountStore;
  try {
    store = await io.openStore(url);
  } catch (e) {
    throw new CliError(`cannot open the account store ${redactStoreUrl(url)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return await fn(store);
  } catch (e) {
    if (e instanceof AccountStoreError) throw new CliError(e.message, e.code === 'invalid' ? 2 : 1);
    throw e;
  } finally {
    await store.close();
  }
}

/**
 * `DOMAIN\name`, or a bare name in `domain`; a usage error (exit 2) otherwise. With
 * `fromOption` (the domain came from --domain) a different explicit domain is an error too.
 */
export function accountArg(text: string, domain: string | undefined, what = 'account', fromOption = true): AccountKey {
  try {
    const k = parseQualified(text, domain, what);
    if (fromOption && domain !== undefined && text.includes('\\') && nameKey(k.domain) !== nameKey(domain)) {
      throw new CliError(`${what} ${JSON.stringify(text)} is in ${k.domain}, but --domain says ${domain}`, 2);
    }
    return k;
  } catch (e) {
    if (e instanceof AccountStoreError) throw new CliError(e.message, 2);
    throw e;
  }
}

/** UTC, to the second. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------
// Passwords.

interface PasswordOptions {
  readonly passwordStdin?: boolean;
  /** Only ever set to be refused. */
  readonly password?: string | boolean;
}

export const PASSWORD_ARGV_REFUSAL =
  'passwords are never taken from the command line (shell history and `ps` would keep them): type it at the prompt, or pipe it with --password-stdin';

/** A new password, from stdin or asked twice at the terminal. */
export async function newPassword(io: UsersIo, opts: PasswordOptions, account: AccountKey): Promise<string> {
  if (opts.password !== undefined) throw new CliError(PASSWORD_ARGV_REFUSAL, 2);
  if (opts.passwordStdin) return passwordFromStdin(await io.readStdin());
  if (!io.askSecret) throw new CliError('no terminal to ask for the password on: pipe it with --password-stdin', 2);
  const first = await io.askSecret(`New password for ${qualified(account)}: `);
  if (first === '') throw new CliError('the password is empty; nothing changed');
  const second = await io.askSecret('Retype the new password: ');
  if (first !== second) throw new CliError('the passwords do not match; nothing changed');
  return first;
}

// ---------------------------------------------------------------------------
// Listing.

/** Lockout as it stands at `now`, in words. */
export function lockoutText(a: AccountSummary, now: number): string {
  if (isLockedOut(a.lockout, now)) return a.lockout.lockedUntil === FOREVER ? 'locked (until unlocked)' : `locked until ${formatTime(a.lockout.lockedUntil ?? 0)}`;
  if (a.lockout.failedCount > 0 && a.lockout.lockedUntil === undefined) {
    return `${a.lockout.failedCount} bad password${a.lockout.failedCount === 1 ? '' : 's'}${a.lockout.lastFailureAt !== undefined ? `, last ${formatTime(a.lockout.lastFailureAt)}` : ''}`;
  }
  return '-';
}

export function formatUserList(accounts: readonly AccountSummary[], now: number): string {
  if (accounts.length === 0) return '(no accounts)';
  return table(
    ['account', 'SID', 'enabled', 'lockout', 'groups', 'password set'],
    accounts.map((a) => [qualified(a), a.sid, a.enabled ? 'yes' : 'no', lockoutText(a, now), a.groups.join(', ') || '-', formatTime(a.passwordSetAt)]),
  );
}

/** `users list --json`: summaries only (the store does not even read hashes for a listing). */
export function userListJson(accounts: readonly AccountSummary[], now: number): object[] {
  return accounts.map((a) => ({
    domain: a.domain,
    name: a.name,
    sid: a.sid,
    enabled: a.enabled,
    groups: a.groups,
    passwordSetAt: new Date(a.passwordSetAt).toISOString(),
    createdAt: new Date(a.createdAt).toISOString(),
    lockedOut: isLockedOut(a.lockout, now),
    lockedUntil: a.lockout.lockedUntil === undefined ? null : a.lockout.lockedUntil === FOREVER ? 'until unlocked' : new Date(a.lockout.lockedUntil).toISOString(),
    failedCount: a.lockout.failedCount,
  }));
}

// ---------------------------------------------------------------------------
// Which accounts this server can log on.

/**
 * Why `key` can never log on to a `serve` with these names, or undefined when it can. `serve`
 * is the domain controller of `netbiosDomainName` (its dcName is its own computer name, so it
 * has no local accounts): a logon naming any other domain is read as that domain
 * (src/authority/local/resolve.ts, as a DC reads a domain it does not trust), so an account stored
 * under another domain is never looked up. It is a warning, not an error: a PostgreSQL store
 * may be shared with gateways configured for that domain.
 */
export function unreachableAccount(key: AccountKey, names: { readonly netbiosDomainName: string }, configFile: string | undefined): string | undefined {
  const domain = names.netbiosDomainName;
  if (nameKey(key.domain) === nameKey(domain)) return undefined;
  const where = configFile === undefined ? `${domain} (the default without --config)` : `${domain} (names.netbiosDomainName in ${configFile})`;
  return [
    `warning: ${qualified(key)} can never log on to this server: its domain is ${where}, and a logon naming ${key.domain}\\${key.name}`,
    `is looked up as ${domain}\\${key.name}, as a domain controller reads a domain it does not trust (docs/authority.md).`,
    `Use '${domain}\\${key.name}', or set names.netbiosDomainName: ${key.domain} in ntlmgate.yaml and pass it with --config.`,
  ].join('\n');
}

interface ServerView {
  readonly names: { readonly netbiosDomainName: string };
  /** The account store to use: --store when given, else the configuration's authority.store. */
  readonly store: string;
}

/** The server `--config` describes (the embedded defaults without one), and the store to write. */
async function serverView(opts: StoreOpt & ConfigOpt, cmd: Command): Promise<ServerView> {
  let config;
  try {
    config = await loadServeConfig(opts.config);
  } catch (e) {
    if (e instanceof ServeConfigError) throw new CliError(e.message, 2);
    throw e;
  }
  const storeGiven = cmd.getOptionValueSource('store') !== 'default';
  return { names: config.names, store: opts.config !== undefined && !storeGiven ? config.authority.store : opts.store };
}

const CONFIG_OPTION = [
  '-c, --config <file>',
  'the server\'s ntlmgate.yaml: check accounts against its domain, and use its authority.store unless --store is given (default: the embedded defaults, domain NTLMGATE)',
] as const;

// ---------------------------------------------------------------------------
// `users import`: the service is authority/import; this renders its errors with the options that fix them.

/** At most this many existing accounts are listed when an import refuses them. */
const MAX_LISTED = 20;

/** An AccountImportError as the CLI reports it: every problem with its file and line, and the option that helps. */
export function importErrorToCli(e: AccountImportError): CliError {
  switch (e.code) {
    case 'invalid-rows': {
      const n = e.problems.length;
      const lines = e.problems.map((p) => `${e.source}:${p.line}: ${p.text}${p.needsDomain ? ': give one with --domain' : ''}`);
      return new CliError(`nothing imported; ${n} problem${n === 1 ? '' : 's'}:\n${lines.join('\n')}`);
    }
    case 'exists': {
      const n = e.problems.length;
      const shown = e.problems.slice(0, MAX_LISTED).map((p) => `  line ${p.line}: ${p.text}`);
      if (n > MAX_LISTED) shown.push(`  … and ${n - MAX_LISTED} more`);
      return new CliError(`nothing imported; ${n} account${n === 1 ? ' exists' : 's exist'} already (--update replaces their NT hashes):\n${shown.join('\n')}`);
    }
    case 'domain-not-applicable':
      return new CliError('--domain applies to password-dump lines (name:id:LM:NT:…); CSV rows name their domain', 2);
    case 'bad-domain':
      return new CliError(e.message, 2);
    case 'unreadable':
    case 'empty':
      return new CliError(e.message);
  }
}

/** Rethrows an AccountImportError as the CLI's error, anything else as it is. */
function importFailed(e: unknown): never {
  throw e instanceof AccountImportError ? importErrorToCli(e) : e;
}

// ---------------------------------------------------------------------------
// Commands.

interface StoreOpt {
  readonly store: string;
}
interface DomainOpt {
  readonly domain?: string;
}
interface ConfigOpt {
  readonly config?: string;
}

/** `--password` exists only to be refused with an explanation (commander would otherwise say "unknown option"). */
const passwordTrap = (): Option => new Option('--password [value]', 'refused: see --password-stdin').hideHelp();

export function registerUsers(program: Command, io: UsersIo = defaultIo()): void {
  const users = program
    .command('users')
    .summary('manage the accounts ntlmgate validates (LocalAuthority)')
    .description(
      'Accounts of the account store: domain accounts (CORP\\alice) and servers\' local accounts (WEB1\\admin). ' +
        'Only NT hashes are stored; passwords are read at a no-echo prompt or with --password-stdin, never from the command line.',
    );
  const domainOption = ['--domain <name>', 'NetBIOS domain of an account given without one'] as const;

  users
    .command('add')
    .summary('create an account')
    .argument('<account>', 'DOMAIN\\name (a local account: SERVER\\name)')
    .option(...STORE_OPTION)
    .option(...domainOption)
    .option('--group <group...>', 'join these groups (DOMAIN\\group, or a group of the account\'s domain)')
    .option('--disabled', 'create the account disabled')
    .option('--password-stdin', 'read the password from one line on stdin instead of prompting')
    .option(...CONFIG_OPTION)
    .addOption(passwordTrap())
    .action(async (text: string, opts: StoreOpt & DomainOpt & PasswordOptions & ConfigOpt & { group?: string[]; disabled?: boolean }, cmd: Command) => {
      if (opts.password !== undefined) throw new CliError(PASSWORD_ARGV_REFUSAL, 2);
      const key = accountArg(text, opts.domain);
      const groups = (opts.group ?? []).map((g) => accountArg(g, key.domain, 'group', false));
      const server = await serverView(opts, cmd);
      const unreachable = unreachableAccount(key, server.names, opts.config);
      if (unreachable) (io.warn ?? writeErr)(unreachable);
      await withAccountStore(io, server.store, async (store) => {
        // Ask only once the account can be created: no typing a password twice for a name that is taken.
        if (await store.getAccount(key)) throw new CliError(`account ${qualified(key)} exists already`);
        const known = new Set((await store.listGroups()).map((g) => nameKey(qualified(g))));
        const missing = groups.find((g) => !known.has(nameKey(qualified(g))));
        if (missing) throw new CliError(`no group ${qualified(missing)} (create it with: ntlmgate groups add ${qualified(missing)})`);
        const password = await newPassword(io, opts, key);
        await store.addAccounts([{ ...key, ntHash: ntHashOfPassword(password), enabled: !opts.disabled, groups }], { now: io.now() });
        const sid = (await store.getAccount(key))?.sid;
        io.write(`added ${qualified(key)}${sid ? ` (${sid})` : ''}${opts.disabled ? ', disabled' : ''}`);
      });
    });

  users
    .command('remove')
    .summary('delete an account')
    .argument('<account>', 'DOMAIN\\name')
    .option(...STORE_OPTION)
    .option(...domainOption)
    .action(async (text: string, opts: StoreOpt & DomainOpt) => {
      const key = accountArg(text, opts.domain);
      await withAccountStore(io, opts.store, async (store) => {
        await store.removeAccount(key);
        io.write(`removed ${qualified(key)}`);
      });
    });

  users
    .command('list')
    .summary('list accounts (never their hashes)')
    .option(...STORE_OPTION)
    .option('--domain <name>', 'only this domain (or server, for local accounts)')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: StoreOpt & DomainOpt & { json?: boolean }) => {
      await withAccountStore(io, opts.store, async (store) => {
        const accounts = await store.listAccounts(opts.domain !== undefined ? { domain: opts.domain } : {});
        io.write(opts.json ? JSON.stringify(userListJson(accounts, io.now()), null, 2) : formatUserList(accounts, io.now()));
      });
    });

  users
    .command('passwd')
    .summary('set an account\'s password')
    .argument('<account>', 'DOMAIN\\name')
    .option(...STORE_OPTION)
    .option(...domainOption)
    .option('--password-stdin', 'read the password from one line on stdin instead of prompting')
    .addOption(passwordTrap())
    .action(async (text: string, opts: StoreOpt & DomainOpt & PasswordOptions) => {
      if (opts.password !== undefined) throw new CliError(PASSWORD_ARGV_REFUSAL, 2);
      const key = accountArg(text, opts.domain);
      await withAccountStore(io, opts.store, async (store) => {
        // Ask only for an account that exists: no point typing a password twice for a typo.
        if (!(await store.getAccount(key))) throw new CliError(`no account ${qualified(key)}`);
        const password = await newPassword(io, opts, key);
        await store.setPassword(key, ntHashOfPassword(password), io.now());
        io.write(`password of ${qualified(key)} changed`);
      });
    });

  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    users
      .command(name)
      .summary(`${name} an account (a disabled one is refused after a correct password)`)
      .argument('<account>', 'DOMAIN\\name')
      .option(...STORE_OPTION)
      .option(...domainOption)
      .action(async (text: string, opts: StoreOpt & DomainOpt) => {
        const key = accountArg(text, opts.domain);
        await withAccountStore(io, opts.store, async (store) => {
          await store.setEnabled(key, enabled);
          io.write(`${qualified(key)} ${enabled ? 'enabled' : 'disabled'}`);
        });
      });
  }

  users
    .command('unlock')
    .summary('lift a lockout and reset the bad-password count')
    .argument('<account>', 'DOMAIN\\name')
    .option(...STORE_OPTION)
    .option(...domainOption)
    .action(async (text: string, opts: StoreOpt & DomainOpt) => {
      const key = accountArg(text, opts.domain);
      await withAccountStore(io, opts.store, async (store) => {
        let before = UNLOCKED;
        await store.updateLockout(key, (s) => {
          before = s;
          return UNLOCKED;
        });
        const now = io.now();
        io.write(
          isLockedOut(before, now)
            ? `unlocked ${qualified(key)}`
            : `${qualified(key)} was not locked${before.failedCount > 0 ? `; bad-password count (${before.failedCount}) reset` : ''}`,
        );
      });
    });

  users
    .command('import')
    .summary('import accounts by NT hash (CSV, or pdbedit -w / pwdump / secretsdump lines)')
    .description(
      'Import accounts from another store by NT hash. Either a CSV with columns domain,name,nthash[,groups] (an optional header line ' +
        'with those names; groups separated by ";", each DOMAIN\\group or a group of the account\'s domain, created when missing), ' +
        'or password-dump lines [DOMAIN\\]name:id:LMHASH:NTHASH:… as Samba\'s pdbedit -w, pwdump and secretsdump print them ' +
        '(lines without a domain take --domain; the smbpasswd flag D imports an account disabled; trust accounts are skipped). ' +
        'All rows are checked first; the import is one transaction. "-" reads stdin.',
    )
    .argument('<file>', 'the CSV or password-dump file, or - for stdin')
    .option(...STORE_OPTION)
    .option('--domain <name>', 'NetBIOS domain of password-dump lines that name none (pdbedit -w, pwdump)')
    .option(...CONFIG_OPTION)
    .option('--update', 'replace the NT hash of accounts that exist already (and add their groups) instead of refusing')
    .action(async (file: string, opts: StoreOpt & DomainOpt & ConfigOpt & { update?: boolean }, cmd: Command) => {
      let text: string;
      try {
        text = file === '-' ? await io.readStdin() : await readFile(file, 'utf8');
      } catch (e) {
        throw new CliError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const badDomain = opts.domain === undefined ? undefined : netbiosProblem(opts.domain);
      if (badDomain) throw new CliError(`--domain ${JSON.stringify(opts.domain)} ${badDomain}`, 2);
      const source = file === '-' ? 'stdin' : file;
      let parsed: ParsedImport;
      try {
        parsed = parseAccountImport(text, source, opts.domain);
      } catch (e) {
        importFailed(e);
      }
      const { rows, skipped } = parsed;
      const server = await serverView(opts, cmd);
      const names = server.names;
      const foreign = rows.filter((r) => unreachableAccount(r, names, opts.config) !== undefined);
      const first = foreign[0];
      if (first) {
        const more = foreign.length > 1 ? ` (and ${foreign.length - 1} more account${foreign.length === 2 ? '' : 's'} outside ${names.netbiosDomainName})` : '';
        (io.warn ?? writeErr)(`${unreachableAccount(first, names, opts.config) ?? ''}${more}`);
      }
      await withAccountStore(io, server.store, async (store) => {
        const s = await importAccounts(store, rows, { update: opts.update === true, now: io.now(), source }).catch(importFailed);
        const parts = [`imported ${rows.length} account${rows.length === 1 ? '' : 's'} (${s.created} created, ${s.updated} updated)`];
        if (s.groupsCreated.length > 0) parts.push(`created groups: ${s.groupsCreated.join(', ')}`);
        if (skipped.length > 0) parts.push(`skipped ${skipped.length} trust account${skipped.length === 1 ? '' : 's'}`);
        io.write(parts.join('; '));
      });
    });

}
