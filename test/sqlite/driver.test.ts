/**
 * better-sqlite3 is an optional peer dependency: where it is not installed, opening a SQLite
 * store on a Node without node:sqlite must say what to install, as one typed error. The
 * compiled driver is copied into a folder with no node_modules above it, so `require` there
 * cannot find the package, as in an application that installed ntlmgate alone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-no-better-sqlite3-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('without better-sqlite3, the better-sqlite3 engine is a SqliteUnavailableError naming what to install', () => {
  copyFileSync(fileURLToPath(new URL('../../src/sqlite/driver.js', import.meta.url)), join(dir, 'driver.js'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const script = `
    import { openSqlite, SqliteUnavailableError } from './driver.js';
    try {
      openSqlite(':memory:', { engine: 'better-sqlite3' });
      console.log('opened');
    } catch (e) {
      console.log(JSON.stringify({ typed: e instanceof SqliteUnavailableError, code: e.code, message: e.message }));
    }`;
  writeFileSync(join(dir, 'try.mjs'), script);
  const r = spawnSync(process.execPath, [join(dir, 'try.mjs')], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { typed: boolean; code: string; message: string };
  assert.equal(out.typed, true);
  assert.equal(out.code, 'sqlite-unavailable');
  assert.match(out.message, /the better-sqlite3 package is not installed \(it is an optional peer dependency of ntlmgate\)/);
  assert.match(out.message, /npm install better-sqlite3@12/);
  assert.match(out.message, /Node 22\.13 or later/);
});
