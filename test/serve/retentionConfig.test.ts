/** `audit.retention` in ntlmgate.yaml: the documented defaults, `off`, and every bad value reported with its key path. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETENTION } from '../../src/audit/retention.js';
import { parseServeConfig, parseServeConfigText, ServeConfigError } from '../../src/serve/config.js';
import { formatSize, parseSize } from '../../src/config/size.js';

const at = { baseDir: '/srv/gw', file: '/srv/gw/ntlmgate.yaml' };

function problems(yaml: string): string[] {
  try {
    parseServeConfigText(yaml, at);
  } catch (e) {
    if (e instanceof ServeConfigError) return [...e.problems];
    throw e;
  }
  assert.fail(`accepted:\n${yaml}`);
}

describe('audit.retention', () => {
  it('is on by default with the documented limits: 1 GiB, 90 days, overwrite', () => {
    const r = parseServeConfig(undefined, { baseDir: '/srv/gw' }).audit.retention;
    assert.deepEqual(r, { ...DEFAULT_RETENTION, archiveDir: '/srv/gw/.ntlmgate/audit-archive' });
    assert.equal(r?.maxBytes, 1024 ** 3);
    assert.equal(r?.maxAgeMs, 90 * 86_400_000);
    assert.equal(r?.mode, 'overwrite');
  });

  it('reads sizes, durations, modes and paths', () => {
    const r = parseServeConfigText(
      'stateDir: /var/lib/ntlmgate\naudit:\n  retention: { maxSize: 500MB, maxAge: 30d, mode: archive, archiveDir: ./archive, checkEvery: 500, checkInterval: 30s }\n',
      at,
    ).audit.retention;
    assert.deepEqual(r, { maxBytes: 500_000_000, maxAgeMs: 30 * 86_400_000, mode: 'archive', archiveDir: '/srv/gw/archive', checkEveryEvents: 500, checkIntervalMs: 30_000 });
    const postgres = parseServeConfigText('audit: { store: "postgres://gw@db/audit", retention: { maxSize: 2GiB, maxAge: off } }\n', at).audit.retention;
    assert.equal(postgres?.maxBytes, 2 * 1024 ** 3);
    assert.equal(postgres?.maxAgeMs, undefined);
  });

  it('`off` turns it off; a jsonl: or stdout: store has none by default', () => {
    assert.equal(parseServeConfigText('audit: { retention: off }\n', at).audit.retention, undefined);
    assert.equal(parseServeConfigText('audit: { retention: false }\n', at).audit.retention, undefined);
    assert.equal(parseServeConfigText('audit: { store: "jsonl:./audit.jsonl" }\n', at).audit.retention, undefined);
    assert.equal(parseServeConfigText('audit: { store: "stdout:" }\n', at).audit.retention, undefined);
  });

  it('reports every bad value with its key path', () => {
    const all = problems(
      'audit:\n  retention:\n    maxSize: 12 parsecs\n    maxAge: 30s\n    mode: rotate\n    checkEvery: 0\n    checkInterval: 0s\n    maxsise: 1GB\n',
    );
    for (const key of ['maxSize', 'maxAge', 'mode', 'checkEvery', 'checkInterval', 'maxsise']) {
      assert.ok(all.some((p) => p.startsWith(`audit.retention.${key}:`)), `${key} in ${JSON.stringify(all)}`);
    }
    assert.ok(all.some((p) => /maxsise: unknown key \(did you mean maxSize\?\)/.test(p)));
    assert.match(problems('audit: { retention: { maxSize: 65536 } }\n').join('\n'), /audit\.retention\.maxSize: 64 KiB is below the smallest cap, 1 MiB/);
    assert.match(problems('audit: { retention: { archiveDir: ./a } }\n').join('\n'), /audit\.retention\.archiveDir: only used with mode: archive/);
    assert.match(problems('audit: { store: "jsonl:./a.jsonl", retention: { maxAge: 7d } }\n').join('\n'), /^audit\.retention: only sqlite: and postgres:\/\/ audit stores are pruned/m);
  });
});

describe('sizes', () => {
  it('reads decimal and binary units, and refuses what is not a size', () => {
    assert.equal(parseSize('500MB'), 500_000_000);
    assert.equal(parseSize('1GiB'), 1024 ** 3);
    assert.equal(parseSize('1.5 GB'), 1_500_000_000);
    assert.equal(parseSize('4096'), 4096);
    assert.equal(parseSize(4096), 4096);
    for (const bad of ['', 'GB', '-1GB', '1 GBs', '1e3', 'ten']) assert.equal(parseSize(bad), undefined, bad);
    assert.equal(parseSize(1.5), undefined);
    assert.equal(formatSize(1024 ** 3), '1 GiB');
    assert.equal(formatSize(1_500_000), '1.43 MiB');
  });
});
