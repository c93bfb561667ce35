/**
 * Real Kerberos bytes captured from MIT krb5 1.20 and a Samba 4.17 AD DC (see
 * test/fixtures/kerberos/README.md), and the MIT `klist` the keytab/ccache tests compare with.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { decodeCcache } from '../../src/kerberos/index.js';

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../../test/fixtures/kerberos/${name}`, import.meta.url));
}

export function fixtureText(name: string): string {
  return fixture(name).toString('utf8');
}

/** The channel bindings the captured AP-REQ was made with (python-gssapi, application data only). */
export const CAPTURED_CB_APPLICATION_DATA = Buffer.concat([Buffer.from('tls-server-end-point:'), Buffer.from(Array.from({ length: 32 }, (_, i) => i))]);

/** A time at which the captured tickets were valid: a minute after kvno got the service ticket. */
export const CAPTURE_TIME = ((): Date => {
  const svc = decodeCcache(fixture('alice-v4.ccache')).credentials.find((c) => c.server.name.nameString[0] === 'HTTP');
  if (svc === undefined) throw new Error('alice-v4.ccache has no HTTP/ ticket');
  return new Date(svc.starttime.getTime() + 60_000);
})();

/** `skip` for tests that run MIT klist: a reason on a laptop without krb5-user, a failure under CI. */
export function skipUnlessKlist(): string | false {
  const r = spawnSync('klist', ['-V'], { encoding: 'utf8' });
  if (!r.error && r.status === 0) return false;
  const why = 'needs MIT klist (Debian krb5-user; run test/peers/install.sh)';
  if (process.env.CI === 'true') throw new Error(`CI=true but ${why}`);
  return why;
}

/** MIT klist with UTC times. */
export function klist(args: readonly string[]): string {
  const r = spawnSync('klist', args, { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  if (r.status !== 0) throw new Error(`klist ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** `MM/DD/YY HH:MM:SS` in UTC, as klist prints times under TZ=UTC (C locale). */
export function klistTime(d: Date): string {
  const p = (v: number): string => String(v).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Every KerberosDecodeError-or-nothing check: runs fn, returns the error it threw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
