/**
 * `ntlmgate users import` of password-dump lines (Samba's `pdbedit -w`, pwdump, secretsdump),
 * and the warning `users add` / `users import` give for an account whose domain is not the
 * server's. The imported hashes are checked by logging on with them through LocalAuthority.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { LocalAuthority } from '../../src/authority/localAuthority.js';
import { openAccountStore } from '../../src/authority/openAccountStore.js';
import { isPasswordDump, parseAccountImport, parsePasswordDump } from '../../src/cli/commands/accountImport.js';
import { registerUsers, unreachableAccount, type UsersIo } from '../../src/cli/commands/users.js';
import { CliError } from '../../src/cli/errors.js';
import { NtlmClientContext } from '../../src/ntlm/clientContext.js';
import { NtlmServerContext } from '../../src/ntlm/serverContext.js';
import { loadPolicy } from '../../src/policy/load.js';

const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshStore = (): string => `sqlite:${join(dir, `s${++n}`, 'accounts.db')}`;

// NTOWFv1("password") and NTOWFv1("Secret1!"), in the upper case smbpasswd(5) writes.
const PASSWORD = '8846F7EAEE8FB117AD06BDD830B7586C';
const SECRET1 = '2B0FD3FACA9A8ACD5FDFFF6ECAE2C207';
const LM_NONE = 'X'.repeat(32);

/** What `pdbedit -w -L` prints: smbpasswd(5) lines, including a disabled user and a machine trust account. */
const PDBEDIT = [
  `alice:1000:${LM_NONE}:${PASSWORD}:[U          ]:LCT-65A1B2C3:`,
  `old:1001:${LM_NONE}:${SECRET1}:[DU         ]:LCT-65A1B2C3:`,
  `ws01$:1002:${LM_NONE}:0CB6948805F797BF2A82807973B89537:[W          ]:LCT-65A1B2C3:`,
  '',
].join('\n');

const problems = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CliError, String(e));
    return e.message;
  }
  assert.fail('no error');
};

describe('password-dump lines', () => {
  it('pdbedit -w: domain from --domain, flag D imports disabled, trust accounts are skipped, the LM hash is ignored', () => {
    assert.equal(isPasswordDump(PDBEDIT), true);
    const { rows, skipped } = parseAccountImport(PDBEDIT, 'samba.txt', 'CORP');
    assert.deepEqual(
      rows.map((r) => [r.line, r.domain, r.name, Buffer.from(r.ntHash).toString('hex'), r.enabled]),
      [
        [1, 'CORP', 'alice', PASSWORD.toLowerCase(), true],
        [2, 'CORP', 'old', SECRET1.toLowerCase(), false],
      ],
    );
    assert.deepEqual(skipped, ['samba.txt:3: ws01$ is a trust account (flags [W])']);
  });

  it('secretsdump (DOMAIN\\name, with its progress lines and machine accounts) and pwdump (name, with --domain) lines', () => {
    const text = `[*] Dumping Domain Credentials (domain\\uid:rid:lmhash:nthash)\r\n[*] Using the DRSUAPI method to get NTDS.DIT secrets\r\nCORP\\WS01$:1106:aad3b435b51404eeaad3b435b51404ee:0cb6948805f797bf2a82807973b89537:::\r\nCORP\\alice:1104:aad3b435b51404eeaad3b435b51404ee:${PASSWORD.toLowerCase()}:::\r\n\r\nbob:1105:aad3b435b51404eeaad3b435b51404ee:A4F49C406510BDCAB6824EE7C30FD852:::\r\n`;
    const { rows, skipped } = parsePasswordDump(text, 'dump', 'WEB1');
    assert.deepEqual(
      rows.map((r) => [r.line, r.domain, r.name, r.enabled]),
      [
        [4, 'CORP', 'alice', true],
        [6, 'WEB1', 'bob', true],
      ],
    );
    assert.deepEqual(skipped, ['dump:3: CORP\\WS01$ is a trust account (a name ending in $)']);
  });

  it('every problem is reported with its line, never the hash, and nothing is returned', () => {
    const text = [
      `alice:1000:${LM_NONE}:${PASSWORD}:[U          ]:LCT-1:`,
      `nopw:1001:${LM_NONE}:NO PASSWORDXXXXXXXXXXXXXXXXXXXXX:[NU         ]:LCT-1:`,
      `bad:1002:${LM_NONE}:1234:[U          ]:LCT-1:`,
      `ALICE:1003:${LM_NONE}:A4F49C406510BDCAB6824EE7C30FD852:[U          ]:LCT-1:`,
      `empty:1004:${LM_NONE}:31D6CFE0D16AE931B73C59D7E0C089C0:[U          ]:LCT-1:`,
    ].join('\n');
    const m = problems(() => parsePasswordDump(text, 'f', 'CORP'));
    assert.match(m, /^nothing imported; 4 problems:/);
    assert.match(m, /^f:2: nopw has no NT hash/m);
    assert.match(m, /^f:3: nthash is not 32 hexadecimal digits/m);
    assert.match(m, /^f:4: CORP\\ALICE is also on line 1/m);
    assert.match(m, /^f:5: nthash is the NT hash of the empty password/m);
    assert.doesNotMatch(m, /a4f49c|A4F49C|8846/i);
    assert.match(problems(() => parsePasswordDump(PDBEDIT, 'f')), /f:1: "alice" names no domain: give one with --domain/);
  });

  it('CSV stays CSV; --domain with CSV is a usage error', () => {
    const csv = `domain,name,nthash\nCORP,alice,${PASSWORD}\n`;
    assert.equal(isPasswordDump(csv), false);
    assert.equal(parseAccountImport(csv, 'a.csv').rows[0]?.name, 'alice');
    assert.throws(() => parseAccountImport(csv, 'a.csv', 'CORP'), (e: unknown) => e instanceof CliError && e.exitCode === 2);
  });
});

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ntlmgate = (args: readonly string[], input = '') => spawnSync(process.execPath, [MAIN, ...args], { input, encoding: 'utf8', timeout: 30_000, cwd: dir });

/** One NTLMv2 logon through LocalAuthority (the DC for CORP) on `store`. */
async function logOn(store: string, user: string, password: string): Promise<string> {
  const s = await openAccountStore(store);
  try {
    const authority = new LocalAuthority({ store: s, domain: { netbios: 'CORP' }, dcName: 'WEB1', policy: loadPolicy({}), lockout: { threshold: 0, windowMs: 60_000, durationMs: 60_000 } });
    const server = new NtlmServerContext({ authority, netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP' });
    const client = new NtlmClientContext({ credentials: { user, domain: 'CORP', password }, workstation: 'WS01' });
    const challenge = await server.step(client.negotiate());
    assert.equal(challenge.status, 'continue');
    if (challenge.status !== 'continue') return 'no challenge';
    const done = await server.step(client.authenticate(challenge.token));
    return done.status === 'complete' ? 'ok' : done.status === 'failed' ? `${done.failure.reason} ${done.failure.status ?? ''}` : done.status;
  } finally {
    await s.close();
  }
}

describe('ntlmgate users import <pdbedit -w output> (spawned)', () => {
  it('imports the users, and their hashes log on', async () => {
    const file = join(dir, 'pdbedit.txt');
    writeFileSync(file, PDBEDIT);
    const store = freshStore();
    const r = ntlmgate(['users', 'import', file, '--domain', 'CORP', '--store', store, '-c', writeConfig('CORP')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'imported 2 accounts (2 created, 0 updated); skipped 1 trust account\n');
    assert.equal(r.stderr, '');
    assert.equal(await logOn(store, 'alice', 'password'), 'ok');
    assert.equal(await logOn(store, 'alice', 'wrong'), 'logon-failure STATUS_LOGON_FAILURE');
    assert.equal(await logOn(store, 'old', 'Secret1!'), 'logon-failure STATUS_ACCOUNT_DISABLED');
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
