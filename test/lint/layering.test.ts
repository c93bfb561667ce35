/**
 * The layering rule (eslint/layering.js, layer order from docs/architecture.md) through the
 * project's own ESLint config: real files of src/ linted under their own path or a scratch
 * path beside them, once as they are and once with the one import that breaks the rule.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RULE = 'layers/layering';
const eslint = new ESLint({ cwd: ROOT });

const source = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');

/** The layering rule's messages for `text` linted as the file at `rel` (which need not exist). */
async function layering(text: string, rel: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: join(ROOT, rel) });
  assert.ok(result, 'ESLint returned no result');
  return result.messages.filter((m) => m.ruleId === RULE || m.fatal).map((m) => m.message);
}

describe('lint: layering of src/', () => {
  it('an upward import fails the rule (ntlm importing serve)', async () => {
    const text = source('src/ntlm/version.ts');
    assert.deepEqual(await layering(text, 'src/ntlm/versionScratch.ts'), []);
    const upward = `${text}\nexport { loadServeConfig } from '../serve/config.js';\n`;
    assert.deepEqual(await layering(upward, 'src/ntlm/versionScratch.ts'), [
      'layering: ntlm imports the higher layer serve (../serve/config.js); docs/architecture.md orders the layers',
    ]);
  });

  it('type-only and dynamic imports count too (policy → audit, der → cli)', async () => {
    const typeOnly = `${source('src/policy/labels.ts')}\nexport type { AuditStore } from '../audit/query.js';\n`;
    assert.match((await layering(typeOnly, 'src/policy/labelsScratch.ts')).join('\n'), /policy imports the higher layer audit/);
    const dynamic = `${source('src/der/oid.ts')}\nexport const later = () => import('../cli/version.js');\n`;
    assert.match((await layering(dynamic, 'src/der/oidScratch.ts')).join('\n'), /der imports the higher layer cli/);
  });

  it('peers on one line of the layer block do not import each other (http/client → http/server)', async () => {
    const text = source('src/http/client/errors.ts');
    assert.deepEqual(await layering(text, 'src/http/client/errorsScratch.ts'), []);
    const peer = `${text}\nexport type { IwaOptions } from '../server/options.js';\n`;
    assert.match((await layering(peer, 'src/http/client/errorsScratch.ts')).join('\n'), /http\/client imports its peer http\/server/);
  });

  it('a downward import is allowed (cli → serve, serve → http/server)', async () => {
    assert.deepEqual(await layering("export type { ServeConfig } from '../serve/config.js';\n", 'src/cli/scratch.ts'), []);
    assert.deepEqual(await layering("export type { IwaOptions } from '../http/server/options.js';\n", 'src/serve/scratch.ts'), []);
  });

  it('an import circle fails the rule, even within one layer', async () => {
    // messages/negotiate.ts imports version.ts; version.ts importing it back closes a circle.
    const text = source('src/ntlm/version.ts');
    assert.deepEqual(await layering(text, 'src/ntlm/version.ts'), []);
    const circle = `${text}\nexport type { NegotiateMessage } from './messages/negotiate.js';\n`;
    assert.deepEqual(await layering(circle, 'src/ntlm/version.ts'), [
      'import circle: src/ntlm/version.ts → src/ntlm/messages/negotiate.ts → src/ntlm/version.ts',
    ]);
  });

  it('a longer circle through other files is found (flags.ts → messages/index.ts → … → flags.ts)', async () => {
    const circle = `${source('src/ntlm/flags.ts')}\nexport type { NtlmMessage } from './messages/index.js';\n`;
    const messages = await layering(circle, 'src/ntlm/flags.ts');
    assert.equal(messages.length, 1);
    assert.match(messages[0] ?? '', /^import circle: src\/ntlm\/flags\.ts → src\/ntlm\/messages\/index\.ts → src\/ntlm\/messages\/\w+\.ts → src\/ntlm\/flags\.ts$/);
  });

  it('a folder of src/ missing from the layer block of docs/architecture.md fails the rule', async () => {
    assert.deepEqual(await layering('export const nothingImported = 1;\n', 'src/unlisted/scratch.ts'), [
      'src/unlisted/scratch.ts is in no layer: add its folder to the layer block of docs/architecture.md',
    ]);
  });

  it('the tree as it is passes', { timeout: 300_000 }, async () => {
    const lint = new ESLint({ cwd: ROOT, ruleFilter: ({ ruleId }) => ruleId === RULE });
    const results = await lint.lintFiles(['src']);
    assert.ok(results.length > 100, `only ${results.length} files of src/ linted`);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line}: ${m.message}`));
    assert.deepEqual(problems, []);
  });
});
