/**
 * The client's pure layer: WWW-Authenticate parsing, credentials, the raw HTTP response reader
 * used for CONNECT and the agents' HEAD legs, and the Handshake (policy + initiator) driven by
 * our own acceptor context, with no sockets.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Handshake } from '../../../src/http/client/authenticator.js';
import { offersIn, parseChallenges } from '../../../src/http/client/challenge.js';
import { resolveCredentials } from '../../../src/http/client/credentials.js';
import { HttpAuthError, NtlmPolicyBlockedError } from '../../../src/http/client/errors.js';
import { resolveAuth } from '../../../src/http/client/options.js';
import { bodyKind } from '../../../src/http/client/requestParts.js';
import { ResponseReader } from '../../../src/http/client/wire.js';
import { NtlmServerContext } from '../../../src/ntlm/serverContext.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { prng, testAuthority } from '../server/helpers.js';
import { ALICE } from './helpers.js';

describe('parseChallenges / offersIn', () => {
  it('splits challenges, auth-params with quoted commas, and several header lines', () => {
    const c = parseChallenges(['Basic realm="a, b", charset=UTF-8, Negotiate', 'NTLM TlRMTVNTUAACAAAA, Bearer error="x"']);
    assert.deepEqual(
      c.map((x) => [x.scheme, x.token68 ?? null, x.params, x.junk]),
      [
        ['Basic', null, { realm: 'a, b', charset: 'UTF-8' }, false],
        ['Negotiate', null, {}, false],
        ['NTLM', 'TlRMTVNTUAACAAAA', {}, false],
        ['Bearer', null, { error: 'x' }, false],
      ],
    );
  });

  it('offers follow the caller preference, one per scheme, case-insensitively', () => {
    assert.deepEqual(
      offersIn('ntlm, NEGOTIATE', ['Negotiate', 'NTLM']).map((o) => o.scheme),
      ['Negotiate', 'NTLM'],
    );
    assert.deepEqual(
      offersIn('Negotiate, NTLM', ['NTLM']).map((o) => o.scheme),
      ['NTLM'],
    );
    assert.equal(offersIn('NTLM TlRMTVNTUAACAAAA', ['NTLM'])[0]?.token?.toString('latin1', 0, 7), 'NTLMSSP');
    assert.deepEqual(offersIn(undefined, ['NTLM']), []);
    assert.deepEqual(offersIn('Basic realm="NTLM TlRM"', ['NTLM']), [], 'a scheme name inside a quoted string is not a challenge');
  });

  it('garbage in our scheme is BAD_CHALLENGE; garbage elsewhere is skipped', () => {
    for (const v of ['NTLM %%%', 'Negotiate TlRM@@', 'NTLM abcde', 'NTLM ab==cd']) {
      assert.throws(() => offersIn(v, ['Negotiate', 'NTLM']), (e: unknown) => e instanceof HttpAuthError && e.code === 'BAD_CHALLENGE', v);
    }
    // auth-params under our scheme are not a token: a bare offer (it can start a handshake, not continue one).
    assert.deepEqual(offersIn('NTLM abc=de', ['NTLM']), [{ scheme: 'NTLM' }]);
    assert.deepEqual(
      offersIn('Weird %%% stuff, NTLM', ['NTLM']).map((o) => o.scheme),
      ['NTLM'],
    );
    assert.deepEqual(parseChallenges('Basic realm="unterminated, NTLM').map((c) => c.scheme), ['Basic']);
  });

  it('never throws on seeded random header text', () => {
    const rnd = prng(7);
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: Math.floor(rnd() * 80) }, () => String.fromCharCode(32 + Math.floor(rnd() * 95))).join('');
      parseChallenges(s);
      try {
        offersIn(s, ['Negotiate', 'NTLM']);
      } catch (e) {
        assert.ok(e instanceof HttpAuthError && e.code === 'BAD_CHALLENGE', String(e));
      }
    }
  });
});

describe('resolveCredentials', () => {
  it('DOMAIN\\user, user@domain (UPN: empty domain), user + domain option, NT hash', () => {
    const a = resolveCredentials({ username: 'CORP\\alice', password: 'x' });
    assert.deepEqual([a.user, a.domain, a.label], ['alice', 'CORP', 'CORP\\alice']);
    const b = resolveCredentials({ username: 'alice@corp.example.test', password: 'x' });
    assert.deepEqual([b.user, b.domain], ['alice@corp.example.test', '']);
    const c = resolveCredentials({ username: 'alice', domain: 'CORP', ntHash: '00'.repeat(16), workstation: 'WS01' });
    assert.deepEqual([c.user, c.domain, c.workstation], ['alice', 'CORP', 'WS01']);
    assert.ok('ntHash' in c.ntlm());
  });

  it('the secret never shows in JSON or inspection', () => {
    const a = resolveCredentials({ username: 'CORP\\alice', password: 'S3cret!' });
    assert.ok(!JSON.stringify(a).includes('S3cret'));
    assert.ok(!String(Object.values(a)).includes('S3cret'));
  });

  it('refuses what cannot work', () => {
    const bad = [
      { username: '', password: 'x' },
      { username: 'CORP\\alice', domain: 'OTHER', password: 'x' },
      { username: 'CORP\\', password: 'x' },
      { username: 'alice', ntHash: 'abc' },
      { username: 'alice', ntHash: new Uint8Array(15) },
      { username: 'alice', password: 'x', workstation: 'A'.repeat(16) },
      { username: 'alice' },
    ];
    for (const c of bad) assert.throws(() => resolveCredentials(c as never), (e: unknown) => e instanceof HttpAuthError && e.code === 'BAD_OPTION', JSON.stringify(c));
  });
});

describe('ResponseReader (raw HTTP/1.1 for CONNECT and HEAD legs)', () => {
  const feed = (method: string, chunks: string[]): ReturnType<ResponseReader['push']> => {
    const r = new ResponseReader(method);
    let out;
    for (const c of chunks) out = r.push(Buffer.from(c, 'latin1')) ?? out;
    return out;
  };

  it('Content-Length, chunked with trailers, interim 100, byte by byte', () => {
    const cl = feed('GET', ['HTTP/1.1 407 Proxy Auth\r\nProxy-Authenticate: NTLM\r\nContent-Length: 5\r\n\r\nhel', 'loXX']);
    assert.equal(cl?.head.statusCode, 407);
    assert.equal(cl?.rest.toString(), 'XX');
    assert.equal(cl?.keepAlive, true);
    const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 No\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n';
    const chunked = feed('GET', [...text].map((ch) => ch));
    assert.equal(chunked?.head.statusCode, 401);
    assert.equal(chunked?.rest.length, 0);
  });

  it('HEAD and CONNECT 200 have no body; Connection: close and HTTP/1.0 end keep-alive', () => {
    const head = feed('HEAD', ['HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n']);
    assert.equal(head?.head.statusCode, 200);
    const tunnel = feed('CONNECT', ['HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01']);
    assert.equal(tunnel?.rest.toString('latin1'), '\x16\x03\x01');
    assert.equal(feed('GET', ['HTTP/1.1 407 X\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'])?.keepAlive, false);
    assert.equal(feed('GET', ['HTTP/1.0 407 X\r\nContent-Length: 0\r\n\r\n'])?.keepAlive, false);
    assert.equal(feed('GET', ['HTTP/1.0 407 X\r\nProxy-Connection: keep-alive\r\nContent-Length: 0\r\n\r\n'])?.keepAlive, true);
  });

  it('malformed responses are HttpAuthErrors', () => {
    const bad = [
      'SSH-2.0-OpenSSH\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n',
      'HTTP/1.1 200 OK\r\n folded: x\r\n\r\n',
      'HTTP/1.1 401 X\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 401 X\r\nContent-Length: 3\r\n\r\nab',
    ];
    for (const b of bad) {
      assert.throws(
        () => {
          const r = new ResponseReader('GET');
          if (!r.push(Buffer.from(b, 'latin1'))) r.end();
        },
        (e: unknown) => e instanceof HttpAuthError,
        JSON.stringify(b),
      );
    }
  });
});

describe('Handshake (policy + initiator, no I/O)', () => {
  const server = (): NtlmServerContext => new NtlmServerContext({ authority: testAuthority(), netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP', dnsComputerName: 'web1.corp.example.test' });
  const token = (header: string): Buffer => Buffer.from(header.slice(header.indexOf(' ') + 1), 'base64');

  it('completes against our acceptor; the AUTHENTICATE carries the SPN and the bindings; usage event with the facts', async () => {
    const auth = resolveAuth({ credentials: { username: 'CORP\\alice', password: ALICE.password }, computerName: 'CLIENT1' });
    const cb = Buffer.from('tls-server-end-point:0123456789abcdef0123456789abcdef', 'latin1');
    const hs = new Handshake(auth.settings, 'NTLM', { kind: 'server', host: 'web1.corp.example.test', spn: 'HTTP/web1.corp.example.test', channelBindings: () => cb });
    const first = hs.start();
    assert.equal(first.kind, 'send');
    const acceptor = server();
    const s1 = await acceptor.step(token(first.kind === 'send' ? first.header : ''));
    assert.equal(s1.status, 'continue');
    const second = hs.answer(s1.status === 'continue' ? s1.token : Buffer.alloc(0));
    assert.equal(second.kind, 'send');
    if (second.kind !== 'send') return;
    assert.deepEqual(
      second.events.map((e) => [e.eventId, e.computer, e.data.TargetService, e.data.ChannelBindingStatus, e.data.MicStatus]),
      [[4020, 'CLIENT1', 'HTTP/web1.corp.example.test', 'Supported', 'Protected']],
    );
    const s2 = await acceptor.step(token(second.header));
    assert.equal(s2.status, 'complete');
    if (s2.status === 'complete') {
      assert.equal(s2.result.targetName, 'HTTP/web1.corp.example.test');
      assert.equal(s2.result.channelBindings, 'present');
      assert.equal(s2.result.micPresent, true);
    }
  });

  it('Deny all: start() is blocked with 4001 and no token', () => {
    const auth = resolveAuth({ credentials: { username: 'CORP\\alice', password: 'x' }, policy: loadPolicy({ RestrictSendingNTLMTraffic: 2 }), computerName: 'C' });
    const hs = new Handshake(auth.settings, 'Negotiate', { kind: 'proxy', host: 'proxy1', spn: 'HTTP/proxy1' });
    assert.equal(hs.wouldBlock(), true);
    const step = hs.start();
    assert.equal(step.kind, 'blocked');
    if (step.kind !== 'blocked') return;
    assert.ok(step.error instanceof NtlmPolicyBlockedError);
    assert.equal(step.error.target, 'proxy');
    assert.deepEqual(
      step.events.map((e) => e.eventId),
      [4001, 4021],
    );
    assert.equal(step.events[0]?.context.decision, 'block');
  });

  it('a CHALLENGE that does not decode is BAD_CHALLENGE, with the decoder error as cause', () => {
    const auth = resolveAuth({ credentials: { username: 'CORP\\alice', password: 'x' }, computerName: 'C' });
    for (const scheme of ['NTLM', 'Negotiate'] as const) {
      const hs = new Handshake(auth.settings, scheme, { kind: 'server', host: 'h', spn: 'HTTP/h' });
      hs.start();
      assert.throws(
        () => hs.answer(Buffer.from('NTLMSSP\0\x02\0\0\0', 'latin1')),
        (e: unknown) => e instanceof HttpAuthError && e.code === 'BAD_CHALLENGE' && e.cause instanceof Error,
      );
    }
  });
});

describe('bodyKind', () => {
  it('tells bodies that can be sent twice from streams', async () => {
    const { Readable } = await import('node:stream');
    assert.equal(bodyKind(null), 'none');
    assert.equal(bodyKind(''), 'none');
    assert.equal(bodyKind('x'), 'replayable');
    assert.equal(bodyKind(Buffer.from('x')), 'replayable');
    assert.equal(bodyKind(new Blob(['x'])), 'replayable');
    assert.equal(bodyKind(Readable.from(['x'])), 'stream');
    assert.equal(
      bodyKind(
        (async function* () {
          yield 'x';
        })(),
      ),
      'stream',
    );
  });
});
