/**
 * `ntlmgate users import` as a command over the import service (src/authority/import/, tested
 * in test/authority/import/): the spawned CLI on `pdbedit -w` output, how the service's typed
 * errors are printed (file:line, the option that helps, exit codes), and the warning `users add`
 * / `users import` give for an account whose domain is not the server's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { AccountImportError, parseAccountImport } from '../../src/authority/import/accountImport.js';
import { openAccountStore } from '../../src/authority/local/openAccountStore.js';
import { importErrorToCli, registerUsers, unreachableAccount, type UsersIo } from '../../src/cli/commands/users.js';
import type { CliError } from '../../src/cli/errors.js';
import { logOnToStore } from '../authority/helpers.js';
import { LM_NONE, PASSWORD, PDBEDIT } from '../authority/import/pdbedit.js';

const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-import-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshStore = (): string => `sqlite:${join(dir, `s${++n}`, 'accounts.db')}`;

/** The CLI error an import failure becomes. */
function cliErrorOf(fn: () => unknown): CliError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AccountImportError, String(e));
    return importErrorToCli(e);
  }
  assert.fail('no error');
}

describe('import errors as the CLI prints them', () => {
  it('every problem as file:line, the lines without a domain pointing at --domain; exit 1', () => {
    const text = [`nopw:1001:${LM_NONE}:NO PASSWORDXXXXXXXXXXXXXXXXXXXXX:[NU         ]:LCT-1:`, `CORP\\bad:1002:${LM_NONE}:1234:[U          ]:LCT-1:`].join('\n');
    const e = cliErrorOf(() => parseAccountImport(text, 'f'));
    assert.equal(e.exitCode, 1);
    assert.equal(e.message, 'nothing imported; 2 problems:\nf:1: "nopw" names no domain: give one with --domain\nf:2: nthash is not 32 hexadecimal digits');
  });

  it('--domain with CSV is a usage error (exit 2)', () => {
    const e = cliErrorOf(() => parseAccountImport(`CORP,alice,${PASSWORD}\n`, 'a.csv', 'CORP'));
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /^--domain applies to password-dump lines/);
  });

  it('existing accounts: listed with their lines (at most 20), and --update named', () => {
    const problems = Array.from({ length: 23 }, (_, i) => ({ line: i + 1, text: `CORP\\u${i + 1}` }));
    const e = importErrorToCli(new AccountImportError('exists', 'a.csv', 'nothing imported', problems));
    const lines = e.message.split('\n');
    assert.equal(lines[0], 'nothing imported; 23 accounts exist already (--update replaces their NT hashes):');
    assert.equal(lines[1], '  line 1: CORP\\u1');
    assert.equal(lines.length, 22);
    assert.equal(lines.at(-1), '  … and 3 more');
  });
});

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ntlmgate = (args: readonly string[], input = '') => spawnSync(process.execPath, [MAIN, ...args], { input, encoding: 'utf8', timeout: 30_000, cwd: dir });

describe('ntlmgate users import <pdbedit -w output> (spawned)', () => {
  it('imports the users, and their hashes log on', async () => {
    const file = join(dir, 'pdbedit.txt');
    writeFileSync(file, PDBEDIT);
    const store = freshStore();
    const r = ntlmgate(['users', 'import', file, '--domain', 'CORP', '--store', store, '-c', writeConfig('CORP')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'imported 2 accounts (2 created, 0 updated); skipped 1 trust account\n');
    assert.equal(r.stderr, '');
    assert.equal(await logOnToStore(store, 'alice', 'password'), 'ok');
    assert.equal(await logOnToStore(store, 'alice', 'wrong'), 'logon-failure STATUS_LOGON_FAILURE');
    assert.equal(await logOnToStore(store, 'old', 'Secret1!'), 'logon-failure STATUS_ACCOUNT_DISABLED');
  });

  it('without --domain it names the lines that need one and writes nothing (exit 1)', async () => {
    const file = join(dir, 'pdbedit2.txt');
    writeFileSync(file, PDBEDIT);
    const store = freshStore();
    const r = ntlmgate(['users', 'import', file, '--store', store]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /pdbedit2\.txt:1: "alice" names no domain: give one with --domain/);
    const s = await openAccountStore(store);
    assert.deepEqual(await s.listAccounts(), []);
    await s.close();
  });
});

function writeConfig(domain: string): string {
  const file = join(dir, `ntlmgate-${domain}.yaml`);
  writeFileSync(file, `names:\n  netbiosDomainName: ${domain}\n`);
  return file;
}

describe('an account outside the server\'s domain', () => {
  it('unreachableAccount says which domain the server has and what the logon is looked up as', () => {
    const w = unreachableAccount({ domain: 'CORP', name: 'alice' }, { netbiosDomainName: 'NTLMGATE' }, undefined);
    assert.match(w ?? '', /CORP\\alice can never log on to this server: its domain is NTLMGATE \(the default without --config\)/);
    assert.match(w ?? '', /is looked up as NTLMGATE\\alice/);
    assert.match(w ?? '', /Use 'NTLMGATE\\alice', or set names.netbiosDomainName: CORP/);
    assert.equal(unreachableAccount({ domain: 'corp', name: 'alice' }, { netbiosDomainName: 'CORP' }, 'x.yaml'), undefined);
  });

  it('users add warns on stderr (and still adds: a shared store may serve that domain elsewhere); --config names the domain', async () => {
    const out: string[] = [];
    const warnings: string[] = [];
    const io: UsersIo = { write: (t) => void out.push(t), warn: (t) => void warnings.push(t), readStdin: async () => 'S3cret!\n', now: Date.now, openStore: (u) => openAccountStore(u) };
    const run = async (...args: string[]): Promise<void> => {
      const program = new Command('ntlmgate').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
      registerUsers(program, io);
      await program.parseAsync(args, { from: 'user' });
    };
    const store = freshStore();
    await run('users', 'add', 'CORP\\alice', '--password-stdin', '--store', store);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /its domain is NTLMGATE \(the default without --config\)/);
    assert.match(out.at(-1) ?? '', /^added CORP\\alice/);
    await run('users', 'add', 'CORP\\bob', '--password-stdin', '--store', store, '--config', writeConfig('CORP'));
    await run('users', 'add', 'NTLMGATE\\carol', '--password-stdin', '--store', store);
    assert.equal(warnings.length, 1, 'no warning for accounts of the server\'s domain');
  });

  it('with --config and no --store, users add writes the configuration\'s account store', async () => {
    const state = join(dir, 'state-of-config');
    const file = join(dir, 'with-state.yaml');
    writeFileSync(file, `stateDir: ${state}\nnames:\n  netbiosDomainName: CORP\n`);
    const r = ntlmgate(['users', 'add', 'CORP\\erin', '--password-stdin', '--config', file], 'S3cret!\n');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'CORP is the configured domain: no warning');
    const s = await openAccountStore(`sqlite:${join(state, 'accounts.db')}`);
    assert.equal((await s.getAccount({ domain: 'CORP', name: 'erin' }))?.name, 'erin');
    await s.close();
    const other = freshStore();
    const r2 = ntlmgate(['users', 'add', 'CORP\\frank', '--password-stdin', '--config', file, '--store', other], 'S3cret!\n');
    assert.equal(r2.status, 0, r2.stderr);
    const o = await openAccountStore(other);
    assert.equal((await o.getAccount({ domain: 'CORP', name: 'frank' }))?.name, 'frank', '--store wins over the configuration');
    await o.close();
  });

  it('the spawned CLI prints the warning to stderr, exit 0', () => {
    const r = ntlmgate(['users', 'add', 'CORP\\dave', '--password-stdin', '--store', freshStore()], 'S3cret!\n');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^warning: CORP\\dave can never log on to this server/);
  });
});
