#!/usr/bin/env node
/**
 * Runs the shell snippets of README.md and docs/*.md as a new user would type them, and
 * checks the docs' lists against the repository.
 *
 * Every ```sh block is run line by line (a trailing `\` joins lines), each block in a fresh
 * folder where `ntlmgate` and `npx ntlmgate` are the CLI under test (default: this checkout's
 * dist/src/cli/main.js; `--cli <main.js>` for an installed package). Each line runs on a
 * pseudo-terminal, as typed at a shell: password prompts are answered, and a line that starts
 * a server (`ntlmgate serve`) is stopped with Ctrl-C once it logs that it is listening and must
 * then log its clean stop (npx itself ends by the SIGINT, 130, as Ctrl-C'd programs do). Any
 * other line must exit 0, or with the status its comment names (`# exit 3: …`).
 *
 * What cannot run here is listed in SNIPPETS below, each with the reason (a peer we do not
 * have, a step CI runs elsewhere); a block not listed there runs in full, so a new snippet is
 * checked without anyone remembering to add it. Files a snippet expects the user to have
 * (a Windows export, a Samba dump) are made by its `setup`.
 *
 *   node scripts/check-docs.mjs [--cli path/to/main.js] [--only docs/authority.md] [-v]
 * Exit 0 when everything ran as written, 1 otherwise (each failure is printed).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const cli = resolve(opt('--cli') ?? join(root, 'dist/src/cli/main.js'));
const only = opt('--only');
const verbose = argv.includes('-v');
if (!existsSync(cli)) {
  console.error(`check-docs: ${cli} does not exist (npm run build first)`);
  process.exit(1);
}

const PASSWORD = 'Doc-Check-Pass1!';
const HASH_PASSWORD = '8846F7EAEE8FB117AD06BDD830B7586C'; // NTOWFv1("password")

/** A free TCP port on 127.0.0.1, for configurations a snippet starts a server with. */
async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * Blocks that cannot run as they stand here, keyed by file and the text of their first
 * command. `skip` leaves out the whole block, `skipLines` single lines (each with a reason);
 * `setup(dir)` makes the files the block expects a user to have.
 */
const SNIPPETS = [
  {
    file: 'README.md',
    first: 'npm ci && npm start',
    skip: 'CI runs these itself on its clean clone (.ci/run: npm ci, npm test; scripts/smoke-serve.sh runs npm start and logs on with the printed curl command)',
  },
  {
    file: 'README.md',
    first: 'npm install ntlmgate',
    skip: 'scripts/pack-check.mjs installs the packed tarball the same way (npm install <tarball>) and uses it',
  },
  {
    file: 'README.md',
    first: 'npx ntlmgate audit import ntlm-operational.xml',
    // The user has a Windows export (the comment says how to make one); ours is a real one.
    setup: (dir) => copyFileSync(join(root, 'test/fixtures/audit/wevtutil-ntlm.xml'), join(dir, 'ntlm-operational.xml')),
  },
  {
    file: 'docs/authority.md',
    first: 'pdbedit -w -L > samba-accounts.txt',
    skipLines: [
      [/^pdbedit /, 'needs a Samba server (the dump it makes is written by setup, in its format)'],
      [/^impacket-secretsdump /, 'needs an Active Directory domain controller (the dump is written by setup, in its format)'],
    ],
    setup: (dir) => {
      const none = 'X'.repeat(32);
      writeFileSync(
        join(dir, 'samba-accounts.txt'),
        [
          `alice:1000:${none}:${HASH_PASSWORD}:[U          ]:LCT-65A1B2C3:`,
          `bob:1001:${none}:A4F49C406510BDCAB6824EE7C30FD852:[DU         ]:LCT-65A1B2C3:`,
          `ws01$:1002:${none}:0CB6948805F797BF2A82807973B89537:[W          ]:LCT-65A1B2C3:`,
          '',
        ].join('\n'),
      );
      const lm = 'aad3b435b51404eeaad3b435b51404ee';
      writeFileSync(
        join(dir, 'ad.txt'),
        [
          '[*] Dumping Domain Credentials (domain\\uid:rid:lmhash:nthash)',
          `CORP\\alice:1104:${lm}:${HASH_PASSWORD.toLowerCase()}:::`,
          `CORP\\carol:1105:${lm}:a4f49c406510bdcab6824ee7c30fd852:::`,
          `CORP\\WS01$:1106:${lm}:0cb6948805f797bf2a82807973b89537:::`,
          '',
        ].join('\n'),
      );
    },
  },
  {
    file: 'docs/configuration.md',
    first: 'npm start',
    skipLines: [[/^npm start\b/, 'CI runs it: scripts/smoke-serve.sh (npm start, the printed curl logon, SIGTERM)']],
    setup: async (dir) => {
      writeFileSync(join(dir, 'ntlmgate.yaml'), `listen: 127.0.0.1:${await freePort()}\nnames:\n  netbiosComputerName: WEB1\n  netbiosDomainName: CORP\n`);
    },
  },
  {
    file: 'docs/configuration.md',
    first: "npx ntlmgate users add 'CORP\\alice'",
    // The account serve made on its first run.
    setup: (dir) => run(`printf '%s\\n' '${PASSWORD}' | ntlmgate users add 'NTLMGATE\\demo' --password-stdin`, dir),
  },
  {
    file: 'docs/configuration.md',
    first: 'npx ntlmgate audit archive --older-than 7d --dir ./audit-archive',
    // An audit log to archive and prune: the Windows export the README imports (events of 2026-11-21).
    setup: (dir) => {
      copyFileSync(join(root, 'test/fixtures/audit/wevtutil-ntlm.xml'), join(dir, 'ntlm-operational.xml'));
      run('ntlmgate audit import ntlm-operational.xml', dir);
    },
  },
  {
    file: 'docs/http-client.md',
    first: 'NTLMGATE_PASSWORD=… ntlmgate fetch',
    skip: 'needs the intranet servers and proxy it names (an NTLM/Negotiate server and an NTLM proxy); the client is tested against real ones in test/http/client',
  },
  {
    file: 'docs/policy.md',
    first: 'ntlmgate policy show [--policy policy.yaml] [--json]',
    skip: 'a usage synopsis ([optional] parts, a | b choices), not a command line',
  },
];

// ---------------------------------------------------------------------------
// Extracting the blocks.

function docFiles() {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** Fenced blocks of one Markdown file: language, first line number, dedented text. */
export function blocksOf(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const out = [];
  let open;
  lines.forEach((line, i) => {
    const m = /^(\s*)```\s*([\w-]*)\s*$/.exec(line);
    if (!open && m) {
      open = { file, lang: m[2], line: i + 2, indent: m[1].length, body: [] };
    } else if (open && /^\s*```\s*$/.test(line)) {
      out.push({ ...open, text: open.body.join('\n') });
      open = undefined;
    } else if (open) {
      open.body.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
    }
  });
  return out;
}

/**
 * Command lines of a shell block: continuation lines joined, a here-document kept with its
 * command, blank and comment lines dropped.
 */
export function commandsOf(text) {
  const cmds = [];
  let cur = '';
  let heredoc;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (heredoc) {
      cmds[cmds.length - 1] += `\n${raw}`;
      if (line.trim() === heredoc) heredoc = undefined;
      continue;
    }
    if (cur === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    const here = /<<-?\s*['"]?(\w+)['"]?/.exec(line);
    if (here && !line.endsWith('\\')) {
      cmds.push(cur + line);
      cur = '';
      heredoc = here[1];
      continue;
    }
    if (line.endsWith('\\')) {
      cur += line.slice(0, -1);
      continue;
    }
    cmds.push(cur + line);
    cur = '';
  }
  if (cur) cmds.push(cur);
  return cmds;
}

/** The exit status a line's comment promises (`# exit 3: …`), else 0. */
function expectedStatus(cmd) {
  const m = /#.*\bexit (\d+)\b/.exec(cmd);
  return m ? Number(m[1]) : 0;
}

// ---------------------------------------------------------------------------
// Running a line on a pseudo-terminal.

/**
 * Python's pty module: runs `bash -c CMD` as a session leader on a new terminal, answers
 * password prompts, and with READY set sends Ctrl-C once the output matches it.
 */
const PTY = String.raw`
import os, pty, re, select, signal, sys, time
cmd, password, ready, timeout = sys.argv[1], sys.argv[2].encode(), sys.argv[3], float(sys.argv[4])
pid, fd = pty.fork()
if pid == 0:
    os.execvp('bash', ['bash', '-c', cmd])
out, tail, sent_stop, deadline = bytearray(), b'', False, time.time() + timeout
while True:
    left = deadline - time.time()
    if left <= 0:
        os.killpg(pid, signal.SIGKILL)
        sys.stdout.buffer.write(bytes(out)); sys.stdout.write('\n[check-docs: timed out]\n'); sys.exit(124)
    r, _, _ = select.select([fd], [], [], min(left, 1.0))
    if not r:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    tail = (tail + data)[-400:]
    if re.search(rb'password[^\n]*: ?$', tail, re.I):
        os.write(fd, password + b'\r'); tail = b''
    if ready and not sent_stop and re.search(ready.encode(), bytes(out)):
        time.sleep(0.2)
        os.write(fd, b'\x03'); sent_stop = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(bytes(out))
if ready and not sent_stop:
    sys.stdout.write('\n[check-docs: the server never said it was listening]\n'); sys.exit(125)
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)
`;

let env;

/** Runs one command line in `dir` on a pseudo-terminal; returns { status, output }. */
function run(cmd, dir, { ready = '', timeout = 120 } = {}) {
  const r = spawnSync('python3', ['-c', PTY, cmd, PASSWORD, ready, String(timeout)], { cwd: dir, env, encoding: 'utf8', timeout: (timeout + 10) * 1000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/\r\n/g, '\n') };
}

/** A folder where `ntlmgate` and `npx ntlmgate` run the CLI under test, and nothing else resolves. */
function project() {
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-docs-'));
  writeFileSync(join(dir, 'package.json'), '{ "name": "docs-check", "private": true, "type": "module" }\n');
  mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
  const bin = join(dir, 'node_modules/.bin/ntlmgate');
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
  chmodSync(bin, 0o755);
  return dir;
}

// ---------------------------------------------------------------------------
// The checks.

const failures = [];
const fail = (where, msg) => failures.push(`${where}: ${msg}`);

/** README's docs line links every docs/*.md; docs/dependencies.md names every package in package.json. */
function checkLists() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const docsLine = readme.slice(readme.lastIndexOf('\nDocs:'));
  for (const f of docFiles().slice(1)) if (!docsLine.includes(`(${f})`)) fail('README.md', `the Docs line does not link ${f}`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const deps = readFileSync(join(root, 'docs/dependencies.md'), 'utf8');
  for (const name of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.devDependencies })) {
    if (!deps.includes(`\`${name}\``)) fail('docs/dependencies.md', `does not list ${name} (package.json)`);
  }
}

async function main() {
  const bin = dirname(join(project(), 'node_modules/.bin/ntlmgate'));
  env = {
    ...process.env,
    CI: process.env.CI ?? '',
    PASSWORD,
    // npx must run the CLI under test, never fetch a package called ntlmgate from the registry.
    npm_config_yes: 'false',
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_progress: 'false',
    NO_COLOR: '1',
  };
  checkLists();
  let ran = 0;
  const skipped = [];
  const seen = new Set();
  for (const file of docFiles()) {
    if (only && !file.includes(only)) continue;
    for (const b of blocksOf(file).filter((x) => x.lang === 'sh')) {
      const cmds = commandsOf(b.text);
      if (cmds.length === 0) continue;
      const where = `${file}:${b.line}`;
      const spec = SNIPPETS.find((s) => s.file === file && cmds[0].startsWith(s.first));
      if (spec) seen.add(spec);
      if (spec?.skip) {
        skipped.push(`${where} (${cmds.length} line${cmds.length === 1 ? '' : 's'}): ${spec.skip}`);
        continue;
      }
      const dir = project();
      // Each block's folder has its own node_modules/.bin; PATH makes plain `ntlmgate` the CLI too.
      env.PATH = `${join(dir, 'node_modules/.bin')}:${process.env.PATH}`;
      try {
        await spec?.setup?.(dir);
        for (const cmd of cmds) {
          const lineSkip = spec?.skipLines?.find(([re]) => re.test(cmd));
          if (lineSkip) {
            skipped.push(`${where}: \`${cmd.split('#')[0].trim()}\`: ${lineSkip[1]}`);
            continue;
          }
          const server = /\bntlmgate serve\b/.test(cmd);
          const want = expectedStatus(cmd);
          const r = run(cmd, dir, server ? { ready: 'ntlmgate serve listening', timeout: 60 } : {});
          ran++;
          const ok = server ? (r.status === 0 || r.status === 130) && r.output.includes('stopped; audit log flushed') : r.status === want;
          if (verbose || !ok) console.log(`${ok ? 'ok  ' : 'FAIL'} ${where}: ${cmd}${server ? '   (server, stopped with Ctrl-C)' : ''}`);
          if (!ok) {
            fail(where, `\`${cmd}\` exited ${r.status}, expected ${server ? 'a clean stop after Ctrl-C' : want}:\n${r.output.trim().split('\n').slice(-15).map((l) => `      ${l}`).join('\n')}`);
          } else if (verbose) {
            console.log(r.output.trim().split('\n').slice(0, 6).map((l) => `      ${l}`).join('\n'));
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  rmSync(dirname(dirname(bin)), { recursive: true, force: true });
  if (!only) for (const s of SNIPPETS) if (!seen.has(s)) fail(s.file, `the snippet list names a block starting \`${s.first}\` that is not there any more`);
  console.log(`check-docs: ${ran} command lines run from README.md and docs/*.md; ${skipped.length} left out, with reasons:`);
  for (const s of skipped) console.log(`  - ${s}`);
  if (failures.length > 0) {
    console.log(`\ncheck-docs: ${failures.length} failure${failures.length === 1 ? '' : 's'}:`);
    for (const f of failures) console.log(`  ✖ ${f}`);
    process.exit(1);
  }
  console.log('check-docs: every command ran as written');
}

await main();
