/**
 * End to end: spawns the compiled `ntlmgate` (dist/src/cli/main.js) and checks output,
 * stderr and exit codes of `decode` and `demo`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DecodeJson } from '../../src/cli/decodeViews.js';
import type { DemoJson } from '../../src/cli/commands/demo.js';
import { OID_KERBEROS5, OID_NTLMSSP } from '../../src/spnego/oids.js';
import { encodeInitialToken } from '../../src/spnego/tokens.js';

// This file runs as dist/test/cli/cli.test.js; the CLI is dist/src/cli/main.js.
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROOT = new URL('../../../', import.meta.url);

interface Capture {
  ChallengeMessage: string;
  AuthenticateMessage: string;
}
const cap = JSON.parse(readFileSync(new URL('test/fixtures/windows-ntlmv2-mic-cbt.json', ROOT), 'utf8')) as Capture;
const AUTH_B64 = Buffer.from(cap.AuthenticateMessage, 'hex').toString('base64');
const CHALLENGE_B64 = Buffer.from(cap.ChallengeMessage, 'hex').toString('base64');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function ntlmgate(args: readonly string[], input?: string): Run {
  const r = spawnSync(process.execPath, [MAIN, ...args], { input: input ?? '', encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The value printed after `Label:` on some line (labels are padded, values aligned). */
function field(out: string, label: string): string | undefined {
  const re = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\s+(.*)$`, 'm');
  return re.exec(out)?.[1];
}

function stderrLines(r: Run): string[] {
  return r.stderr.split('\n').filter((l) => l !== '');
}

describe('ntlmgate decode (text)', () => {
  it('decodes the Windows AUTHENTICATE from an Authorization header line', () => {
    const r = ntlmgate(['decode', `Authorization: NTLM ${AUTH_B64}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = r.stdout;
    assert.match(out, /^NTLM AUTHENTICATE_MESSAGE \(type 3\)$/m);
    assert.equal(field(out, 'Source'), 'Authorization header, NTLM scheme');
    assert.equal(field(out, 'Token'), '552 bytes, raw NTLMSSP');
    assert.equal(field(out, 'User'), 'Administrator');
    assert.equal(field(out, 'Domain'), 'WS2008R2');
    assert.equal(field(out, 'Workstation'), 'WIN7-2-PC');
    assert.equal(field(out, 'Response kind'), 'NTLMv2');
    assert.equal(field(out, 'Flags'), '0xa2888205');
    assert.equal(field(out, 'NTProofStr'), '5a6a21ae1a44c044693eee59fc5d81e0');
    assert.equal(field(out, 'Client challenge'), '27fc118082c2fbdd');
    assert.equal(field(out, 'MsvAvFlags'), '0x00000002 (MIC_PRESENT), MIC announced');
    assert.equal(field(out, 'Channel bindings'), '6586e99d81c2fc984e47172fd4dd0310');
    assert.equal(field(out, 'Target name'), 'HTTP/dc-ws2008r2.ws2008r2.local');
    assert.equal(field(out, 'MIC'), 'f054a542b090b66c1fea1a2cc82e930b');
    assert.equal(field(out, 'Version'), '6.1.7600 (NTLM revision 15)');
    assert.equal(field(out, 'MsvAvDnsComputerName'), 'DC-ws2008r2.ws2008r2.local');
    // Flag names are listed one per line under the hex value.
    assert.match(out, /^\s+NEGOTIATE_EXTENDED_SESSIONSECURITY$/m);
  });

  it('reads the token from stdin when it is "-" or left out', () => {
    for (const args of [['decode', '-'], ['decode']]) {
      const r = ntlmgate(args, `WWW-Authenticate: NTLM ${CHALLENGE_B64}\r\n`);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^NTLM CHALLENGE_MESSAGE \(type 2\)$/m);
      assert.equal(field(r.stdout, 'Direction'), 'server to client');
      assert.equal(field(r.stdout, 'Server challenge'), 'a2c5e8ca3084aa72');
      assert.equal(field(r.stdout, 'Target name'), 'WS2008R2');
      assert.equal(field(r.stdout, 'MsvAvNbComputerName'), 'DC-WS2008R2');
    }
  });

  it('accepts an unquoted header split over several arguments', () => {
    const r = ntlmgate(['decode', 'proxy-authorization:', 'ntlm', AUTH_B64]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(field(r.stdout, 'Source'), 'Proxy-Authorization header, NTLM scheme');
    assert.equal(field(r.stdout, 'User'), 'Administrator');
  });

  it('decodes the SPNEGO layer, then the NTLM message inside', () => {
    const tok = encodeInitialToken({ mechTypes: [OID_NTLMSSP, OID_KERBEROS5], mechToken: Buffer.from(CHALLENGE_B64, 'base64') });
    const r = ntlmgate(['decode', `Negotiate ${tok.toString('base64')}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^SPNEGO NegTokenInit \(GSS-API InitialContextToken\)$/m);
    assert.match(r.stdout, /mechTypes:\s+NTLMSSP \(1\.3\.6\.1\.4\.1\.311\.2\.2\.10\)\n\s+Kerberos 5 \(1\.2\.840\.113554\.1\.2\.2\)\n/);
    assert.equal(field(r.stdout, 'mechToken'), `${Buffer.from(CHALLENGE_B64, 'base64').length} bytes, NTLM message, decoded below`);
    assert.equal(field(r.stdout, 'Server challenge'), 'a2c5e8ca3084aa72');
  });
});

describe('ntlmgate decode --json', () => {
  it('prints the documented object, parseable with JSON.parse', () => {
    const r = ntlmgate(['decode', '--json', `Authorization: NTLM ${AUTH_B64}`]);
    assert.equal(r.status, 0, r.stderr);
    const v = JSON.parse(r.stdout) as DecodeJson;
    assert.deepEqual(v.input, { header: 'Authorization', scheme: 'NTLM', direction: 'client-to-server' });
    assert.equal(v.encoding, 'ntlmssp');
    assert.equal(v.length, 552);
    assert.equal(v.spnego, null);
    assert.ok(v.ntlm && v.ntlm.type === 'AUTHENTICATE');
    assert.equal(v.ntlm.messageType, 3);
    assert.equal(v.ntlm.user, 'Administrator');
    assert.equal(v.ntlm.responseKind, 'NTLMv2');
    assert.equal(v.ntlm.mic, 'f054a542b090b66c1fea1a2cc82e930b');
    assert.equal(v.ntlm.ntlmv2?.channelBindings, '6586e99d81c2fc984e47172fd4dd0310');
    assert.equal(v.ntlm.ntlmv2?.msvAvFlags?.micAnnounced, true);
    // bigint as a (decimal) string
    assert.equal(v.ntlm.ntlmv2?.timestamp.filetime, BigInt('0x01cdde0bc33fe77b').toString());
    assert.equal(v.ntlm.encryptedRandomSessionKey, null);
  });
});

describe('ntlmgate decode: errors', () => {
  const malformed: [string, string[], RegExp][] = [
    ['bad base64', ['decode', 'NTLM TlRM$$TVNT'], /^ntlmgate: cannot decode token: .+ \(BAD_BASE64\)$/],
    ['truncated NTLM message', ['decode', 'TlRMTVNTUAACAAAA'], /^ntlmgate: cannot decode token: .+ \(TOO_SHORT\)$/],
    ['SPNEGO garbage', ['decode', 'Negotiate YIIBAAAA'], /^ntlmgate: cannot decode token: .+ \(TRUNCATED\)$/],
    ['unknown scheme', ['decode', 'Authorization: Basic dXNlcjpwYXNz'], /^ntlmgate: cannot decode token: .*"Basic".* \(UNKNOWN_SCHEME\)$/],
  ];
  for (const [name, args, line] of malformed) {
    it(`${name}: exit 1, exactly one stderr line, nothing on stdout`, () => {
      const r = ntlmgate(args);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      const lines = stderrLines(r);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0] ?? '', line);
    });
  }

  it('usage errors exit 2 with one line', () => {
    const r = ntlmgate(['decode', '--no-such-option', AUTH_B64]);
    assert.equal(r.status, 2);
    assert.deepEqual(stderrLines(r), ["ntlmgate: unknown option '--no-such-option' (see 'ntlmgate --help')"]);
    const u = ntlmgate(['frobnicate']);
    assert.equal(u.status, 2);
    assert.equal(stderrLines(u).length, 1);
  });

  it('--version prints the package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string };
    const r = ntlmgate(['--version']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });
});

describe('ntlmgate demo', () => {
  it('runs the handshake, exit 0, labelled as in-process, with verified MIC and bindings and a sealed "hello"', () => {
    const r = ntlmgate(['demo']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = r.stdout;
    assert.match(out, /In-process demonstration/);
    const headers = out.split('\n').filter((l) => /^(Authorization|WWW-Authenticate): /.test(l));
    assert.equal(headers.length, 4);
    assert.equal(headers[0], 'WWW-Authenticate: NTLM');
    assert.match(headers[1] ?? '', /^Authorization: NTLM TlRMTVNTUAAB[A-Za-z0-9+/=]+$/);
    assert.match(headers[2] ?? '', /^WWW-Authenticate: NTLM TlRMTVNTUAAC[A-Za-z0-9+/=]+$/);
    assert.match(headers[3] ?? '', /^Authorization: NTLM TlRMTVNTUAAD[A-Za-z0-9+/=]+$/);
    assert.match(out, /^Result: authenticated/m);
    assert.equal(field(out, 'NTLM version'), 'NTLMv2');
    assert.equal(field(out, 'MIC verified'), 'yes');
    assert.equal(field(out, 'Channel bindings verified'), 'yes');
    assert.equal(field(out, 'Unsealed'), '"hello"');
  });

  it('--json: legs decode to NEGOTIATE, CHALLENGE, AUTHENTICATE, and the AUTHENTICATE carries the bindings hash', () => {
    const r = ntlmgate(['demo', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout) as DemoJson;
    assert.deepEqual(d.legs.map((l) => l.token?.ntlm?.type ?? null), [null, 'NEGOTIATE', 'CHALLENGE', 'AUTHENTICATE']);
    const auth = d.legs[3]?.token?.ntlm;
    assert.ok(auth && auth.type === 'AUTHENTICATE');
    assert.equal(auth.user, 'alice');
    assert.equal(auth.ntlmv2?.channelBindings, d.setup.channelBindings.hash);
    assert.equal(auth.ntlmv2?.targetName, 'HTTP/web1.corp.example.test');
    assert.equal(d.result.authenticated, true);
    assert.equal(d.result.user, 'alice');
    assert.equal(d.result.domain, 'CORP');
    assert.equal(d.result.ntlmVersion, 'NTLMv2');
    assert.equal(d.result.micVerified, true);
    assert.equal(d.result.channelBindingsVerified, true);
    assert.deepEqual([d.sealed?.plaintext, d.sealed?.unsealed, d.sealed?.ok], ['hello', 'hello', true]);
    assert.notEqual(d.sealed?.sealed, Buffer.from('hello').toString('hex'));
  });

  it('a wrong password: logon refused, exit 1, one stderr line', () => {
    const r = ntlmgate(['demo', '--password', 'not-the-password']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^Result: logon refused/m);
    assert.deepEqual(stderrLines(r), [
      'ntlmgate: demo handshake failed: the authority refused the logon (STATUS_LOGON_FAILURE) (logon-failure)',
    ]);
  });
});
