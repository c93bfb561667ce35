/** The package version, for `--version`, logs and /healthz. */
import { readFileSync } from 'node:fs';

/** The package version, from the nearest package.json named ntlmgate above this file. */
export function packageVersion(): string {
  for (let url = new URL('./', import.meta.url); ; ) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'ntlmgate' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; look one level up
    }
    const up = new URL('../', url);
    if (up.href === url.href) return '0.0.0';
    url = up;
  }
}
