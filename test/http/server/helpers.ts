/**
 * Plumbing for the HTTP server tests: a server on 127.0.0.1:0 running the IWA handler with an
 * echo application, an in-memory AuditSink, our own NTLM/Negotiate clients over real
 * keep-alive sockets, a self-signed certificate from the openssl CLI, the curl and Python
 * requests-ntlm runners, and a seeded PRNG.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditSink } from '../../../src/audit/sink.js';
import { MemoryAuthority } from '../../../src/authority/memoryAuthority.js';
import type { AuditEvent } from '../../../src/events/event.js';
import { iwa, type IwaCore } from '../../../src/http/server/handler.js';
import type { IwaLogEntry } from '../../../src/http/server/log.js';
import type { IwaOptions } from '../../../src/http/server/options.js';
import type { ChannelBindings } from '../../../src/ntlm/channelBindings.js';
import { NtlmClientContext, type LmCompatibilityLevel } from '../../../src/ntlm/clientContext.js';
import { NegotiateClientContext } from '../../../src/spnego/negotiateClient.js';
import { PEERS_DIR } from '../../helpers/peers.js';

export const ALICE = { user: 'alice', domain: 'CORP', password: 'Al1ce!Pass2026' } as const;
export const BOB = { user: 'bob', domain: 'CORP', password: 'B0b!Pass2026' } as const;
/** A local account of WEB1 (its domain is the computer name). */
export const LOCAL = { user: 'svc', domain: 'WEB1', password: 'Svc!Pass2026' } as const;

export type Credentials = { readonly user: string; readonly domain: string; readonly password: string };

export function testAuthority(): MemoryAuthority {
  return new MemoryAuthority('CORP')
    .add({ ...nameOf(ALICE), password: ALICE.password, sid: 'S-1-5-21-1-2-3-1104', groups: ['WebUsers', 'Domain Users'] })
    .add({ ...nameOf(BOB), password: BOB.password, sid: 'S-1-5-21-1-2-3-1105', groups: ['Domain Users'] })
    .add({ ...nameOf(LOCAL), password: LOCAL.password, sid: 'S-1-5-21-9-9-9-1001' });
}

function nameOf(c: Credentials): { domain: string; name: string } {
  return { domain: c.domain, name: c.user };
}

/** Collects events in memory; `fail` makes writes reject as a broken store would. */
export class MemorySink implements AuditSink {
  readonly events: AuditEvent[] = [];
  fail = false;
  async write(events: readonly AuditEvent[]): Promise<void> {
    // Resolve on a later turn, as a real store does, so nothing relies on synchronous writes.
    await new Promise((r) => setImmediate(r));
    if (this.fail) throw new Error('disk full');
    this.events.push(...events);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  ids(): number[] {
    return this.events.map((e) => e.eventId);
  }
  clear(): void {
    this.events.length = 0;
  }
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly core: IwaCore;
  readonly logs: IwaLogEntry[];
  readonly sink: MemorySink;
  readonly server: http.Server | https.Server;
  close(): Promise<void>;
}

export interface Echo {
  readonly user: string;
  readonly name: string;
  readonly mechanism: string;
  readonly ntlmVersion: string;
  readonly authPackage: string;
  readonly micPresent: boolean;
  readonly channelBindings: string;
  readonly channelBindingsVerified: boolean;
  readonly mechListMicVerified: boolean;
  readonly groups: readonly string[];
}

export function baseOptions(extra: Partial<IwaOptions> = {}): IwaOptions {
  return {
    authority: testAuthority(),
    netbiosComputerName: 'WEB1',
    netbiosDomainName: 'CORP',
    dnsComputerName: 'web1.corp.example.test',
    dnsDomainName: 'corp.example.test',
    ...extra,
  };
}

/** A server whose application echoes `req.ntlmgate` as JSON. */
export async function startServer(
  extra: Partial<IwaOptions> = {},
  o: { readonly tls?: { readonly key: string; readonly cert: string }; readonly maxHeaderSize?: number } = {},
): Promise<TestServer> {
  const logs: IwaLogEntry[] = [];
  const sink = new MemorySink();
  const wrapped = iwa(baseOptions({ audit: sink, log: (e) => logs.push(e), serviceName: 'intranet', ...extra }))((req, res) => {
    const id = req.ntlmgate;
    res.setHeader('Content-Type', 'application/json');
    res.end(
      JSON.stringify({
        user: id?.user,
        name: id?.name,
        mechanism: id?.mechanism,
        ntlmVersion: id?.ntlm?.version,
        authPackage: id?.authPackage,
        micPresent: id?.ntlm?.micPresent,
        channelBindings: id?.ntlm?.channelBindings,
        channelBindingsVerified: id?.ntlm?.channelBindingsVerified,
        mechListMicVerified: id?.mechListMicVerified,
        groups: id?.groups,
      }),
    );
  });
  const httpOptions = { maxHeaderSize: o.maxHeaderSize ?? 64 * 1024, keepAliveTimeout: 30_000 };
  const server = o.tls ? https.createServer({ ...httpOptions, key: o.tls.key, cert: o.tls.cert }, wrapped) : http.createServer(httpOptions, wrapped);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    port,
    core: wrapped,
    logs,
    sink,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** As received, name/value pairs (node joins repeated WWW-Authenticate headers in `headers`). */
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

export interface RequestOptions {
  readonly agent?: http.Agent | false;
  /** An object, or raw [name, value, …] pairs (to send a header twice). */
  readonly headers?: http.OutgoingHttpHeaders | string[];
  readonly method?: string;
  readonly ca?: string;
  readonly body?: Buffer;
}

/** One request; resolves with status, headers and body. */
export function request(url: string, o: RequestOptions = {}): Promise<HttpResult> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: o.method ?? 'GET', agent: o.agent, headers: o.headers, ca: o.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

export function keepAliveAgent(url: string, ca?: string): http.Agent {
  return url.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets: 1, ca }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
}

/** The token of the `WWW-Authenticate` value for `scheme`, if any. */
export function challengeToken(res: HttpResult, scheme: string): Buffer | undefined {
  for (const v of wwwAuthenticate(res)) {
    if (v.toLowerCase().startsWith(`${scheme.toLowerCase()} `)) return Buffer.from(v.slice(scheme.length + 1).trim(), 'base64');
  }
  return undefined;
}

/** Each `WWW-Authenticate` header line, in order. */
export function wwwAuthenticate(res: HttpResult): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    if (res.rawHeaders[i]?.toLowerCase() === 'www-authenticate') out.push(res.rawHeaders[i + 1] ?? '');
  }
  return out;
}

export interface LoginOptions {
  readonly scheme?: 'NTLM' | 'Negotiate';
  /** Negotiate only: send bare NTLMSSP under the Negotiate scheme (as curl and Windows may). */
  readonly raw?: boolean;
  readonly credentials?: Credentials;
  readonly channelBindings?: ChannelBindings;
  readonly lmCompatibilityLevel?: LmCompatibilityLevel;
  readonly ca?: string;
  readonly headers?: http.OutgoingHttpHeaders;
  /** Called with each AUTHENTICATE-carrying token (to capture it for replays). */
  readonly onToken?: (leg: number, token: Buffer) => void;
}

/** Our own client through a whole handshake on `agent`; the last response (200, 401, 403…). */
export async function login(url: string, agent: http.Agent, o: LoginOptions = {}): Promise<HttpResult & { mechListMicVerified?: boolean }> {
  const scheme = o.scheme ?? 'Negotiate';
  const creds = o.credentials ?? ALICE;
  const common = { credentials: creds, workstation: 'WS01', targetSpn: 'HTTP/web1.corp.example.test', channelBindings: o.channelBindings, lmCompatibilityLevel: o.lmCompatibilityLevel };
  const ntlm = scheme === 'NTLM' ? new NtlmClientContext(common) : undefined;
  const nego = scheme === 'Negotiate' ? new NegotiateClientContext({ ...common, raw: o.raw }) : undefined;
  let token: Buffer | undefined = ntlm ? ntlm.negotiate() : nego?.initialToken();
  for (let leg = 1; token; leg++) {
    o.onToken?.(leg, token);
    const res = await request(url, { agent, ca: o.ca, headers: { ...o.headers, authorization: `${scheme} ${token.toString('base64')}` } });
    const answer = challengeToken(res, scheme);
    if (res.status !== 401) {
      // RFC 4559: a final SPNEGO token on the success response; our client verifies its mechListMIC.
      if (nego && answer && !o.raw) nego.step(answer);
      return { ...res, mechListMicVerified: nego?.mechListMicVerified };
    }
    if (!answer) return res;
    token = ntlm ? ntlm.authenticate(answer) : nego?.step(answer);
  }
  throw new Error('the handshake ended without a final response');
}

export function parseEcho(res: HttpResult): Echo {
  return JSON.parse(res.body) as Echo;
}

// ---------------------------------------------------------------------------
// Third-party clients and tools. Missing ones skip on a developer machine and fail under CI.

function skipOrFail(missing: string | undefined): string | false {
  if (!missing) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but a test peer is missing: ${missing}`);
  return missing;
}

export const CURL = '/usr/bin/curl';
export const PYTHON = '/usr/bin/python3';
export const OPENSSL_CONF = join(PEERS_DIR, 'openssl-legacy.cnf');

export function skipUnlessCurl(): string | false {
  return skipOrFail(existsSync(CURL) ? undefined : `needs ${CURL} (apt-get install curl)`);
}

export function skipUnlessOpenssl(): string | false {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return skipOrFail(r.status === 0 ? undefined : 'needs the openssl CLI (test/peers/install.sh)');
}

export function skipUnlessRequestsNtlm(): string | false {
  const r = spawnSync(PYTHON, ['-c', 'import requests, requests_ntlm'], { encoding: 'utf8', env: { ...process.env, OPENSSL_CONF } });
  return skipOrFail(r.status === 0 ? undefined : `needs ${PYTHON} with requests and requests_ntlm (python3-requests-ntlm; test/peers/install.sh)`);
}

export interface ToolResult {
  readonly exitCode: number;
  readonly status: number;
  readonly body: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: env ?? process.env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** `curl --ntlm -u DOMAIN\user:password` (curl sends a 32-byte NEGOTIATE and no MIC). */
export async function curlNtlm(url: string, creds: Credentials, extra: readonly string[] = []): Promise<ToolResult> {
  const r = await run(CURL, ['-sS', '--ntlm', '-u', `${creds.domain}\\${creds.user}:${creds.password}`, '-w', '\n%{http_code}', ...extra, url]);
  const cut = r.stdout.lastIndexOf('\n');
  return { exitCode: r.code, status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut), stderr: r.stderr };
}

const REQUESTS_NTLM = `
import json, sys, requests
from requests_ntlm import HttpNtlmAuth
url, user, password, verify = sys.argv[1:5]
with requests.Session() as s:
    r = s.get(url, auth=HttpNtlmAuth(user, password), verify=(False if verify == '-' else verify), timeout=20)
    print(json.dumps({'status': r.status_code, 'body': r.text}))
`;

/** Python `requests` + `requests_ntlm` (ntlm-auth underneath; sends channel bindings over HTTPS). */
export async function requestsNtlm(url: string, creds: Credentials, caFile?: string): Promise<ToolResult> {
  const r = await run(PYTHON, ['-c', REQUESTS_NTLM, url, `${creds.domain}\\${creds.user}`, creds.password, caFile ?? '-'], { ...process.env, OPENSSL_CONF });
  if (r.code !== 0) return { exitCode: r.code, status: 0, body: '', stderr: r.stderr };
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { status: number; body: string };
  return { exitCode: 0, status: out.status, body: out.body, stderr: r.stderr };
}

export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
  readonly certFile: string;
  cleanup(): void;
}

/** A fresh self-signed certificate for 127.0.0.1 / localhost (RSA, sha256WithRSAEncryption). */
export function makeCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-http-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export { prng } from '../../helpers/prng.js';

/** Polls until `fn` is true (or fails after `ms`). */
export async function eventually(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---------------------------------------------------------------------------
// curl --negotiate with gss-ntlmssp as the GSSAPI mechanism: NTLM inside SPNEGO from a real initiator.
// (Imported here rather than at the top so this section appends cleanly.)
import { readdirSync, writeFileSync } from 'node:fs';

const GSS_NTLMSSP_OID = '1.3.6.1.4.1.311.2.2.10';

/** The library of the GSSAPI mechanism registered for the NTLMSSP OID (MIT mechglue: /etc/gss/mech, /etc/gss/mech.d/*.conf). */
function gssNtlmsspLibrary(): string | undefined {
  const files = ['/etc/gss/mech'];
  if (existsSync('/etc/gss/mech.d')) files.push(...readdirSync('/etc/gss/mech.d').filter((f) => f.endsWith('.conf')).map((f) => join('/etc/gss/mech.d', f)));
  for (const file of files.filter((f) => existsSync(f))) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [, oid, library] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (oid === GSS_NTLMSSP_OID && library) return library;
    }
  }
  return undefined;
}

/** A curl built with GSS-API and SPNEGO, and gss-ntlmssp registered with the mechglue (test/peers/install.sh). */
export function skipUnlessCurlNegotiate(): string | false {
  let missing: string | undefined;
  if (!existsSync(CURL)) missing = `needs ${CURL} (apt-get install curl)`;
  else {
    const features = /^Features:(.*)$/m.exec(spawnSync(CURL, ['-V'], { encoding: 'utf8' }).stdout ?? '')?.[1]?.trim().split(/\s+/) ?? [];
    const library = gssNtlmsspLibrary();
    if (!features.includes('SPNEGO') || !features.includes('GSS-API')) missing = `needs a ${CURL} built with GSS-API and SPNEGO (it lists: ${features.join(' ')})`;
    else if (!library || !existsSync(library)) missing = `needs gss-ntlmssp registered for ${GSS_NTLMSSP_OID} in /etc/gss/mech.d (apt-get install gss-ntlmssp; test/peers/install.sh)`;
  }
  return skipOrFail(missing);
}

/**
 * `curl --negotiate -u :` with gss-ntlmssp as the mechanism: the password comes from
 * `NTLM_USER_FILE` (a line `DOMAIN:user:password`), the user from `NTLMUSER`. No Kerberos
 * credentials are reachable (`KRB5CCNAME` and the client keytab point nowhere), so SPNEGO offers
 * NTLM alone. `debugLog`: a file for `GSSNTLMSSP_DEBUG` (gss-ntlmssp's trace of its calls).
 */
export async function curlNegotiate(url: string, creds: Credentials, o: { readonly extra?: readonly string[]; readonly debugLog?: string } = {}): Promise<ToolResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-gssntlmssp-'));
  try {
    const userFile = join(dir, 'ntlm_users');
    writeFileSync(userFile, `${creds.domain}:${creds.user}:${creds.password}\n`, { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KRB5CCNAME: `FILE:${join(dir, 'no-ccache')}`,
      KRB5_CLIENT_KTNAME: `FILE:${join(dir, 'no-keytab')}`,
      NTLM_USER_FILE: userFile,
      NTLMUSER: creds.user,
      ...(o.debugLog ? { GSSNTLMSSP_DEBUG: o.debugLog } : {}),
    };
    const r = await run(CURL, ['-sS', '--negotiate', '-u', ':', '-w', '\n%{http_code}', ...(o.extra ?? []), url], env);
    const cut = r.stdout.lastIndexOf('\n');
    return { exitCode: r.code, status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut), stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
