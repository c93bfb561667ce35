/**
 * `ntlmgate keytab add | list | remove` through the built CLI, checked against MIT krb5: klist
 * must read our keytab and show the same key bytes ktutil writes for that password and salt.
 * Missing MIT tools skip here and fail under CI=true (test/peers/install.sh installs krb5-user).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerKeytab, type KeytabIo } from '../../../src/cli/commands/keytab.js';
import { CliError } from '../../../src/cli/errors.js';
import { decodeKeytab } from '../../../src/kerberos/keytab.js';
import { encryptionType } from '../../../src/kerberos/crypto/index.js';
import { PASSWORD_ARGV_REFUSAL } from '../../../src/cli/commands/users.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-keytab-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = (): string => join(dir, `k${++n}.keytab`);

const SPN = 'HTTP/web1.corp.example.test@CORP.EXAMPLE.TEST';
const PASSWORD = 'Ünïcödé Passw0rd!';

function ntlmgate(args: readonly string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { input, encoding: 'utf8', timeout: 30_000, cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function skipUnlessMitTools(): string | false {
  const r = spawnSync('ktutil', ['--help'], { encoding: 'utf8' });
  const k = spawnSync('klist', ['-V'], { encoding: 'utf8' });
  const err = r.error ?? k.error;
  if (!err) return false;
  const why = `needs MIT ktutil and klist (Debian krb5-user; run test/peers/install.sh): ${err.message}`;
  if (process.env['CI'] === 'true') throw new Error(`CI=true but ${why}`);
  return why;
}

interface KlistEntry {
  readonly kvno: number;
  readonly principal: string;
  readonly enctype: string;
  readonly key: string;
}

/** `klist -kte -K`: one entry per line. */
function klist(file: string): KlistEntry[] {
  const r = spawnSync('klist', ['-kte', '-K', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return [...r.stdout.matchAll(/^\s*(\d+) \S+ \S+ (\S+) \((?:DEPRECATED:)?([\w-]+)\)\s+\(0x([0-9a-f]+)\)/gm)].map((m) => ({
    kvno: Number(m[1]),
    principal: m[2] as string,
    enctype: m[3] as string,
    key: m[4] as string,
  }));
}

/** What MIT ktutil writes for `addent -password` with these enctypes and salt. */
function ktutilKeys(principal: string, kvno: number, enctypes: readonly string[], salt: string, password: string): KlistEntry[] {
  const file = freshFile();
  const lines = enctypes.flatMap((e) => [`addent -password -p ${principal} -k ${kvno} -e ${e} -s ${salt}`, password]);
  const r = spawnSync('ktutil', [], { input: [...lines, `wkt ${file}`, 'quit', ''].join('\n'), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return klist(file);
}

describe('ntlmgate keytab (spawned), against MIT klist and ktutil', { skip: skipUnlessMitTools() }, () => {
  it('add with --account: the keys ktutil makes with the account salt, default enctypes aes256+aes128, mode 0600', () => {
    const file = freshFile();
    const r = ntlmgate(['keytab', 'add', file, SPN, '--account', 'svc-web', '--kvno', '3', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /salt "CORP\.EXAMPLE\.TESTsvc-web", the salt of account svc-web/);
    assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD), 'the password is never printed');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const ours = klist(file);
    const mit = ktutilKeys(SPN, 3, ['aes256-cts-hmac-sha1-96', 'aes128-cts-hmac-sha1-96'], 'CORP.EXAMPLE.TESTsvc-web', PASSWORD);
    assert.equal(ours.length, 2);
    assert.deepEqual(ours, mit);
  });

  it('add --account WEB1$ uses the computer salt; --enctypes aes256,aes128,rc4; a second add appends and replaces same principal+kvno+enctype', () => {
    const file = freshFile();
    let r = ntlmgate(['keytab', 'add', file, SPN, '--account', 'WEB1$', '--kvno', '2', '--enctypes', 'aes256,aes128,rc4', '--password-stdin'], 'old-pw\n');
    assert.equal(r.status, 0, r.stderr);
    r = ntlmgate(['keytab', 'add', file, SPN, '--account', 'WEB1$', '--kvno', '2', '--enctypes', 'aes256,aes128,rc4', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\(replacing 3\)/);
    r = ntlmgate(['keytab', 'add', file, 'HTTP/web1@CORP.EXAMPLE.TEST', '--account', 'WEB1$', '--kvno', '2', '--enctypes', 'aes256', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(r.status, 0, r.stderr);
    const salt = 'CORP.EXAMPLE.TESThostweb1.corp.example.test';
    const mit = [
      ...ktutilKeys(SPN, 2, ['aes256-cts-hmac-sha1-96', 'aes128-cts-hmac-sha1-96', 'arcfour-hmac'], salt, PASSWORD),
      ...ktutilKeys('HTTP/web1@CORP.EXAMPLE.TEST', 2, ['aes256-cts-hmac-sha1-96'], salt, PASSWORD),
    ];
    assert.deepEqual(klist(file), mit);
  });

  it('add without --account uses the principal\'s RFC 4120 salt and says so; --salt overrides', () => {
    const file = freshFile();
    let r = ntlmgate(['keytab', 'add', file, SPN, '--kvno', '1', '--enctypes', 'aes128', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /RFC 4120 salt/);
    assert.deepEqual(klist(file), ktutilKeys(SPN, 1, ['aes128-cts-hmac-sha1-96'], 'CORP.EXAMPLE.TESTHTTPweb1.corp.example.test', PASSWORD));
    const other = freshFile();
    r = ntlmgate(['keytab', 'add', other, SPN, '--kvno', '1', '--enctypes', 'aes128', '--salt', 'SOMESALT', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(klist(other), ktutilKeys(SPN, 1, ['aes128-cts-hmac-sha1-96'], 'SOMESALT', PASSWORD));
  });

  it('list shows principal, kvno, enctype and timestamp, and key bytes only with --keys', () => {
    const file = freshFile();
    assert.equal(ntlmgate(['keytab', 'add', file, SPN, '--account', 'svc-web', '--kvno', '5', '--password-stdin'], `${PASSWORD}\n`).status, 0);
    const keys = klist(file).map((e) => e.key);
    let r = ntlmgate(['keytab', 'list', file]);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n');
    assert.match(rows[0] as string, /^principal\s+kvno\s+enctype\s+timestamp$/);
    assert.match(rows[1] as string, /^HTTP\/web1\.corp\.example\.test@CORP\.EXAMPLE\.TEST\s+5\s+aes256-cts-hmac-sha1-96\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(rows[2] as string, /\s5\s+aes128-cts-hmac-sha1-96\s/);
    for (const k of keys) assert.ok(!r.stdout.includes(k), 'no key bytes without --keys');
    r = ntlmgate(['keytab', 'list', file, '--keys']);
    assert.equal(r.status, 0, r.stderr);
    for (const k of keys) assert.ok(r.stdout.includes(k), `--keys shows ${k}`);
  });

  it('remove drops a principal\'s entries (one kvno with --kvno); MIT still reads the file', () => {
    const file = freshFile();
    for (const kvno of ['1', '2']) assert.equal(ntlmgate(['keytab', 'add', file, SPN, '--account', 'svc-web', '--kvno', kvno, '--password-stdin'], `${PASSWORD}\n`).status, 0);
    let r = ntlmgate(['keytab', 'remove', file, SPN, '--kvno', '1']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(klist(file).map((e) => [e.kvno, e.enctype]), [[2, 'aes256-cts-hmac-sha1-96'], [2, 'aes128-cts-hmac-sha1-96']]);
    r = ntlmgate(['keytab', 'remove', file, SPN, '--kvno', '1']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no entries for HTTP\/web1\.corp\.example\.test@CORP\.EXAMPLE\.TEST with kvno 1/);
    r = ntlmgate(['keytab', 'remove', file, SPN]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(ntlmgate(['keytab', 'list', file]).stdout.trim(), '(no entries)');
    assert.deepEqual(klist(file), []);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });
});

describe('ntlmgate keytab (spawned): refusals', () => {
  it('refuses --password with exit 2 and writes nothing', () => {
    const file = freshFile();
    const r = ntlmgate(['keytab', 'add', file, SPN, '--kvno', '1', '--password', 'S3cret!']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), `ntlmgate: ${PASSWORD_ARGV_REFUSAL}`);
    assert.throws(() => statSync(file), /ENOENT/);
  });

  it('a bad principal, an unknown enctype, a bad kvno, a missing --kvno or a qualified --account: exit 2 with a clear message', () => {
    const file = freshFile();
    const cases: [string[], RegExp][] = [
      [['HTTP/web1'], /principal "HTTP\/web1" has no realm/],
      [['HTTP//web1@R'], /empty component/],
      [[SPN, '--enctypes', 'aes256,des'], /unknown enctype "des"/],
      [[SPN, '--kvno', 'x'], /kvno "x" is not a whole number/],
      [[SPN, '--kvno', '0'], /kvno "0" is not a whole number from 1/],
      [[SPN, '--account', 'CORP\\svc-web'], /--account takes the sAMAccountName/],
    ];
    for (const [args, message] of cases) {
      const withKvno = args.includes('--kvno') ? args : [...args, '--kvno', '1'];
      const r = ntlmgate(['keytab', 'add', file, ...withKvno, '--password-stdin'], `${PASSWORD}\n`);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const r = ntlmgate(['keytab', 'add', file, SPN, '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /required option '--kvno <n>'/);
    assert.throws(() => statSync(file), /ENOENT/);
  });

  it('a file that is not a keytab is left alone with exit 1; a missing one for list is exit 2', () => {
    const file = freshFile();
    writeFileSync(file, 'not a keytab');
    let r = ntlmgate(['keytab', 'add', file, SPN, '--kvno', '1', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not a keytab ntlmgate can read/);
    r = ntlmgate(['keytab', 'list', join(dir, 'missing.keytab')]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot open .*missing\.keytab/);
  });

  it('without --password-stdin and no terminal, says so (exit 2)', () => {
    const r = ntlmgate(['keytab', 'add', freshFile(), SPN, '--kvno', '1']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no terminal to ask for the password on: pipe it with --password-stdin/);
  });
});

describe('ntlmgate keytab add at the prompt (in process)', () => {
  async function run(secrets: string[], ...args: string[]): Promise<{ asked: string[]; out: string[] }> {
    const asked: string[] = [];
    const out: string[] = [];
    const io: KeytabIo = {
      write: (t) => void out.push(t),
      readStdin: async () => assert.fail('stdin is not read without --password-stdin'),
      askSecret: async (q) => (asked.push(q), secrets.shift() ?? ''),
      now: () => Date.UTC(2026, 11, 1),
    };
    const program = new Command('ntlmgate').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerKeytab(program, io);
    await program.parseAsync(args, { from: 'user' });
    return { asked, out };
  }

  it('asks twice and writes the keys of that password, stamped with the injected clock', async () => {
    const file = freshFile();
    const r = await run([PASSWORD, PASSWORD], 'keytab', 'add', file, SPN, '--account', 'svc-web', '--kvno', '4', '--enctypes', 'aes256');
    assert.deepEqual(r.asked, ['Password of svc-web: ', 'Retype the password: ']);
    const [e, ...rest] = decodeKeytab(readFileSync(file));
    assert.equal(rest.length, 0);
    assert.equal(e?.kvno, 4);
    assert.equal(e?.timestamp.toISOString(), '2026-12-01T00:00:00.000Z');
    assert.equal(Buffer.from(e?.key.keyvalue ?? []).toString('hex'), encryptionType(18).stringToKey(PASSWORD, 'CORP.EXAMPLE.TESTsvc-web').toString('hex'));
  });

  it('refuses passwords that do not match, and writes nothing', async () => {
    const file = freshFile();
    await assert.rejects(run([PASSWORD, 'other'], 'keytab', 'add', file, SPN, '--kvno', '1'), (e: unknown) => e instanceof CliError && /do not match; nothing written/.test(e.message));
    assert.throws(() => statSync(file), /ENOENT/);
  });
});
