// The layering of src/ as a lint rule: the layer order is read from the marked block in
// docs/architecture.md, so the document is the rule. A file may import its own layer and the
// layers on lines above its own; not a layer on its own line (peers stay independent) nor one below.
// Import circles between files of src/ are refused too, type-only and dynamic imports included:
// a circle is a design fault whether or not it bites at run time.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = dirname(dirname(new URL(import.meta.url).pathname));
const SRC = join(ROOT, 'src');
const BEGIN = '<!-- layers:begin -->';
const END = '<!-- layers:end -->';

/** The layer block of docs/architecture.md: one rank per line, lowest first; a name is a folder (or file) of src/. */
export function readLayers(text = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8')) {
  const from = text.indexOf(BEGIN);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`docs/architecture.md: no ${BEGIN} … ${END} block`);
  const ranks = new Map();
  text.slice(from + BEGIN.length, to).split('\n').map((l) => l.replace(/#.*/, '').replace(/`/g, '').trim()).filter((l) => l !== '' && !l.startsWith('```'))
    .forEach((line, rank) => { for (const name of line.split(/\s+/)) ranks.set(name.replace(/\/$/, ''), rank); });
  return ranks;
}

const LAYERS = readLayers();

/** The layer of a path inside src/ (the longest name that holds it), or undefined. */
function layerOf(file) {
  const rel = relative(SRC, file).split(sep).join('/');
  let best;
  for (const name of LAYERS.keys()) if ((rel === name || rel.startsWith(`${name}/`)) && (best === undefined || name.length > best.length)) best = name;
  return best;
}

/** `./x.js` from `file` → the .ts file it names, or undefined for packages and files outside src/. */
function resolveImport(file, spec) {
  if (!spec.startsWith('.')) return undefined;
  const target = resolve(dirname(file), spec);
  if (!target.startsWith(SRC + sep)) return undefined;
  for (const c of [target.replace(/\.js$/, '.ts'), target, join(target, 'index.ts')]) {
    try { if (statSync(c).isFile()) return c; } catch { /* try the next spelling */ }
  }
  return target.replace(/\.js$/, '.ts');
}

const edgeCache = new Map(); // path → { mtimeMs, targets }
function importsOnDisk(file) {
  let st;
  try { st = statSync(file); } catch { return []; }
  const hit = edgeCache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs) return hit.targets;
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const targets = [...new Set(info.importedFiles.map((f) => resolveImport(file, f.fileName)).filter((t) => t !== undefined))];
  edgeCache.set(file, { mtimeMs: st.mtimeMs, targets });
  return targets;
}

/** A path target → … → file through the files of src/ as they are on disk, or undefined. */
function pathBack(target, file) {
  const seen = new Set([target]);
  const stack = [[target, [target]]];
  while (stack.length > 0) {
    const [at, path] = stack.pop();
    for (const next of at === file ? [] : importsOnDisk(at)) {
      if (next === file) return [...path, next];
      if (!seen.has(next)) { seen.add(next); stack.push([next, [...path, next]]); }
    }
  }
  return undefined;
}

const show = (f) => relative(ROOT, f).split(sep).join('/');

export const layering = {
  meta: {
    type: 'problem',
    docs: { description: 'A layer of src/ imports only lower layers (docs/architecture.md), and no import circle' },
    schema: [],
  },
  create(context) {
    const file = resolve(context.filename);
    if (!file.startsWith(SRC + sep)) return {};
    const own = layerOf(file);
    if (own === undefined) {
      return { Program: (node) => context.report({ node, message: `${show(file)} is in no layer: add its folder to the layer block of docs/architecture.md` }) };
    }
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const target = resolveImport(file, source.value);
      if (target === undefined) return;
      const theirs = layerOf(target);
      if (theirs === undefined) {
        context.report({ node, message: `${show(target)} is in no layer: add its folder to the layer block of docs/architecture.md` });
      } else if (theirs !== own && LAYERS.get(theirs) >= LAYERS.get(own)) {
        const how = LAYERS.get(theirs) === LAYERS.get(own) ? 'its peer' : 'the higher layer';
        context.report({ node, message: `layering: ${own} imports ${how} ${theirs} (${source.value}); docs/architecture.md orders the layers` });
      }
      const circle = pathBack(target, file);
      if (circle) context.report({ node, message: `import circle: ${[file, ...circle].map(show).join(' → ')}` });
    };
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source),
      TSImportType: (n) => check(n, n.argument?.literal ?? n.argument),
    };
  },
};

export default { rules: { layering } };
