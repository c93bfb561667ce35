/** ntlmgate.yaml: defaults, every section, and errors that name the key. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_MODE_POLICY,
  autoWorkers,
  defaultComputerName,
  loadServeConfig,
  parseAddress,
  parseServeConfig,
  parseServeConfigText,
  resolveServePolicy,
  ServeConfigError,
} from '../../src/serve/config.js';
import { parseDuration } from '../../src/config/duration.js';

function problems(text: string): readonly string[] {
  try {
    parseServeConfigText(text, { file: 'ntlmgate.yaml', baseDir: '/etc/ntlmgate' });
  } catch (e) {
    assert.ok(e instanceof ServeConfigError, String(e));
    return e.problems;
  }
  assert.fail('expected a ServeConfigError');
}

describe('embedded defaults (no file)', () => {
  it('loopback 8080, SQLite under ./.ntlmgate, Negotiate + NTLM, EPA off, demo account on', () => {
    const c = parseServeConfig(undefined, { baseDir: '/srv/app', hostname: 'web-01.example.test' });
    assert.deepEqual(c.listen, [{ host: '127.0.0.1', port: 8080 }]);
    assert.equal(c.stateDir, '/srv/app/.ntlmgate');
    assert.equal(c.authority.store, 'sqlite:/srv/app/.ntlmgate/accounts.db');
    assert.equal(c.audit.store, 'sqlite:/srv/app/.ntlmgate/audit.db');
    assert.deepEqual(c.providers, ['Negotiate', 'NTLM']);
    assert.equal(c.extendedProtection, 'off');
    assert.equal(c.persistence, 'connection');
    assert.equal(c.names.netbiosComputerName, 'WEB-01');
    assert.equal(c.names.netbiosDomainName, 'NTLMGATE');
    assert.equal(c.demoAccount, true);
    assert.equal(c.upstream, undefined);
    assert.equal(c.shutdownTimeoutMs, 10_000);
  });

  it('the default policy is audit mode: every logon audited, nothing blocked', async () => {
    const p = await resolveServePolicy(parseServeConfig(undefined));
    assert.equal(p.AuditReceivingNTLMTraffic, 2);
    assert.equal(p.AuditNTLMInDomain, 7);
    assert.equal(p.RestrictReceivingNTLMTraffic, 0);
    assert.equal(p.RestrictNTLMInDomain, 0);
    assert.equal(p.RestrictSendingNTLMTraffic, AUDIT_MODE_POLICY.RestrictSendingNTLMTraffic);
  });

  it('a configuration file turns the demo account off unless it asks for it', () => {
    assert.equal(parseServeConfigText('listen: 9000', { file: 'x.yaml' }).demoAccount, false);
    assert.equal(parseServeConfigText('demoAccount: true', { file: 'x.yaml' }).demoAccount, true);
  });

  it('NetBIOS computer names from awkward host names', () => {
    assert.equal(defaultComputerName('a-very-long-host-name-indeed.corp'), 'A-VERY-LONG-HOS');
    assert.equal(defaultComputerName('host_with.under'), 'HOSTWITH');
    assert.equal(defaultComputerName(''), 'NTLMGATE');
  });
});

describe('a full configuration', () => {
  const text = `
listen:
  - { address: "0.0.0.0:80", extendedProtection: accept }
  - address: "[::1]:8443"
    tls: { cert: tls/cert.pem, key: /etc/ssl/key.pem }
stateDir: /var/lib/ntlmgate
names: { netbiosComputerName: WEB1, netbiosDomainName: CORP, dnsComputerName: web1.corp.example.test, dnsDomainName: corp.example.test }
http:
  providers: [NTLM]
  extendedProtection: require
  targetNames: { names: [HTTP/web1.corp.example.test, HTTP/web1], require: true }
  persistence: request
  requireMic: true
  handshakeTimeout: 45s
  maxPendingPerIp: 8
authority:
  store: postgres://gw@db.example.test/ntlmgate
  lockout: { threshold: 5, window: 15m, duration: 30m }
audit: { store: jsonl:audit/ntlm.jsonl }
policy: { RestrictReceivingNTLMTraffic: Deny all domain accounts, AuditReceivingNTLMTraffic: 2 }
allow: { users: ['CORP\\alice'], groups: [WebUsers] }
upstream: { url: "http://127.0.0.1:3000/app", identitySecretEnv: NTLMGATE_SECRET, timeout: 5s, stripHeaders: [X-Forwarded-User, X-Webauth-User] }
log: { level: warn }
shutdownTimeout: 2m
`;
  it('reads every section, resolving relative paths against the file', () => {
    const c = parseServeConfigText(text, { file: '/etc/ntlmgate/ntlmgate.yaml', baseDir: '/etc/ntlmgate' });
    assert.deepEqual(c.listen, [
      { host: '0.0.0.0', port: 80, extendedProtection: 'accept' },
      { host: '::1', port: 8443, tls: { cert: '/etc/ntlmgate/tls/cert.pem', key: '/etc/ssl/key.pem' } },
    ]);
    assert.equal(c.stateDir, '/var/lib/ntlmgate');
    assert.deepEqual(c.names, { netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP', dnsComputerName: 'web1.corp.example.test', dnsDomainName: 'corp.example.test' });
    assert.deepEqual(c.providers, ['NTLM']);
    assert.equal(c.extendedProtection, 'require');
    assert.deepEqual(c.targetNames, { names: ['HTTP/web1.corp.example.test', 'HTTP/web1'], require: true });
    assert.equal(c.persistence, 'request');
    assert.equal(c.requireMic, true);
    assert.equal(c.handshakeTimeoutMs, 45_000);
    assert.equal(c.maxPendingPerIp, 8);
    assert.equal(c.authority.store, 'postgres://gw@db.example.test/ntlmgate');
    assert.deepEqual(c.authority.lockout, { threshold: 5, windowMs: 900_000, durationMs: 1_800_000 });
    assert.equal(c.audit.store, 'jsonl:/etc/ntlmgate/audit/ntlm.jsonl');
    assert.deepEqual(c.allow, { users: ['CORP\\alice'], groups: ['WebUsers'] });
    assert.equal(c.upstream?.url.href, 'http://127.0.0.1:3000/app');
    assert.deepEqual(c.upstream?.identitySecret, { env: 'NTLMGATE_SECRET' });
    assert.equal(c.upstream?.timeoutMs, 5_000);
    assert.deepEqual(c.upstream?.stripHeaders, ['X-Forwarded-User', 'X-Webauth-User']);
    assert.equal(c.log.level, 'warn');
    assert.equal(c.shutdownTimeoutMs, 120_000);
  });

  it('an inline policy is loaded with the policy loader (labels and all)', async () => {
    const p = await resolveServePolicy(parseServeConfigText(text, { file: 'x.yaml', baseDir: '/' }));
    assert.equal(p.RestrictReceivingNTLMTraffic, 1);
  });

  it('a policy file path is read relative to the configuration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-cfg-'));
    writeFileSync(join(dir, 'policy.yaml'), 'RestrictNTLMInDomain: Deny all\nDCAllowedNTLMServers: [APP*]\n');
    writeFileSync(join(dir, 'ntlmgate.yaml'), 'policy: policy.yaml\n');
    const c = await loadServeConfig(join(dir, 'ntlmgate.yaml'));
    const p = await resolveServePolicy(c);
    assert.equal(p.RestrictNTLMInDomain, 7);
    assert.equal(p.DCAllowedNTLMServers.length, 1);
  });

  it('an inline policy is validated at load and handed on typed', () => {
    const c = parseServeConfigText(text, { file: 'x.yaml', baseDir: '/' });
    assert.ok(c.policy.kind === 'inline', c.policy.kind);
    assert.equal(c.policy.policy.RestrictReceivingNTLMTraffic, 1);
    assert.deepEqual(c.policy.policy.configured.slice().sort(), ['AuditReceivingNTLMTraffic', 'RestrictReceivingNTLMTraffic']);
  });

  it('inline policy errors fail the load under policy.<key>, with the other problems of the file', () => {
    const p = problems('policy: { RestrictNTLMInDomain: 2, RestrictReceivingNTLMTrafic: 1 }\nlog: { level: loud }');
    assert.ok(p.some((x) => x.startsWith('policy.RestrictNTLMInDomain: 2 is not allowed')), p.join('\n'));
    assert.ok(p.some((x) => x.startsWith('policy.RestrictReceivingNTLMTrafic: ') && x.includes('RestrictReceivingNTLMTraffic')), p.join('\n'));
    assert.ok(p.some((x) => x.startsWith('log.level: ')), p.join('\n'));
  });

  it('with workers: 2 too: a bad inline policy fails the load that runs before any fork', () => {
    const p = problems('workers: 2\npolicy: { RestrictReceivingNTLMTraffic: 9 }');
    assert.equal(p.length, 1, p.join('\n'));
    assert.match(p[0] ?? '', /^policy\.RestrictReceivingNTLMTraffic: 9 is not allowed; allowed: 0 \(Allow all\)/);
  });

  it('a policy that is neither a mapping nor a path', () => {
    assert.deepEqual(problems('policy: [RestrictNTLMInDomain]'), ['policy: expected a mapping of Restrict-NTLM settings or the path of a policy file, got ["RestrictNTLMInDomain"]']);
  });

  it('errors in a policy file come back under policy.<key> when it is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-cfg-'));
    writeFileSync(join(dir, 'policy.yaml'), 'RestrictNTLMInDomain: 2\n');
    writeFileSync(join(dir, 'ntlmgate.yaml'), 'policy: policy.yaml\n');
    const c = await loadServeConfig(join(dir, 'ntlmgate.yaml'));
    await assert.rejects(resolveServePolicy(c), (e: unknown) => e instanceof ServeConfigError && e.problems.some((p) => p.startsWith('policy.RestrictNTLMInDomain: ')));
  });
});

describe('errors name the key and what is allowed', () => {
  it('an unknown key, with a suggestion', () => {
    const p = problems('listne: 8080\nhttp: { extendedProtecton: require }');
    assert.ok(p.some((x) => x.startsWith('listne: unknown key (did you mean listen?)')), p.join('\n'));
    assert.ok(p.some((x) => x.startsWith('http.extendedProtecton: unknown key (did you mean extendedProtection?)')), p.join('\n'));
  });

  it('bad values: provider, EPA mode, address, durations, lockout order, log level', () => {
    const p = problems(`
listen: [ "127.0.0.1:99999", { address: "web:80", tls: { cert: a.pem } } ]
http: { providers: [Kerberos], extendedProtection: maybe, handshakeTimeout: soon }
authority: { lockout: { window: 2h, duration: 1h } }
log: { level: loud }
`);
    const want = [
      'listen[0].address: expected host:port',
      'listen[1].tls.key: required',
      'http.providers[0]: expected one of Negotiate, NTLM, got "Kerberos"',
      'http.extendedProtection: expected one of off, accept, require, got "maybe"',
      'http.handshakeTimeout: expected a duration',
      'authority.lockout: window must not exceed duration',
      'log.level: expected one of debug, info, warn, error, silent, got "loud"',
    ];
    for (const w of want) assert.ok(p.some((x) => x.startsWith(w)), `missing ${w} in:\n${p.join('\n')}`);
    assert.equal(p.length, want.length, p.join('\n'));
  });

  it('secrets are never inline; upstream must be http(s) without credentials', () => {
    assert.ok(problems('upstream: { url: "http://x", identitySecret: hunter2 }').some((x) => x.startsWith('upstream.identitySecret: secrets are not written')));
    assert.ok(problems('upstream: "ftp://x"').some((x) => x.startsWith('upstream.url: expected http: or https:')));
    assert.ok(problems('upstream: "http://u:p@x"').some((x) => x.startsWith('upstream.url: must not carry credentials')));
  });

  it('NetBIOS names are checked', () => {
    assert.ok(problems('names: { netbiosComputerName: "A NAME TOO LONG FOR NETBIOS" }').some((x) => x.startsWith('names.netbiosComputerName: ')));
  });

  it('YAML syntax errors and duplicate keys', () => {
    assert.ok(problems('listen: [1, 2').some((x) => x.startsWith('YAML: ')));
    assert.ok(problems('log: {}\nlog: {}').some((x) => x.startsWith('YAML: ')));
  });

  it('a missing file is a ServeConfigError naming it', async () => {
    await assert.rejects(loadServeConfig('/nonexistent/ntlmgate.yaml'), (e: unknown) => e instanceof ServeConfigError && e.file === '/nonexistent/ntlmgate.yaml');
  });
});

describe('values that would fail later are refused at load, with the key', () => {
  const TIMER = 'from 1ms to 24d 20h 31m 23.647s (the longest a timer holds)';
  it('durations past what a timer holds, zero, and fractions of a millisecond', () => {
    assert.deepEqual(problems('http: { handshakeTimeout: 25d }'), [`http.handshakeTimeout: expected ${TIMER}, got "25d"`]);
    assert.deepEqual(problems('http: { handshakeTimeout: 0 }'), [`http.handshakeTimeout: expected ${TIMER}, got 0`]);
    assert.deepEqual(problems('http: { handshakeTimeout: 0.5ms }'), ['http.handshakeTimeout: "0.5ms" is not a whole number of milliseconds']);
    assert.deepEqual(problems('upstream: { url: "http://127.0.0.1:3000", timeout: 0s }'), [`upstream.timeout: expected ${TIMER}, got "0s"`]);
    assert.deepEqual(problems('shutdownTimeout: 30d'), ['shutdownTimeout: expected from 0s to 24d 20h 31m 23.647s (the longest a timer holds), got "30d"']);
    assert.deepEqual(problems('authority: { lockout: { window: 0, duration: 0 } }'), ['authority.lockout.window: expected from 1ms to 69d 10h 39m (AD\'s longest), got 0']);
    assert.ok(problems('authority: { lockout: { duration: 70d } }')[0]?.startsWith('authority.lockout.duration: expected from 0s to 69d 10h 39m'));
    // The limits themselves are fine, and so are fractions that make whole milliseconds.
    assert.equal(parseServeConfigText('http: { handshakeTimeout: 2147483647ms }').handshakeTimeoutMs, 2 ** 31 - 1);
    assert.equal(parseServeConfigText('http: { handshakeTimeout: 1.1s }').handshakeTimeoutMs, 1_100);
    assert.equal(parseServeConfigText('shutdownTimeout: 0').shutdownTimeoutMs, 0);
    assert.equal(parseServeConfigText('authority: { lockout: { duration: 0 } }').authority.lockout.durationMs, 0, '0 = until an administrator unlocks');
  });

  it('Extended Protection: a plain-HTTP listener beside a TLS one must have its own setting', () => {
    const tls = '{ address: "0.0.0.0:443", tls: { cert: c.pem, key: k.pem } }';
    for (const mode of ['accept', 'require']) {
      const p = problems(`listen: [ ${tls}, "0.0.0.0:80" ]\nhttp: { extendedProtection: ${mode} }`);
      assert.equal(p.length, 1, p.join('\n'));
      assert.match(p[0] ?? '', new RegExp(`^listen\\[1\\]\\.extendedProtection: required on a plain-HTTP listener when http\\.extendedProtection is ${mode}`));
    }
    for (const own of ['accept', 'off']) {
      const c = parseServeConfigText(`listen: [ ${tls}, { address: "0.0.0.0:80", extendedProtection: ${own} } ]\nhttp: { extendedProtection: require }`);
      assert.equal(c.listen[1]?.extendedProtection, own);
      assert.equal(c.listen[0]?.extendedProtection, undefined, 'the TLS listener follows http.extendedProtection');
    }
    assert.equal(parseServeConfigText(`listen: [ ${tls}, "0.0.0.0:80" ]\nhttp: { extendedProtection: off }`).listen.length, 2, 'off needs nothing more');
  });

  it('Extended Protection on a listener without TLS', () => {
    assert.deepEqual(problems('listen: { address: "0.0.0.0:80", extendedProtection: require }'), [
      'listen[0].extendedProtection: require needs tls on this listener: plain HTTP has no channel to bind to, so no client could log on (use accept or off)',
    ]);
    assert.deepEqual(problems('listen: "0.0.0.0:80"\nhttp: { extendedProtection: require }'), [
      'http.extendedProtection: require needs a listener with tls: Extended Protection binds a logon to the TLS certificate, and plain HTTP has none (set it to off, or add tls to a listener)',
    ]);
  });

  it('http.targetNames: a list, or names with require; SPNs only', () => {
    assert.deepEqual(parseServeConfigText('http: { targetNames: [HTTP/web1.corp.example.test] }').targetNames, { names: ['HTTP/web1.corp.example.test'], require: false });
    assert.deepEqual(parseServeConfigText('http: { targetNames: { names: HTTP/web1, require: true } }').targetNames, { names: ['HTTP/web1'], require: true });
    assert.equal(parseServeConfigText('').targetNames, undefined);
    assert.deepEqual(problems('http: { targetNames: [web1.corp.example.test] }'), ['http.targetNames[0]: expected an SPN such as HTTP/web1.corp.example.test, got "web1.corp.example.test"']);
    assert.deepEqual(problems('http: { targetNames: { require: true } }'), ['http.targetNames.names: name at least one SPN (HTTP/host as clients write it)']);
    assert.deepEqual(problems('http: { targetNames: { names: [HTTP/a], requir: true } }'), ['http.targetNames.requir: unknown key (did you mean require?); allowed: names, require']);
  });

  it('upstream.stripHeaders: the defaults, and header names only', () => {
    assert.deepEqual(parseServeConfigText('upstream: "http://127.0.0.1:3000"').upstream?.stripHeaders, ['X-Forwarded-User', 'X-Remote-User', 'Remote-User', 'X-Authenticated-User']);
    assert.deepEqual(parseServeConfigText('upstream: { url: "http://127.0.0.1:3000", stripHeaders: [] }').upstream?.stripHeaders, []);
    assert.deepEqual(problems('upstream: { url: "http://127.0.0.1:3000", stripHeaders: ["X User"] }'), ['upstream.stripHeaders[0]: "X User" is not a header name']);
  });

  it('a YAML alias bomb is refused, naming the keys, before it expands', () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'log: { level: *d }'].join('\n');
    const p = problems(bomb);
    assert.deepEqual(
      p.map((x) => x.split(':')[0]),
      ['c', 'd', 'log'],
      p.join('\n'),
    );
    assert.match(p[0] ?? '', /YAML aliases expand to more than 100 times/);
    // A few aliases, as configurations use them, are fine.
    assert.deepEqual(parseServeConfigText('allow: { users: &u [alice, bob], groups: *u }').allow, { users: ['alice', 'bob'], groups: ['alice', 'bob'] });
  });
});

describe('addresses and durations', () => {
  it('parseAddress', () => {
    assert.deepEqual(parseAddress('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseAddress('[::1]:443'), { host: '::1', port: 443 });
    assert.deepEqual(parseAddress(':8080'), { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(parseAddress('8080'), { host: '127.0.0.1', port: 8080 });
    for (const bad of ['x', '1.2.3.4:', '1.2.3.4:70000', '::1:80', 'a b:80']) assert.equal(parseAddress(bad), undefined, bad);
  });
  it('parseDuration', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('2w'), 1_209_600_000);
    assert.equal(parseDuration(45, 's'), 45_000);
    assert.equal(parseDuration('45', 's'), 45_000);
    assert.equal(parseDuration('45'), undefined);
    assert.equal(parseDuration('-1s'), undefined);
    assert.equal(parseDuration('soon', 's'), undefined);
  });
});

describe('workers', () => {
  it('1 by default; auto is the CPU count; a number within 1–256; anything else named', () => {
    assert.equal(parseServeConfigText('').workers, 1);
    assert.equal(parseServeConfigText('workers: auto').workers, autoWorkers());
    assert.ok(autoWorkers() >= 1);
    assert.equal(parseServeConfigText('workers: 2').workers, 2);
    assert.deepEqual(problems('workers: 0'), ['workers: expected auto or a whole number from 1 to 256, got 0']);
    assert.deepEqual(problems('workers: many'), ['workers: expected auto or a whole number from 1 to 256, got "many"']);
    assert.deepEqual(problems('worker: 2'), [
      `worker: unknown key (did you mean workers?); allowed: listen, stateDir, names, http, authority, audit, policy, allow, upstream, log, demoAccount, shutdownTimeout, workers`,
    ]);
  });
});
