#!/usr/bin/env node
/**
 * The package as a new user gets it: `npm pack` (its prepack builds), the tarball installed
 * with `npm install <tarball>` into a new folder, then
 *  - the tarball holds the built library, its type declarations and the CLI, and nothing of
 *    test/ or bench/; installing it compiles nothing (better-sqlite3 is an optional peer);
 *  - every ```ts block of README.md and docs/*.md compiles under `tsc --strict` against the
 *    installed package, its declarations checked too (skipLibCheck off). A block that is a
 *    fragment of a larger program gets the declarations it leans on from FRAGMENTS below, so
 *    what it uses from ntlmgate is still checked;
 *  - README's first example runs and prints what its comment says;
 *  - the installed `ntlmgate` runs, and on a Node without node:sqlite a SQLite store says
 *    that better-sqlite3 is needed instead of failing obscurely, and installing it as the
 *    message says makes the store open.
 * typescript, @types/node and the frameworks the examples use are installed at the versions
 * this checkout has, so the check does not drift with the registry.
 *
 *   node scripts/pack-check.mjs [--keep]      exit 0 when all holds, 1 otherwise
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const failures = [];
const fail = (msg) => {
  failures.push(msg);
  console.log(`  ✖ ${msg}`);
};
const ok = (msg) => console.log(`  ✓ ${msg}`);

/**
 * Declarations for blocks that are fragments, keyed by file and the start of their first line.
 * `before` goes above the block, `after` below it (to close a function a `return` needs).
 */
const FRAGMENTS = [
  {
    file: 'docs/http-server.md',
    first: 'app.use(iwaExpress(options));',
    before: "import express from 'express';\nimport { iwaExpress, type IwaOptions } from 'ntlmgate';\ndeclare const options: IwaOptions;\nconst app = express();",
  },
  {
    file: 'docs/http-server.md',
    first: 'await fastify.register(iwaFastify(options));',
    before: "import Fastify from 'fastify';\nimport { iwaFastify, type IwaOptions } from 'ntlmgate';\ndeclare const options: IwaOptions;\nconst fastify = Fastify();",
  },
  {
    file: 'docs/http-server.md',
    first: 'app.use(iwaKoa(options))',
    before: "import Koa from 'koa';\nimport { iwaKoa, type IwaOptions } from 'ntlmgate';\ndeclare const options: IwaOptions;\nconst app = new Koa();",
  },
  {
    file: 'docs/http-server.md',
    first: 'const headers = signIdentityHeaders(',
    before:
      "import type { IncomingMessage } from 'node:http';\nimport { signIdentityHeaders, verifyIdentityHeaders, type IwaIdentity } from 'ntlmgate';\n" +
      'declare const secret: Buffer;\ndeclare function deny(reason: string): void;\n' +
      'export function proxy(req: IncomingMessage & { ntlmgate: IwaIdentity }) {',
    after: 'return headers;\n}',
  },
  {
    file: 'docs/http-client.md',
    first: "import { Agent, interceptors } from 'undici';",
    before: "import type { HttpCredentials } from 'ntlmgate';\ndeclare const credentials: HttpCredentials;",
  },
  {
    file: 'docs/http-client.md',
    first: "import https from 'node:https';",
    before: "import type { HttpCredentials } from 'ntlmgate';\ndeclare const credentials: HttpCredentials;\ndeclare const ca: Buffer;",
  },
  {
    file: 'docs/http-client.md',
    first: "import axios from 'axios';",
    before: "import type { HttpCredentials } from 'ntlmgate';\ndeclare const credentials: HttpCredentials;\ndeclare const ca: Buffer;",
  },
  {
    file: 'docs/http-client.md',
    first: 'const dispatcher = new NtlmDispatcher({',
    before: "import { NtlmDispatcher, type HttpCredentials } from 'ntlmgate';\ndeclare const credentials: HttpCredentials;\ndeclare const proxyCredentials: HttpCredentials;",
  },
];

function docFiles() {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
}

/** ```ts blocks of one file: first line number and dedented text. */
function tsBlocks(file) {
  const out = [];
  let open;
  readFileSync(join(root, file), 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /^(\s*)```\s*([\w-]*)\s*$/.exec(line);
      if (!open && m) open = { lang: m[2], line: i + 2, indent: m[1].length, body: [] };
      else if (open && /^\s*```\s*$/.test(line)) {
        if (open.lang === 'ts' || open.lang === 'typescript') out.push({ file, line: open.line, text: open.body.join('\n') });
        open = undefined;
      } else if (open) open.body.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
    });
  return out;
}

const STRICT = { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'] };
const sh = (cmd, args, o = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...o });
const installedVersion = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

const work = mkdtempSync(join(tmpdir(), 'ntlmgate-pack-'));
try {
  console.log('== npm pack (prepack builds)');
  // The prepack script's own output comes first on stdout; the JSON report is the rest.
  const out = sh('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, maxBuffer: 64 << 20 });
  const packed = JSON.parse(out.slice(out.search(/^\[/m)))[0];
  const files = packed.files.map((f) => f.path);
  const tarball = join(work, packed.filename);
  console.log(`  ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed`);
  for (const f of ['package.json', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'docs/configuration.md']) {
    if (files.includes(f)) ok(`has ${f}`);
    else fail(`the tarball lacks ${f}`);
  }
  const stray = files.filter((f) => /^(dist\/)?(test|bench)\//.test(f) || f.startsWith('src/'));
  if (stray.length > 0) fail(`the tarball holds ${stray.length} files of test/, bench/ or src/ (${stray.slice(0, 3).join(', ')})`);
  else ok('no test/, bench/ or TypeScript sources');

  console.log('== npm install <tarball> into a new folder');
  const app = join(work, 'app');
  mkdirSync(join(app, 'snippets'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'new-user', private: true, type: 'module' }, null, 2));
  const tools = ['typescript', '@types/node', 'express', '@types/express', 'fastify', 'koa', '@types/koa', 'axios'].map((n) => `${n}@${installedVersion(n)}`);
  const started = Date.now();
  sh('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app });
  ok(`npm install ${packed.filename} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (existsSync(join(app, 'node_modules/better-sqlite3'))) fail('installing the package installed (and compiled) better-sqlite3');
  else ok('better-sqlite3 was not installed (optional peer)');
  sh('npm', ['install', '--no-audit', '--no-fund', '--save-dev', ...tools], { cwd: app });

  console.log('== the installed CLI');
  // npx must run the installed package, never fetch one from the registry.
  const npxEnv = { ...process.env, npm_config_yes: 'false', npm_config_offline: 'true' };
  const version = spawnSync('npx', ['ntlmgate', '--version'], { cwd: app, encoding: 'utf8', env: npxEnv });
  if (version.status === 0 && version.stdout.trim() === packed.version) ok(`npx ntlmgate --version: ${version.stdout.trim()}`);
  else fail(`npx ntlmgate --version: exit ${version.status}, ${version.stdout}${version.stderr}`);
  const hasNodeSqlite = (() => {
    try {
      return typeof process.getBuiltinModule?.('node:sqlite')?.DatabaseSync === 'function';
    } catch {
      return false;
    }
  })();
  // A command that writes a SQLite store: importing a real Windows export.
  copyFileSync(join(root, 'test/fixtures/audit/wevtutil-ntlm.xml'), join(app, 'ntlm-operational.xml'));
  const importArgs = ['ntlmgate', 'audit', 'import', 'ntlm-operational.xml', '--store', 'sqlite:./audit.db'];
  const report = spawnSync('npx', importArgs, { cwd: app, encoding: 'utf8', env: npxEnv });
  if (hasNodeSqlite) {
    if (report.status !== 0) fail(`with node:sqlite at hand, audit import into SQLite: exit ${report.status}, ${report.stderr.trim()}`);
    else ok(`Node ${process.versions.node} uses node:sqlite: ${`${report.stdout}${report.stderr}`.trim().split('\n').at(-1)}`);
  } else if (report.status === 1 && /npm install better-sqlite3@12/.test(report.stderr) && !/\n\s+at /.test(report.stderr)) {
    ok(`Node ${process.versions.node} without better-sqlite3: ${report.stderr.trim().split('\n')[0].slice(0, 160)}…`);
    // Doing what the message says must be enough.
    sh('npm', ['install', '--no-audit', '--no-fund', 'better-sqlite3@12'], { cwd: app });
    const again = spawnSync('npx', importArgs, { cwd: app, encoding: 'utf8', env: npxEnv });
    if (again.status === 0) ok(`after npm install better-sqlite3@12: ${`${again.stdout}${again.stderr}`.trim().split('\n').at(-1)}`);
    else fail(`after npm install better-sqlite3@12, audit import: exit ${again.status}, ${again.stderr.trim()}`);
  } else {
    fail(`a SQLite store without better-sqlite3 on Node ${process.versions.node}: exit ${report.status}, ${report.stderr.trim()}`);
  }

  console.log('== the package\'s declarations under tsc --strict (skipLibCheck off)');
  // Only the package and what its declarations import are in this program, so every error is ours.
  mkdirSync(join(app, 'decl'));
  writeFileSync(join(app, 'decl/use.ts'), "import * as ntlmgate from 'ntlmgate';\nexport const names: string[] = Object.keys(ntlmgate);\n");
  writeFileSync(join(app, 'tsconfig.decl.json'), JSON.stringify({ compilerOptions: { ...STRICT, noEmit: true, skipLibCheck: false }, include: ['decl/*.ts'] }, null, 2));
  const decl = spawnSync(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.decl.json'], { cwd: app, encoding: 'utf8' });
  const declErrors = `${decl.stdout}${decl.stderr}`.split('\n').filter((l) => /error TS\d+/.test(l));
  if (declErrors.length === 0 && decl.status === 0) ok('dist/src/**/*.d.ts check clean in a project with only typescript and @types/node');
  for (const e of declErrors) fail(`declarations: ${e}`);

  console.log('== the docs\' TypeScript examples under tsc --strict');
  const blocks = docFiles().flatMap(tsBlocks);
  const sources = new Map();
  const used = new Set();
  for (const b of blocks) {
    const frag = FRAGMENTS.find((f) => f.file === b.file && b.text.trimStart().startsWith(f.first));
    if (frag) used.add(frag);
    const before = frag?.before ? `${frag.before}\n` : '';
    const name = `${b.file.replace(/[/.]/g, '_')}_${b.line}.ts`;
    // `export {}` makes a block without imports a module too (top-level await, own scope).
    writeFileSync(join(app, 'snippets', name), `${before}${b.text}\n${frag?.after ?? ''}\nexport {};\n`);
    sources.set(name, { ...b, offset: before.split('\n').length - 1 });
  }
  for (const f of FRAGMENTS) if (!used.has(f)) fail(`FRAGMENTS names a block of ${f.file} starting "${f.first}" that is not there any more`);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify(
      {
        // skipLibCheck: the frameworks' own typings are not ours to check (that is the next step).
        compilerOptions: { ...STRICT, rootDir: '.', outDir: 'out', skipLibCheck: true, noEmitOnError: false },
        include: ['snippets/*.ts'],
      },
      null,
      2,
    ),
  );
  const tsc = spawnSync(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  const errors = `${tsc.stdout}${tsc.stderr}`.split('\n').filter((l) => /error TS\d+/.test(l));
  const bad = new Set();
  for (const e of errors) {
    const m = /^snippets\/([^()]+)\((\d+),(\d+)\): (.*)$/.exec(e);
    const s = m && sources.get(m[1]);
    if (s) {
      bad.add(m[1]);
      const docLine = Number(m[2]) - s.offset;
      fail(docLine >= 1 ? `${s.file}:${s.line + docLine - 1}: ${m[4]}` : `${s.file}:${s.line} (the declarations FRAGMENTS adds): ${m[4]}`);
    } else fail(`tsc: ${e}`);
  }
  for (const [name, s] of sources) if (!bad.has(name)) ok(`${s.file}:${s.line} compiles`);

  console.log('== README\'s first example runs');
  const first = [...sources].find(([, s]) => s.file === 'README.md');
  if (!first) fail('README.md has no TypeScript example');
  else {
    const js = join(app, 'out/snippets', first[0].replace(/\.ts$/, '.js'));
    const r = spawnSync(process.execPath, [js], { cwd: app, encoding: 'utf8', timeout: 30_000 });
    const promised = /console\.log\([^\n]*\/\/ (.+)$/m.exec(first[1].text)?.[1]?.trim();
    if (r.status === 0 && promised && r.stdout.trim() === promised) ok(`prints "${r.stdout.trim()}", as its comment says`);
    else fail(`README example: exit ${r.status}, printed ${JSON.stringify(r.stdout.trim())}, its comment says ${JSON.stringify(promised)}; ${r.stderr.trim()}`);
  }
} catch (e) {
  fail(`${e instanceof Error ? e.message : String(e)}${e?.stderr ? `\n${e.stderr}` : ''}`);
} finally {
  if (keep) console.log(`(kept ${work})`);
  else rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.log(`\npack-check: ${failures.length} failure${failures.length === 1 ? '' : 's'}`);
  process.exit(1);
}
console.log('\npack-check: the packed package installs, its docs examples compile and the first one runs');
