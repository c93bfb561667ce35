/**
 * docs/architecture.md against the tree it describes: every folder of src/ is named in the
 * `src/` outline (as an entry of its own, or as `name/` in the text of the entry that holds
 * it), every entry and every `.ts` file the outline names exists, and every name of the layer
 * block is a folder of src/ or a coming part that "Where new things go" places in src/.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(ROOT, 'src');
const DOC = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');

interface Entry {
  /** The folder's path inside src/, without the trailing slash. */
  readonly path: string;
  readonly indent: number;
  text: string;
}

/** The entries of the ```-fenced outline that starts with `src/`: folders by indentation, each with its text. */
function outline(doc: string): Entry[] {
  const start = doc.indexOf('```\nsrc/\n');
  assert.ok(start >= 0, 'docs/architecture.md has no ``` block starting with src/');
  const body = doc.slice(start + '```\nsrc/\n'.length, doc.indexOf('\n```', start + 4));
  const entries: Entry[] = [];
  let owner: Entry | undefined; // the entry the text lines below belong to
  const within = (indent: number): Entry | undefined => [...entries].reverse().find((e) => e.indent < indent);
  for (const line of body.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const folder = /^([a-z]\w*(?:\/\w+)*)\/(?:\s|$)/.exec(line.trimStart());
    if (folder) {
      const parent = within(indent);
      owner = { path: parent ? `${parent.path}/${folder[1]}` : `${folder[1]}`, indent, text: line };
      entries.push(owner);
    } else if (/^[\w.]+\.ts\b/.test(line.trimStart())) {
      owner = within(indent); // a file's line, in the folder above it
      if (owner) owner.text += `\n${line}`;
    } else if (owner) {
      owner.text += `\n${line}`;
    }
  }
  return entries;
}

/** Every folder under src/, as paths inside it. */
function folders(dir = SRC, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => [`${prefix}${d.name}`, ...folders(join(dir, d.name), `${prefix}${d.name}/`)]);
}

/** Every .ts file under a folder of src/, as paths inside src/. */
function files(dir: string): string[] {
  return readdirSync(join(SRC, dir), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(`${dir}/${d.name}`) : d.name.endsWith('.ts') ? [`${dir}/${d.name}`] : [],
  );
}

describe('docs/architecture.md matches src/', () => {
  const entries = outline(DOC);

  it('every folder of src/ is in the outline, as an entry or named in the entry that holds it', () => {
    const missing = folders().filter((folder) => {
      if (entries.some((e) => e.path === folder)) return false;
      const holder = entries.filter((e) => folder.startsWith(`${e.path}/`)).sort((a, b) => b.path.length - a.path.length)[0];
      const rest = holder ? folder.slice(holder.path.length + 1) : folder;
      return holder === undefined || !holder.text.includes(`${rest}/`);
    });
    assert.deepEqual(missing, []);
  });

  it('every entry of the outline is a folder of src/', () => {
    assert.ok(entries.length > 10, `only ${entries.length} entries read from the outline`);
    assert.deepEqual(entries.map((e) => e.path).filter((p) => !existsSync(join(SRC, p)) || !statSync(join(SRC, p)).isDirectory()), []);
  });

  it('every .ts file the outline names exists, in its entry\'s folder or as a path inside src/', () => {
    const stale: string[] = [];
    for (const e of entries) {
      const here = files(e.path);
      for (const name of e.text.match(/[\w/]+\.ts\b/g) ?? []) {
        const found = existsSync(join(SRC, e.path, name)) || existsSync(join(SRC, name)) || here.some((f) => f.endsWith(`/${name}`));
        if (!found) stale.push(`${e.path}/: ${name}`);
      }
    }
    assert.deepEqual(stale, []);
  });

  it('every name of the layer block is in src/, or a coming part placed in "Where new things go"', () => {
    const block = DOC.slice(DOC.indexOf('<!-- layers:begin -->'), DOC.indexOf('<!-- layers:end -->'));
    const names = block
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter((l) => l !== '' && !l.startsWith('```') && !l.startsWith('<!--'))
      .flatMap((l) => l.split(/\s+/));
    const where = DOC.slice(DOC.indexOf('## Where new things go'));
    assert.ok(where.length > 0 && DOC.includes('## Where new things go'), 'no "Where new things go" section');
    const unplaced = names.filter((n) => !existsSync(join(SRC, n)) && !where.includes(`src/${n}/`));
    assert.deepEqual(unplaced, []);
  });
});
