/**
 * The secret prompt (src/cli/prompt.ts): the line editor driven through a fake terminal, and
 * once through a real pseudo-terminal (Python's pty module) with `ntlmgate users add`, where
 * the typed password must not appear in anything the terminal shows.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { openAccountStore } from '../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../src/authority/local/ntHash.js';
import { CliError } from '../../src/cli/errors.js';
import { passwordFromStdin, promptSecret, type SecretInput } from '../../src/cli/prompt.js';

const cliError = (code: 1 | 2, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof CliError, String(e));
  assert.equal(e.exitCode, code, e.message);
  if (message) assert.match(e.message, message);
  return true;
};

describe('the no-echo prompt', () => {
  class FakeTty extends EventEmitter implements SecretInput {
    isRaw = false;
    modes: boolean[] = [];
    setRawMode(mode: boolean): this {
      this.modes.push(mode);
      this.isRaw = mode;
      return this;
    }
    resume(): this {
      return this;
    }
    pause(): this {
      return this;
    }
  }

  it('reads a line without echo: backspace, Ctrl-U and arrow keys edit, Enter ends, raw mode is restored', async () => {
    const tty = new FakeTty();
    let shown = '';
    const p = promptSecret(tty, { write: (t: string) => (shown += t) }, 'Password: ');
    tty.emit('data', Buffer.from('junk\u0015pa'));
    tty.emit('data', 'x\u007fss\u001b[Dwörd');
    tty.emit('data', '\r');
    assert.equal(await p, 'passwörd');
    assert.equal(shown, 'Password: \n', 'nothing typed was echoed');
    assert.deepEqual(tty.modes, [true, false]);
    assert.equal(tty.listenerCount('data'), 0);
  });

  it('Ctrl-C cancels; Ctrl-D on an empty line gives up', async () => {
    for (const [key, message] of [['\u0003', /cancelled/], ['\u0004', /no password/]] as const) {
      const tty = new FakeTty();
      const p = promptSecret(tty, { write: () => true }, '? ');
      tty.emit('data', key);
      await assert.rejects(p, cliError(1, message));
      assert.equal(tty.isRaw, false);
    }
  });

  it('--password-stdin takes exactly one line', () => {
    assert.equal(passwordFromStdin('a b\n'), 'a b');
    assert.equal(passwordFromStdin('x\r\n'), 'x');
    assert.equal(passwordFromStdin('  padded  '), '  padded  ');
    assert.throws(() => passwordFromStdin('\n'), cliError(1, /empty/));
    assert.throws(() => passwordFromStdin('a\nb\n'), cliError(1, /one line/));
  });
});

// ---------------------------------------------------------------------------

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PYTHON = '/usr/bin/python3';

/**
 * Runs the CLI on a pseudo-terminal: answers each prompt (matched in order) with its line, and
 * returns everything the terminal showed and the exit status.
 */
const PTY_DRIVER = `
import json, os, pty, select, sys, time
argv, answers = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
shown = b''
deadline = time.time() + 30
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
        if answers and answers[0][0].encode() in shown.split(b'\\x00')[-1]:
            prompt, line = answers.pop(0)
            shown += b'\\x00'
            time.sleep(0.1)
            os.write(fd, line.encode() + b'\\r')
_, status = os.waitpid(pid, 0)
print(json.dumps({'shown': shown.replace(b'\\x00', b'').decode('utf8', 'replace'), 'code': os.waitstatus_to_exitcode(status)}))
`;

function ptyMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import pty, select, json'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) {
    const why = `needs ${PYTHON} with the pty module: ${(r.error?.message ?? r.stderr).trim()}`;
    if (process.env.CI === 'true') throw new Error(`CI=true but ${why}`);
    return why;
  }
  return undefined;
}

describe('the prompt on a real terminal', { skip: ptyMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-prompt-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('users add asks twice with no echo; the password is stored as its NT hash and never shown', async () => {
    const store = `sqlite:${join(dir, 'accounts.db')}`;
    const secret = 'Pty-S3cret-8842!';
    const argv = [process.execPath, CLI, 'users', 'add', 'NTLMGATE\\alice', '--store', store];
    const r = spawnSync(PYTHON, ['-c', PTY_DRIVER, JSON.stringify([argv, [['New password', secret], ['Retype', secret]]])], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const { shown, code } = JSON.parse(r.stdout) as { shown: string; code: number };
    assert.equal(code, 0, shown);
    assert.match(shown, /New password for NTLMGATE\\alice: /);
    assert.match(shown, /Retype the new password: /);
    assert.match(shown, /added NTLMGATE\\alice/);
    assert.ok(!shown.includes(secret), `the password was echoed:\n${shown}`);
    const s = await openAccountStore(store);
    try {
      assert.deepEqual((await s.getAccount({ domain: 'NTLMGATE', name: 'alice' }))?.ntHash, ntHashOfPassword(secret));
    } finally {
      await s.close();
    }
  });
});
