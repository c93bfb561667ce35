/**
 * What `serve` reads and checks before it writes anything (no state folder, no store, no demo
 * account): the policy, the identity-header secret and each listener's certificate and key.
 * Every problem comes back at once, with its key path, as a ServeConfigError (exit 2), so a
 * typo'd path or a swapped cert/key pair is named as such instead of surfacing as a bare
 * ENOENT, a PEM parse error or, for a short secret, a 500 on every logon.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { resolveServePolicy, ServeConfigError, type ServeConfig } from './config.js';
import { MIN_SECRET_BYTES } from '../http/server/identityHeaders.js';
import type { NtlmPolicy } from '../policy/policy.js';

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface Preflight {
  readonly policy: NtlmPolicy;
  /** The identity-header HMAC key; undefined when none is configured. */
  readonly secret: Buffer | undefined;
  /** Per listener, in configured order: its certificate and key, or undefined for plain HTTP. */
  readonly tls: readonly (TlsMaterial | undefined)[];
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
};

/** `cannot read /etc/x.pem: no such file`, from a failed readFile. */
export function readProblem(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return `cannot read ${path}: ${(code && ERRNO_TEXT[code]) ?? (e instanceof Error ? e.message : String(e))}`;
}

async function read(path: string, keyPath: string, problems: string[]): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    problems.push(`${keyPath}: ${readProblem(path, e)}`);
    return undefined;
  }
}

const holds = (pem: Buffer, label: RegExp): boolean => label.test(pem.toString('latin1'));

async function readTls(config: ServeConfig, i: number, problems: string[]): Promise<TlsMaterial | undefined> {
  const files = config.listen[i]?.tls;
  if (!files) return undefined;
  const at = `listen[${i}].tls`;
  const [cert, key] = [await read(files.cert, `${at}.cert`, problems), await read(files.key, `${at}.key`, problems)];
  if (!cert || !key) return undefined;
  let x509: X509Certificate | undefined;
  let keyObject: KeyObject | undefined;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    const swapped = holds(cert, /-----BEGIN [A-Z ]*PRIVATE KEY-----/) ? ' but a private key (are cert and key swapped?)' : '';
    problems.push(`${at}.cert: ${files.cert} holds no PEM certificate${swapped}`);
  }
  try {
    keyObject = createPrivateKey(key);
  } catch (e) {
    const why = holds(key, /-----BEGIN CERTIFICATE-----/) && !holds(key, /PRIVATE KEY-----/) ? 'holds a certificate, not a private key (are cert and key swapped?)' : `holds no usable PEM private key (${e instanceof Error ? e.message : String(e)})`;
    problems.push(`${at}.key: ${files.key} ${why}`);
  }
  if (!x509 || !keyObject) return undefined;
  if (!x509.checkPrivateKey(keyObject)) {
    problems.push(`${at}.key: ${files.key} is not the private key of the certificate in ${files.cert}`);
    return undefined;
  }
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    problems.push(`${at}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  return { cert, key };
}

async function readSecret(config: ServeConfig, env: NodeJS.ProcessEnv, problems: string[]): Promise<Buffer | undefined> {
  const s = config.upstream?.identitySecret;
  if (!s) return undefined;
  const at = 'env' in s ? 'upstream.identitySecretEnv' : 'upstream.identitySecretFile';
  let value: string | undefined;
  if ('env' in s) value = env[s.env];
  else value = (await read(s.file, at, problems))?.toString('utf8').trim();
  if (value === undefined && 'file' in s) return undefined;
  const where = 'env' in s ? `the environment variable ${s.env}` : s.file;
  if (!value) {
    problems.push(`${at}: ${where} ${'env' in s ? 'is not set' : 'is empty'}`);
    return undefined;
  }
  const bytes = Buffer.byteLength(value);
  if (bytes < MIN_SECRET_BYTES) {
    problems.push(`${at}: ${where} holds ${bytes} bytes; the identity headers' HMAC-SHA256 key needs at least ${MIN_SECRET_BYTES} (e.g. openssl rand -base64 32)`);
    return undefined;
  }
  return Buffer.from(value);
}

/** Reads and checks everything `startServe` needs from outside the configuration; writes nothing. */
export async function preflightServe(config: ServeConfig, env: NodeJS.ProcessEnv = process.env): Promise<Preflight> {
  const problems: string[] = [];
  let policy: NtlmPolicy | undefined;
  try {
    policy = await resolveServePolicy(config);
  } catch (e) {
    if (!(e instanceof ServeConfigError)) throw e;
    problems.push(...e.problems);
  }
  const secret = await readSecret(config, env, problems);
  const tls: (TlsMaterial | undefined)[] = [];
  for (let i = 0; i < config.listen.length; i++) tls.push(await readTls(config, i, problems));
  if (problems.length > 0 || !policy) throw new ServeConfigError(problems, config.file);
  return { policy, secret, tls };
}
