// RFC 5929 §4.1 tls-server-end-point hash over real certificates made by the openssl
// CLI (skipped when it is missing), and malformed input → CertificateError only.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CertificateError,
  certificateHashAlgorithm,
  signatureAlgorithmOf,
  tlsServerEndPointHash,
  type CertHashAlgorithm,
} from '../../src/crypto/certificateHash.js';

const HAVE_OPENSSL = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
// CI installs openssl (test/peers/install.sh); there a missing CLI is a failure, not a skip.
if (!HAVE_OPENSSL && process.env.CI === 'true') throw new Error('CI=true but the openssl CLI is missing');

/** Asserts that `fn` throws a CertificateError (and nothing else). */
function assertCertError(fn: () => unknown, label: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof CertificateError, `${label}: expected CertificateError, got ${String(caught)}`);
  assert.equal(caught.name, 'CertificateError');
}

type KeyKind = 'rsa' | 'p256' | 'p384' | 'ed25519';

interface Case {
  name: string;
  key: KeyKind;
  args: string[];
  alg: CertHashAlgorithm;
  oid: string;
}

const CASES: Case[] = [
  { name: 'RSA with SHA-256', key: 'rsa', args: ['-sha256'], alg: 'sha256', oid: '1.2.840.113549.1.1.11' },
  { name: 'RSA with SHA-384', key: 'rsa', args: ['-sha384'], alg: 'sha384', oid: '1.2.840.113549.1.1.12' },
  { name: 'RSA with SHA-512', key: 'rsa', args: ['-sha512'], alg: 'sha512', oid: '1.2.840.113549.1.1.13' },
  { name: 'RSA with SHA-1 (mapped to SHA-256)', key: 'rsa', args: ['-sha1'], alg: 'sha256', oid: '1.2.840.113549.1.1.5' },
  { name: 'ECDSA P-256 with SHA-256', key: 'p256', args: ['-sha256'], alg: 'sha256', oid: '1.2.840.10045.4.3.2' },
  { name: 'ECDSA P-384 with SHA-384', key: 'p384', args: ['-sha384'], alg: 'sha384', oid: '1.2.840.10045.4.3.3' },
  { name: 'Ed25519 (SHA-256)', key: 'ed25519', args: [], alg: 'sha256', oid: '1.3.101.112' },
  { name: 'RSASSA-PSS with SHA-384', key: 'rsa', args: ['-sigopt', 'rsa_padding_mode:pss', '-sha384'], alg: 'sha384', oid: '1.2.840.113549.1.1.10' },
];

describe('tls-server-end-point certificate hash (RFC 5929 §4.1)', { skip: HAVE_OPENSSL ? false : 'openssl CLI not found' }, () => {
  let dir = '';
  const keyFiles = new Map<KeyKind, string>();
  const certs = new Map<string, Buffer>();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ntlmgate-cert-'));
    const keys = {
      rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
      p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
      ed25519: generateKeyPairSync('ed25519').privateKey,
    };
    for (const [kind, key] of Object.entries(keys) as [KeyKind, (typeof keys)['rsa']][]) {
      const file = join(dir, `${kind}.pem`);
      writeFileSync(file, key.export({ type: 'pkcs8', format: 'pem' }));
      keyFiles.set(kind, file);
    }
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // A self-signed DER certificate from `openssl req -x509`, or the openssl error text.
  function makeCert(c: Case): Buffer | string {
    const hit = certs.get(c.name);
    if (hit) return hit;
    const out = join(dir, `${certs.size}.der`);
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-key', keyFiles.get(c.key) as string, ...c.args, '-subj', '/CN=ntlmgate test', '-days', '1', '-outform', 'DER', '-out', out],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) return `${r.stderr}${r.error?.message ?? ''}`;
    const der = readFileSync(out);
    certs.set(c.name, der);
    return der;
  }

  for (const c of CASES) {
    it(c.name, (t) => {
      const der = makeCert(c);
      if (typeof der === 'string') {
        // Distributions with a restrictive crypto policy refuse SHA-1 signatures.
        if (c.args.includes('-sha1')) return t.skip(`openssl refused SHA-1: ${der.trim().split('\n')[0]}`);
        assert.fail(`openssl req -x509 failed: ${der}`);
      }
      assert.equal(signatureAlgorithmOf(der).oid, c.oid);
      assert.equal(certificateHashAlgorithm(der), c.alg);
      const expected = createHash(c.alg).update(der).digest();
      assert.deepEqual(tlsServerEndPointHash(der), expected);
      // The same certificate as an X509Certificate and as PEM.
      const x509 = new X509Certificate(der);
      assert.deepEqual(tlsServerEndPointHash(x509), expected);
      assert.deepEqual(tlsServerEndPointHash(x509.toString()), expected);
      assert.deepEqual(tlsServerEndPointHash(new Uint8Array(der)), expected);
    });
  }

  it('an RSASSA-PSS certificate with an unknown hash is a CertificateError', () => {
    const pss = CASES.find((c) => c.oid === '1.2.840.113549.1.1.10') as Case;
    const der = makeCert(pss);
    assert.ok(Buffer.isBuffer(der), String(der));
    // Rewrite every id-sha384 (2.16.840.1.101.3.4.2.2) into the unassigned 2.16.840.1.101.3.4.2.99.
    const sha384 = Buffer.from('0609608648016503040202', 'hex');
    const patched = Buffer.from(der);
    let n = 0;
    for (let i = patched.indexOf(sha384); i >= 0; i = patched.indexOf(sha384, i + 1), n++) patched[i + sha384.length - 1] = 99;
    assert.ok(n >= 2);
    assertCertError(() => certificateHashAlgorithm(patched), 'unknown PSS hash');
  });

  it('malformed certificate bytes only ever raise CertificateError', () => {
    const der = makeCert(CASES.find((c) => c.key === 'p256') as Case);
    assert.ok(Buffer.isBuffer(der), String(der));
    for (let len = 0; len < der.length; len++) assertCertError(() => tlsServerEndPointHash(der.subarray(0, len)), `truncated to ${len}`);
    assertCertError(() => tlsServerEndPointHash(Buffer.concat([der, Buffer.from([0])])), 'trailing byte');
    // Indefinite length (BER, not DER) on the outer SEQUENCE.
    const outerLen = (der[1] as number) & 0x7f;
    const indefinite = Buffer.concat([Buffer.from([0x30, 0x80]), der.subarray(2 + outerLen), Buffer.from([0, 0])]);
    assertCertError(() => tlsServerEndPointHash(indefinite), 'indefinite length');
    // Seeded mutations: either a known algorithm or a CertificateError.
    let seed = 5929;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 3000; i++) {
      const m = Buffer.from(der);
      for (let k = 1 + rnd(3); k > 0; k--) m[rnd(m.length)] = rnd(256);
      try {
        assert.ok(['sha224', 'sha256', 'sha384', 'sha512'].includes(certificateHashAlgorithm(m)));
      } catch (e) {
        assert.ok(e instanceof CertificateError, `mutation ${i}: ${String(e)} for ${m.toString('hex')}`);
      }
    }
  });
});

describe('certificate hash input checks', () => {
  it('bytes that are no certificate raise CertificateError', () => {
    for (const hex of ['', '00', '3000', '300330010a', '0500', '3006300406022a03', '300a3000300306012a030100']) {
      assertCertError(() => tlsServerEndPointHash(Buffer.from(hex, 'hex')), hex);
    }
    // 100 nested SEQUENCEs (the certificate decoder allows 32).
    let bomb: Buffer = Buffer.from([0x05, 0x00]);
    for (let i = 0; i < 100; i++) bomb = Buffer.concat([Buffer.from(bomb.length < 0x80 ? [0x30, bomb.length] : [0x30, 0x81, bomb.length]), bomb]);
    assertCertError(() => tlsServerEndPointHash(bomb), 'nesting bomb');
    assertCertError(() => tlsServerEndPointHash('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), 'bad PEM');
  });

  it('a non-certificate argument is a programming error (TypeError)', () => {
    assert.throws(() => tlsServerEndPointHash(42 as unknown as Uint8Array), TypeError);
  });
});
