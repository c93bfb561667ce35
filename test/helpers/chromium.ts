/**
 * Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for browser interop
 * tests. A missing browser skips a test with a clear message on a developer machine; under
 * CI=true it fails instead (CI installs chromium through test/peers/install.sh).
 *
 * What this Chromium does with Integrated Windows Authentication (Chromium 156, Debian 12):
 * - `httpCredentials` has no domain field; Chromium's NTLM splits `DOMAIN\user` itself. A bare
 *   `user` works too (empty domain in the AUTHENTICATE; the authority fills in its own).
 * - It never sends a Negotiate leg: its net log shows the Negotiate challenge rejected with
 *   ERR_UNSUPPORTED_AUTH_SCHEME before any GSSAPI library is loaded — also with
 *   --auth-server-allowlist, --gssapi-library-name and a usable gss-ntlmssp in the environment.
 *   It takes the next challenge, NTLM, with its portable (built-in) implementation; a server
 *   offering Negotiate alone is therefore answered with nothing (the page stays 401).
 * - Its NTLM sends a MIC and always sends MsvAvChannelBindings: the RFC 5929
 *   tls-server-end-point hash of the certificate it saw over HTTPS, all zeros over plain HTTP.
 * - `launch()` already runs on a fresh temporary profile that Playwright deletes on close
 *   (passing --user-data-dir to launch() is refused); every test user gets its own context.
 * - No auth allow-list flag is needed for NTLM with explicit credentials.
 */
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Headless, no sandbox (CI runs as root), nothing that talks to the network on its own. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why Chromium cannot run here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    return `needs ${CHROMIUM} (apt-get install chromium; test/peers/install.sh)`;
  }
  try {
    createRequire(import.meta.url).resolve('playwright-core');
  } catch {
    return 'needs the playwright-core devDependency (npm ci)';
  }
  return undefined;
}

/** `skip` option for node:test: a reason on a developer machine, a hard failure under CI. */
export function skipUnlessChromium(): string | false {
  const missing = chromiumMissing();
  if (!missing) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but Chromium is missing: ${missing}`);
  return missing;
}

/** One headless Chromium; close it in `after`. No Kerberos ticket or NTLM user file from the environment reaches it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS],
    timeout: 60_000,
    env: { ...process.env, KRB5CCNAME: 'FILE:/nonexistent', NTLM_USER_FILE: undefined, NTLMUSER: undefined },
  });
}

export interface BrowserCredentials {
  /** As typed into the browser's prompt: `CORP\alice` or `alice`. */
  readonly username: string;
  readonly password: string;
}

/**
 * A fresh context answering authentication challenges from `origin` only with `credentials`
 * (TLS errors ignored: the test servers use self-signed certificates); closed after `fn`.
 */
export async function withContext<T>(browser: Browser, origin: string, credentials: BrowserCredentials, fn: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext({ httpCredentials: { ...credentials, origin }, ignoreHTTPSErrors: true });
  try {
    return await fn(await context.newPage());
  } finally {
    await context.close();
  }
}

export interface PageResult {
  readonly status: number;
  readonly body: string;
}

/** Navigates `page` to `url`; the final response's status and body. */
export async function open(page: Page, url: string): Promise<PageResult> {
  const response = await page.goto(url);
  if (!response) throw new Error(`no response for ${url}`);
  return { status: response.status(), body: await response.text() };
}

/** A `fetch()` from the page (same origin, so it may reuse the page's connection). */
export function fetchFrom(page: Page, url: string): Promise<PageResult> {
  return page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, body: await r.text() };
  }, url);
}
