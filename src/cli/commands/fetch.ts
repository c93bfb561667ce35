/**
 * `ntlmgate fetch <url>`: a small curl-like client over NtlmDispatcher (src/http/client) —
 * NTLM / Negotiate to the server and to a proxy, the outgoing Restrict-NTLM policy, and with
 * `-v` every handshake header decoded by the `decode` decoder. Scriptable: stdout carries the
 * response body (and with `-i` its head) and nothing else; everything else goes to stderr.
 * It doubles as the gateway's NTLM health probe (`ntlmgate fetch -u … --max-time 5 URL`).
 *
 * Passwords never come from the command line (shell history and `ps` keep it): a no-echo
 * prompt, one line on stdin (`--password-stdin`), or NTLMGATE_PASSWORD; the proxy's from
 * NTLMGATE_PROXY_PASSWORD or a prompt. `--password`, `--proxy-password` and `-u user:password`
 * are refused with a message saying so.
 *
 * Exit codes (FETCH_EXIT): 0 a response below 400; 22 a response of 400 or more (as
 * `curl --fail`; its body is still written); 1 no response (connection, TLS, handshake or
 * protocol failure); 2 usage; 4 the outgoing NTLM policy blocked the token; 28 --max-time ran out.
 */
import { Option, type Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import { loadPolicyFile } from '../../config/policyFile.js';
import { HttpAuthError, NtlmPolicyBlockedError } from '../../http/client/errors.js';
import { NtlmDispatcher, type NtlmDispatcherOptions } from '../../http/client/dispatcher.js';
import type { AuthLeg } from '../../http/client/options.js';
import { PolicyConfigError } from '../../policy/errors.js';
import type { NtlmPolicy } from '../../policy/policy.js';
import { AUTH_SCHEMES, type AuthScheme } from '../../policy/requests.js';
import { describeInput } from '../describe.js';
import { CliError, isTokenError } from '../errors.js';
import { setExitCode } from '../exitCode.js';
import { readStdin } from '../io.js';
import { renderText, tokenNodes } from '../render.js';
import { passwordFromStdin, terminalSecretPrompt } from '../prompt.js';

export const FETCH_EXIT = { ok: 0, failed: 1, usage: 2, policy: 4, http: 22, timeout: 28 } as const;

export const PASSWORD_ENV = 'NTLMGATE_PASSWORD';
export const PROXY_PASSWORD_ENV = 'NTLMGATE_PROXY_PASSWORD';

export const FETCH_PASSWORD_REFUSAL =
  `passwords are never taken from the command line (shell history and \`ps\` would keep them): type it at the prompt, pipe it with --password-stdin, or set ${PASSWORD_ENV}`;
export const FETCH_PROXY_PASSWORD_REFUSAL =
  `passwords are never taken from the command line (shell history and \`ps\` would keep them): type it at the prompt, or set ${PROXY_PASSWORD_ENV}`;

export interface FetchOptions {
  readonly user?: string;
  readonly passwordStdin?: boolean;
  readonly request?: string;
  readonly header?: readonly string[];
  readonly data?: string;
  readonly proxy?: string;
  readonly proxyUser?: string;
  readonly proxytunnel?: boolean;
  readonly insecure?: boolean;
  readonly cacert?: string;
  readonly include?: boolean;
  readonly output?: string;
  readonly verbose?: boolean;
  readonly policy?: string;
  readonly ntlm?: boolean;
  readonly negotiate?: boolean;
  readonly maxTime?: string;
  /** Only ever set to be refused. */
  readonly password?: string | boolean;
  readonly proxyPassword?: string | boolean;
}

/** What the command touches outside itself (replaced in tests; the CLI uses the process's). */
export interface FetchIo {
  readonly stdout: Writable;
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly readStdinText: () => Promise<string>;
  readonly readStdinBytes: () => Promise<Buffer>;
  /** Asks for a secret without echo; undefined when there is no terminal to ask on. */
  readonly askSecret?: (question: string) => Promise<string>;
}

async function stdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

export function defaultFetchIo(): FetchIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    readStdinText: readStdin,
    readStdinBytes: stdinBytes,
    askSecret: terminalSecretPrompt(),
  };
}

// ---------------------------------------------------------------------------
// Options to request parts.

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** `-H "Name: value"` lines as [name, value] pairs; a malformed one is a usage error. */
export function parseHeaderLines(lines: readonly string[]): [string, string][] {
  return lines.map((line) => {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!HEADER_NAME.test(name)) throw new CliError(`-H ${JSON.stringify(line)} is not "Name: value"`, 2);
    const value = line.slice(colon + 1).trim();
    if (/[\r\n\0]/.test(value)) throw new CliError(`-H ${name}: the value contains a line break or NUL`, 2);
    return [name, value];
  });
}

/** `-u` as the dispatcher takes it; `user:password` (curl's form) is refused. */
function accountOption(text: string, what: '-u' | '--proxy-user'): string {
  if (text.includes(':')) throw new CliError(`${what} names an account only (DOMAIN\\user or user@domain): ${what === '-u' ? FETCH_PASSWORD_REFUSAL : FETCH_PROXY_PASSWORD_REFUSAL}`, 2);
  if (text.trim() === '') throw new CliError(`${what} needs an account: DOMAIN\\user or user@domain`, 2);
  return text;
}

function envSecret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

async function passwordFor(io: FetchIo, opts: FetchOptions, account: string): Promise<string> {
  if (opts.passwordStdin) return passwordFromStdin(await io.readStdinText());
  const fromEnv = envSecret(io.env, PASSWORD_ENV);
  if (fromEnv !== undefined) return fromEnv;
  if (!io.askSecret) throw new CliError(`no terminal to ask for the password of ${account} on: pipe it with --password-stdin or set ${PASSWORD_ENV}`, 2);
  return io.askSecret(`Password for ${account}: `);
}

async function proxyPasswordFor(io: FetchIo, account: string): Promise<string> {
  const fromEnv = envSecret(io.env, PROXY_PASSWORD_ENV);
  if (fromEnv !== undefined) return fromEnv;
  if (!io.askSecret) throw new CliError(`no terminal to ask for the proxy password of ${account} on: set ${PROXY_PASSWORD_ENV}`, 2);
  return io.askSecret(`Proxy password for ${account}: `);
}

async function readFileOption(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new CliError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 2);
  }
}

async function bodyOf(io: FetchIo, data: string | undefined): Promise<Buffer | undefined> {
  if (data === undefined) return undefined;
  if (data === '@-') return io.readStdinBytes();
  if (data.startsWith('@')) return readFileOption(data.slice(1), '-d file');
  return Buffer.from(data, 'utf8');
}

async function policyOf(file: string | undefined): Promise<NtlmPolicy | undefined> {
  if (file === undefined) return undefined;
  try {
    return await loadPolicyFile(file);
  } catch (e) {
    if (e instanceof PolicyConfigError) throw new CliError(e.message, 2);
    throw new CliError(`cannot read policy file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 2);
  }
}

function schemesOf(opts: FetchOptions): readonly AuthScheme[] | undefined {
  if (opts.ntlm && opts.negotiate) return AUTH_SCHEMES;
  if (opts.ntlm) return ['NTLM'];
  if (opts.negotiate) return ['Negotiate'];
  return undefined;
}

function maxTimeMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0) throw new CliError(`--max-time must be a positive number of seconds, got ${JSON.stringify(text)}`, 2);
  return Math.ceil(s * 1000);
}

// ---------------------------------------------------------------------------
// -v: the handshake legs, decoded.

/** The text `-v` prints for one leg: the header line, then the token decoded (indented). */
export function formatLeg(leg: AuthLeg): string {
  const arrow = leg.direction === 'sent' ? `> ${leg.method ?? ''}` : `< ${leg.status ?? ''}`;
  const lines = [`${arrow} ${leg.header}: ${leg.value}`];
  if (/^\s*(?:NTLM|Negotiate)\s+\S/i.test(leg.value)) {
    try {
      lines.push(...renderText(tokenNodes(describeInput(`${leg.header}: ${leg.value}`)), 2));
    } catch (e) {
      if (!isTokenError(e)) throw e;
      lines.push(`    (cannot decode: ${e.message})`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function headerText(headers: IncomingHttpHeaders, prefix: string, eol: string): string {
  let out = '';
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const value of Array.isArray(v) ? v : [v]) out += `${prefix}${k}: ${value}${eol}`;
  }
  return out;
}

// ---------------------------------------------------------------------------

function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError' || (e as { code?: string }).code === 'UND_ERR_ABORTED');
}

/** The client's own error, when undici (or fetch) wrapped it. */
function clientError(e: unknown): HttpAuthError | undefined {
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 4; x = x.cause, depth++) {
    if (x instanceof HttpAuthError) return x;
  }
  return undefined;
}

function describeFailure(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}${typeof code === 'string' && !e.message.includes(code) ? ` (${code})` : ''}`;
}

/** Stops with an exit code main() does not know (4, 28) and the one-line message. */
function failWith(io: FetchIo, code: number, message: string): void {
  io.stderr.write(`ntlmgate: ${message}\n`);
  setExitCode(code);
}

export async function runFetch(urlText: string | undefined, opts: FetchOptions, io: FetchIo = defaultFetchIo()): Promise<void> {
  if (opts.password !== undefined) throw new CliError(FETCH_PASSWORD_REFUSAL, 2);
  if (opts.proxyPassword !== undefined) throw new CliError(FETCH_PROXY_PASSWORD_REFUSAL, 2);
  // The URL is optional to commander only so that `--password <url>` gets the refusal above, not "missing url".
  if (urlText === undefined) throw new CliError("missing required argument 'url'", 2);
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new CliError(`not a URL: ${urlText}`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`only http: and https: URLs, got ${url.protocol}`, 2);
  if (url.username !== '' || url.password !== '') throw new CliError(`credentials in the URL are refused: use -u; ${FETCH_PASSWORD_REFUSAL}`, 2);
  if (opts.user === undefined) throw new CliError('-u DOMAIN\\user (or user@domain) is required', 2);
  const user = accountOption(opts.user, '-u');
  const proxyUser = opts.proxyUser === undefined ? undefined : accountOption(opts.proxyUser, '--proxy-user');
  if (proxyUser !== undefined && opts.proxy === undefined) throw new CliError('--proxy-user needs --proxy', 2);
  if (opts.passwordStdin && opts.data === '@-') {
    throw new CliError(`stdin cannot carry both the password (--password-stdin) and the body (-d @-): put the body in a file (-d @FILE) or the password in ${PASSWORD_ENV}`, 2);
  }
  const headers = parseHeaderLines(opts.header ?? []);
  const timeout = maxTimeMs(opts.maxTime);
  const policy = await policyOf(opts.policy);
  const ca = opts.cacert === undefined ? undefined : await readFileOption(opts.cacert, '--cacert');

  const password = await passwordFor(io, opts, user);
  const proxyPassword = proxyUser === undefined ? undefined : await proxyPasswordFor(io, proxyUser);
  const body = await bodyOf(io, opts.data);
  const method = (opts.request ?? (body !== undefined ? 'POST' : 'GET')).toUpperCase();
  if (body !== undefined && !headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);

  const verbose = opts.verbose === true;
  const options: NtlmDispatcherOptions = {
    credentials: { username: user, password },
    schemes: schemesOf(opts),
    policy,
    connections: 1,
    connect: { ...(opts.insecure ? { rejectUnauthorized: false } : {}), ...(ca ? { ca } : {}), ...(timeout ? { timeout } : {}) },
    proxy:
      opts.proxy === undefined
        ? undefined
        : { url: opts.proxy, credentials: proxyUser === undefined ? undefined : { username: proxyUser, password: proxyPassword ?? '' }, tunnel: opts.proxytunnel === true },
    onAuthLeg: verbose ? (leg) => io.stderr.write(formatLeg(leg)) : undefined,
  };
  let dispatcher: NtlmDispatcher;
  try {
    dispatcher = new NtlmDispatcher(options);
  } catch (e) {
    if (e instanceof HttpAuthError) throw new CliError(e.message, 2);
    throw e;
  }

  const signal = timeout === undefined ? undefined : AbortSignal.timeout(timeout);
  try {
    if (verbose) io.stderr.write(`* ${method} ${url.href} as ${user}${opts.proxy ? ` via ${opts.proxy}${proxyUser ? ` as ${proxyUser}` : ''}` : ''}\n`);
    const res = await request(url, { dispatcher, method, headers: headers.flat(), body, signal });
    const status = res.statusCode;
    if (verbose) io.stderr.write(`< HTTP ${status} ${res.statusText}\n${headerText(res.headers, '< ', '\n')}`);
    const out: Writable = opts.output === undefined ? io.stdout : createWriteStream(opts.output);
    if (opts.include) out.write(`HTTP/1.1 ${status} ${res.statusText}`.trimEnd() + `\r\n${headerText(res.headers, '', '\r\n')}\r\n`);
    await pipeline(res.body, out, { end: opts.output !== undefined });
    if (status >= 400) failWith(io, FETCH_EXIT.http, `HTTP ${status}${res.statusText ? ` ${res.statusText}` : ''} from ${url.href}`);
    await dispatcher.close();
  } catch (e) {
    await dispatcher.destroy().catch(() => undefined);
    const own = clientError(e);
    if (own instanceof NtlmPolicyBlockedError) {
      failWith(io, FETCH_EXIT.policy, `${own.message} (policy ${opts.policy ?? 'default'}; no NTLM token was sent)`);
      return;
    }
    if (signal?.aborted && isAbort(e)) {
      failWith(io, FETCH_EXIT.timeout, `no complete response from ${url.origin} within --max-time ${opts.maxTime ?? ''} s`);
      return;
    }
    if (own) throw new CliError(`${url.origin}: ${own.message} (${own.code})`);
    throw new CliError(`${url.origin}: ${describeFailure(e)}`);
  }
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerFetch(program: Command): void {
  program
    .command('fetch')
    .summary('make an HTTP request with NTLM/Negotiate (curl-like; -v decodes the handshake)')
    .description(
      'Make one HTTP(S) request as a Windows account, answering NTLM and Negotiate challenges from the server ' +
        'and from a proxy, under the outgoing NTLM policy. The response body goes to stdout (or -o FILE) and ' +
        'nothing else does: messages, prompts and -v go to stderr.\n\n' +
        `The password is read at a no-echo prompt, from one line on stdin (--password-stdin) or from ${PASSWORD_ENV}; ` +
        `the proxy's from ${PROXY_PASSWORD_ENV} or a prompt. Never from the command line.`,
    )
    .argument('[url]', 'http:// or https:// URL (required)')
    .option('-u, --user <account>', 'the account: DOMAIN\\user or user@domain (required)')
    .option('--password-stdin', 'read the password from one line on stdin instead of prompting')
    .option('-X, --request <method>', 'request method (default GET, or POST with -d)')
    .option('-H, --header <line>', '"Name: value" request header (repeatable)', collect)
    .option('-d, --data <data>', 'request body: text, @FILE, or @- for stdin (sent as is; default Content-Type application/x-www-form-urlencoded)')
    .option('--proxy <url>', 'HTTP proxy, http://host:port (may ask for NTLM/Negotiate itself)')
    .option('--proxy-user <account>', `the proxy's account (default: -u's); password from ${PROXY_PASSWORD_ENV} or a prompt`)
    .option('-p, --proxytunnel', 'send http:// requests through a CONNECT tunnel too (https:// always tunnels)')
    .option('-k, --insecure', 'do not verify the server certificate')
    .option('--cacert <file>', 'trust these PEM CA certificates (instead of the system ones)')
    .option('--ntlm', 'answer NTLM only')
    .option('--negotiate', 'answer Negotiate only')
    .option('--policy <file>', 'outgoing Restrict-NTLM policy file (YAML/JSON; see docs/policy.md)')
    .option('-i, --include', 'write the response status line and headers before the body')
    .option('-o, --output <file>', 'write the body (and -i head) to FILE instead of stdout')
    .option('-m, --max-time <seconds>', 'give up after this long (exit 28)')
    .option('-v, --verbose', 'show each Authorization / WWW-Authenticate / Proxy-* header decoded, and the response head, on stderr')
    .addOption(new Option('--password [value]', 'refused: see --password-stdin').hideHelp())
    .addOption(new Option('--proxy-password [value]', `refused: see ${PROXY_PASSWORD_ENV}`).hideHelp())
    .addHelpText(
      'after',
      '\nExit codes:\n' +
        '  0   a response with status below 400\n' +
        '  22  a response with status 400 or more (401 for refused credentials; the body is still written), as curl --fail\n' +
        '  1   no response: connection, TLS, handshake or protocol failure\n' +
        '  2   usage error (options, password source, unreadable file)\n' +
        '  4   the outgoing NTLM policy (--policy) blocked the token; none was sent\n' +
        '  28  --max-time ran out\n\n' +
        'Examples:\n' +
        `  ${PASSWORD_ENV}=… ntlmgate fetch -u 'CORP\\alice' https://intranet.corp.example/\n` +
        "  printf '%s\\n' \"$PW\" | ntlmgate fetch -u alice@corp.example --password-stdin -d @report.json -H 'Content-Type: application/json' https://intranet/api\n" +
        "  ntlmgate fetch -v -u 'CORP\\alice' --proxy http://proxy:3128 --proxy-user 'CORP\\svc-proxy' http://intranet/ > /dev/null",
    )
    .action(async (url: string | undefined, opts: FetchOptions) => {
      await runFetch(url, opts);
    });
}
