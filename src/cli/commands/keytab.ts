/**
 * `ntlmgate keytab add | list | remove`: MIT keytab files (0x0502) for the Kerberos acceptor,
 * built from a service account's password and salt as `ktpass` builds them on Windows.
 *
 * The password comes from a no-echo prompt (asked twice: a mistyped one makes keys that fail
 * only at the first logon) or one line on stdin (`--password-stdin`), never from the command
 * line; a `--password` option is refused. Key bytes are printed only by `list --keys`, as
 * `klist -K` does. The entries are made by src/kerberos/keytabEntries.ts; this file does the I/O.
 */
import { Option, type Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { decodeKeytab, encodeKeytab, type KeytabEntry } from '../../kerberos/keytab.js';
import {
  chooseSalt,
  DEFAULT_KEYTAB_ENCTYPES,
  enctypeName,
  entryLabel,
  KeytabEntriesError,
  keytabEntriesFromPassword,
  mergeKeytabEntries,
  parseEnctypes,
  parseKeytabPrincipal,
  parseKvno,
  removeKeytabEntries,
} from '../../kerberos/keytabEntries.js';
import { formatPrincipal } from '../../kerberos/messages/principalName.js';
import { KerberosDecodeError } from '../../kerberos/errors.js';
import { CliError } from '../errors.js';
import { readStdin, writeOut } from '../io.js';
import { passwordFromStdin, terminalSecretPrompt } from '../prompt.js';
import { table } from '../table.js';
import { PASSWORD_ARGV_REFUSAL } from './users.js';

export interface KeytabIo {
  readonly write: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  /** Asks for a secret without echo; undefined when there is no terminal to ask on. */
  readonly askSecret?: (question: string) => Promise<string>;
  readonly now: () => number;
}

function defaultIo(): KeytabIo {
  return { write: writeOut, readStdin, askSecret: terminalSecretPrompt(), now: Date.now };
}

/** Bad input from the command line is a usage error (exit 2). */
function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KeytabEntriesError) throw new CliError(e.message, 2);
    throw e;
  }
}

/** The entries of `file`; `missingOk` makes an absent file an empty keytab (for `add`). */
async function readKeytab(file: string, missingOk: boolean): Promise<KeytabEntry[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if (missingOk && (e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  try {
    return decodeKeytab(bytes);
  } catch (e) {
    if (e instanceof KerberosDecodeError) throw new CliError(`${file} is not a keytab ntlmgate can read: ${e.message}`);
    throw e;
  }
}

/**
 * Replaces `file` whole (a temporary file renamed over it, so a reader never sees half a
 * keytab). A new keytab is 0600: it holds keys that impersonate the service to anyone.
 */
async function writeKeytab(file: string, entries: readonly KeytabEntry[]): Promise<void> {
  const mode = await stat(file).then((s) => s.mode & 0o777, (e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return 0o600;
    throw e;
  });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, encodeKeytab(entries), { mode, flag: 'wx' });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

interface AddOptions {
  readonly account?: string;
  readonly kvno: string;
  readonly enctypes?: string;
  readonly salt?: string;
  readonly passwordStdin?: boolean;
  /** Only ever set to be refused. */
  readonly password?: string | boolean;
}

async function readPassword(io: KeytabIo, opts: AddOptions, account: string): Promise<string> {
  if (opts.passwordStdin) return passwordFromStdin(await io.readStdin());
  if (!io.askSecret) throw new CliError('no terminal to ask for the password on: pipe it with --password-stdin', 2);
  const first = await io.askSecret(`Password of ${account}: `);
  if (first === '') throw new CliError('the password is empty; nothing written');
  const second = await io.askSecret('Retype the password: ');
  if (first !== second) throw new CliError('the passwords do not match; nothing written');
  return first;
}

export function registerKeytab(program: Command, io: KeytabIo = defaultIo()): void {
  const keytab = program
    .command('keytab')
    .summary('make and inspect keytabs for the Kerberos acceptor')
    .description(
      'MIT keytab files (format 0x0502) holding a service\'s long-term keys, made from the password of the AD account that holds the SPN ' +
        '(what ktpass does). Passwords are read at a no-echo prompt or with --password-stdin, never from the command line.',
    );

  keytab
    .command('add')
    .summary('add keys made from a password (creates the file, mode 0600)')
    .argument('<file>', 'the keytab (created when missing; existing entries are kept)')
    .argument('<principal>', 'the service principal, e.g. HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST')
    .option('--account <name>', 'sAMAccountName of the AD account holding the SPN: its salt is used (alice → REALMalice, WEB1$ → the computer salt); without it, the principal\'s own RFC 4120 salt (right for MIT/Heimdal KDCs, not for AD)')
    .requiredOption('--kvno <n>', 'key version number: the account\'s msDS-KeyVersionNumber (required: a wrong one makes every ticket fail with no-key)')
    .option('--enctypes <list>', 'comma-separated: aes256, aes128, rc4, aes128-sha2, aes256-sha2 (default: aes256,aes128)')
    .option('--salt <salt>', 'use this salt instead of the account\'s')
    .option('--password-stdin', 'read the password from one line on stdin instead of prompting')
    .addOption(new Option('--password [value]', 'refused: see --password-stdin').hideHelp())
    .action(async (file: string, principalText: string, opts: AddOptions) => {
      if (opts.password !== undefined) throw new CliError(PASSWORD_ARGV_REFUSAL, 2);
      const principal = usage(() => parseKeytabPrincipal(principalText));
      const kvno = usage(() => parseKvno(opts.kvno));
      const enctypes = opts.enctypes === undefined ? DEFAULT_KEYTAB_ENCTYPES : usage(() => parseEnctypes(opts.enctypes as string));
      const salt = usage(() => chooseSalt(principal, { account: opts.account, salt: opts.salt }));
      // Read the file before asking: no typing a password for a keytab that cannot be read.
      const existing = await readKeytab(file, true);
      const password = await readPassword(io, opts, opts.account ?? formatPrincipal(principal));
      const added = usage(() => keytabEntriesFromPassword({ principal, password, salt: salt.salt, kvno, enctypes, timestamp: new Date(io.now()) }));
      const merged = mergeKeytabEntries(existing, added);
      await writeKeytab(file, merged.entries);
      const saltNote =
        salt.source === 'explicit' ? 'the salt given with --salt'
        : salt.source === 'account' ? `the salt of account ${opts.account ?? ''}`
        : 'the principal\'s own RFC 4120 salt (no --account: AD salts with the account holding the SPN)';
      io.write(`${file}: added ${added.map(entryLabel).join(', ')}${merged.replaced > 0 ? ` (replacing ${merged.replaced})` : ''}; salt ${JSON.stringify(salt.salt)}, ${saltNote}`);
    });

  keytab
    .command('list')
    .summary('list the entries (no key bytes unless --keys)')
    .argument('<file>', 'the keytab')
    .option('--keys', 'show the key bytes in hex (like klist -K): they are secrets')
    .action(async (file: string, opts: { keys?: boolean }) => {
      const entries = await readKeytab(file, false);
      if (entries.length === 0) {
        io.write('(no entries)');
        return;
      }
      const header = ['principal', 'kvno', 'enctype', 'timestamp', ...(opts.keys ? ['key'] : [])];
      io.write(
        table(
          header,
          entries.map((e) => [
            formatPrincipal(e.principal),
            String(e.kvno),
            enctypeName(e.key.keytype),
            e.timestamp.toISOString().replace(/\.\d{3}Z$/, 'Z'),
            ...(opts.keys ? [Buffer.from(e.key.keyvalue).toString('hex')] : []),
          ]),
        ),
      );
    });

  keytab
    .command('remove')
    .summary('remove a principal\'s entries')
    .argument('<file>', 'the keytab')
    .argument('<principal>', 'the principal whose entries go')
    .option('--kvno <n>', 'only the entries of this key version')
    .action(async (file: string, principalText: string, opts: { kvno?: string }) => {
      const principal = usage(() => parseKeytabPrincipal(principalText));
      const kvno = opts.kvno === undefined ? undefined : usage(() => parseKvno(opts.kvno as string));
      const existing = await readKeytab(file, false);
      const r = removeKeytabEntries(existing, principal, kvno);
      if (r.removed.length === 0) throw new CliError(`${file} has no entries for ${formatPrincipal(principal)}${kvno === undefined ? '' : ` with kvno ${kvno}`}`);
      await writeKeytab(file, r.entries);
      io.write(`${file}: removed ${r.removed.map(entryLabel).join(', ')}`);
    });
}
