/**
 * Loading policy configuration: registry names and labels in, PolicyConfigError out for
 * anything that would not load, naming the key and the allowed values.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY, loadPolicy, parsePolicyText, PolicyConfigError } from '../../src/policy/index.js';
import { loadPolicyFile } from '../../src/config/policyFile.js';

/** The PolicyConfigError `f` throws. */
function configError(f: () => unknown): PolicyConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof PolicyConfigError) return e;
    throw e;
  }
  assert.fail('expected a PolicyConfigError');
}

const RESTRICT_IN_DOMAIN_ALLOWED =
  'allowed: 0 (Disable), 1 (Deny for domain accounts to domain servers), 3 (Deny for domain accounts), 5 (Deny for domain servers), 7 (Deny all)';

describe('policy config errors', () => {
  it('refuses a value no option has, naming the key and the allowed values', () => {
    const e = configError(() => loadPolicy({ RestrictNTLMInDomain: 2 }));
    assert.equal(e.message, `RestrictNTLMInDomain: 2 is not allowed; ${RESTRICT_IN_DOMAIN_ALLOWED}`);
    assert.equal(e.key, 'RestrictNTLMInDomain');
    assert.equal(e.name, 'PolicyConfigError');
  });

  it('refuses a label no option has', () => {
    const e = configError(() => loadPolicy({ RestrictReceivingNTLMTraffic: 'Deny everything' }));
    assert.equal(
      e.message,
      'RestrictReceivingNTLMTraffic: "Deny everything" is not allowed; allowed: 0 (Allow all), 1 (Deny all domain accounts), 2 (Deny all accounts)',
    );
    // A label of another setting is not a label of this one.
    const e2 = configError(() => loadPolicy({ RestrictSendingNTLMTraffic: 'Deny all accounts' }));
    assert.match(e2.message, /^RestrictSendingNTLMTraffic: "Deny all accounts" is not allowed; allowed: 0 \(Allow all\), 1 \(Audit all\), 2 \(Deny all\)$/);
  });

  it('refuses an unknown key, with a did-you-mean when one is close', () => {
    const e = configError(() => loadPolicy({ RestrictNTLMinDomian: 1 }));
    assert.equal(e.message, 'RestrictNTLMinDomian: unknown setting; did you mean RestrictNTLMInDomain?');
    assert.equal(e.key, 'RestrictNTLMinDomian');
    const far = configError(() => loadPolicy({ Kerberos: 1 }));
    assert.match(far.message, /^Kerberos: unknown setting; allowed: RestrictNTLMInDomain, AuditNTLMInDomain, .*, services$/);
  });

  it('refuses two "*" in one exception entry, naming the key and the entry', () => {
    const e = configError(() => loadPolicy({ ClientAllowedNTLMServers: ['web1.corp.example.test', '*web*'] }));
    assert.equal(
      e.message,
      'ClientAllowedNTLMServers: "*web*" has more than one "*"; allowed: NetBIOS names, FQDNs or IP addresses, with at most one "*" wildcard each',
    );
    const dc = configError(() => loadPolicy({ DCAllowedNTLMServers: ['WEB**'] }));
    assert.equal(dc.message, 'DCAllowedNTLMServers: "WEB**" has more than one "*"; allowed: NetBIOS server names (up to 15 characters), with at most one "*" wildcard each');
    const svc = configError(() => loadPolicy({ services: { intranet: { BlockNTLM: 1, BlockNTLMServerExceptionList: ['10.*.0.*'] } } }));
    assert.equal(svc.key, 'services.intranet.BlockNTLMServerExceptionList');
    assert.match(svc.message, /^services\.intranet\.BlockNTLMServerExceptionList: "10\.\*\.0\.\*" has more than one "\*"; allowed: /);
  });

  it('reports every problem at once, one line each', () => {
    const e = configError(() => loadPolicy({ RestrictNTLMInDomain: 2, AuditReceivingNTLMTraffic: 'loud', Bogus: 1 }));
    assert.deepEqual(
      e.issues.map((i) => i.key),
      ['Bogus', 'RestrictNTLMInDomain', 'AuditReceivingNTLMTraffic'],
    );
    assert.equal(e.message.split('\n').length, 3);
  });

  it('refuses exception entries that cannot name a server', () => {
    const cases: [unknown, RegExp][] = [
      [{ DCAllowedNTLMServers: ['web1.corp.example.test'] }, /^DCAllowedNTLMServers: "web1\.corp\.example\.test" is not a NetBIOS name; allowed: NetBIOS/],
      [{ DCAllowedNTLMServers: ['10.0.0.*'] }, /^DCAllowedNTLMServers: "10\.0\.0\.\*" is an IP address; allowed: NetBIOS/],
      [{ DCAllowedNTLMServers: ['SIXTEENCHARNAME1'] }, /is not a NetBIOS name/],
      [{ ClientAllowedNTLMServers: ['CORP\\WEB1'] }, /^ClientAllowedNTLMServers: "CORP\\\\WEB1" is not a server name \(one name per entry\)/],
      [{ ClientAllowedNTLMServers: ['web1, web2'] }, /is not a server name/],
      [{ ClientAllowedNTLMServers: ['web1', ''] }, /^ClientAllowedNTLMServers: entry 2 is empty; /],
      [{ ClientAllowedNTLMServers: ['10.0.0.300'] }, /^ClientAllowedNTLMServers: "10\.0\.0\.300" is not an IP address; /],
      [{ ClientAllowedNTLMServers: 5 }, /^ClientAllowedNTLMServers: expected a list of server names, got 5; /],
      [{ ClientAllowedNTLMServers: [{ host: 'x' }] }, /^ClientAllowedNTLMServers: entry 1 \(\{"host":"x"\}\) is not a server name; /],
    ];
    for (const [config, re] of cases) assert.match(configError(() => loadPolicy(config)).message, re);
  });

  it('refuses bit-set values with bits no option has, and unknown labels', () => {
    const e = configError(() => loadPolicy({ NTLMMinServerSec: 0x20080001 }));
    assert.equal(
      e.message,
      'NTLMMinServerSec: 0x20080001 sets bits no option has (0x00000001); allowed: 0 (None) or a sum of 0x00000010 (Require message integrity), ' +
        '0x00000020 (Require message confidentiality), 0x00080000 (Require NTLMv2 session security), 0x20000000 (Require 128-bit encryption), ' +
        'as a number, a hex string or a list of labels',
    );
    assert.match(configError(() => loadPolicy({ NTLMMinClientSec: ['Require 256-bit encryption'] })).message, /^NTLMMinClientSec: "Require 256-bit encryption" is not allowed; allowed: 0 \(None\)/);
    assert.match(configError(() => loadPolicy({ NTLMMinClientSec: -1 })).message, /^NTLMMinClientSec: -1 is not allowed/);
  });

  it('refuses booleans, fractions and objects where a DWORD is expected', () => {
    assert.match(configError(() => loadPolicy({ RestrictSendingNTLMTraffic: true })).message, /^RestrictSendingNTLMTraffic: true is not allowed; allowed: 0 \(Allow all\)/);
    assert.match(configError(() => loadPolicy({ LmCompatibilityLevel: 2.5 })).message, /^LmCompatibilityLevel: 2\.5 is not allowed/);
    assert.match(configError(() => loadPolicy({ LmCompatibilityLevel: 6 })).message, /^LmCompatibilityLevel: 6 is not allowed; allowed: 0 \(Send LM & NTLM responses\)/);
    assert.match(configError(() => loadPolicy({ AuditNTLMInDomain: { value: 1 } })).message, /^AuditNTLMInDomain: \{"value":1\} is not allowed/);
  });

  it('refuses a key given twice in different case, and a policy that is not a mapping', () => {
    assert.match(configError(() => loadPolicy({ LmCompatibilityLevel: 5, lmcompatibilitylevel: 4 })).message, /^lmcompatibilitylevel: LmCompatibilityLevel is given more than once$/);
    assert.match(configError(() => loadPolicy(['RestrictNTLMInDomain'])).message, /^\(policy\): expected a mapping of registry value names to values/);
  });

  it('checks per-service settings and service names', () => {
    assert.equal(
      configError(() => loadPolicy({ services: { intranet: { BlockNTML: 1 } } })).message,
      'services.intranet.BlockNTML: unknown setting; did you mean BlockNTLM?',
    );
    assert.equal(
      configError(() => loadPolicy({ services: { intranet: { BlockNTLM: 2 } } })).message,
      'services.intranet.BlockNTLM: 2 is not allowed; allowed: 0 (Disabled), 1 (Enabled)',
    );
    assert.match(configError(() => loadPolicy({ services: { 'my app': {} } })).message, /^services\.my app: a service name is letters, digits/);
    assert.match(configError(() => loadPolicy({ services: ['intranet'] })).message, /^services: expected a mapping of service names/);
    assert.match(configError(() => loadPolicy({ services: { intranet: 1 } })).message, /^services\.intranet: expected a mapping; allowed keys: BlockNTLM, BlockNTLMServerExceptionList$/);
  });
});

describe('policy config: what loads', () => {
  it('is the defaults for nothing at all', () => {
    assert.equal(loadPolicy(undefined), DEFAULT_POLICY);
    assert.equal(loadPolicy(null), DEFAULT_POLICY);
    const p = loadPolicy({});
    assert.equal(p.RestrictReceivingNTLMTraffic, 0);
    assert.equal(p.LmCompatibilityLevel, undefined);
    assert.equal(p.NTLMMinServerSec, 0x20000000);
    assert.equal(p.BlockNtlmv1SSO, 1);
    assert.deepEqual(p.configured, []);
  });

  it('takes numbers, decimal and hex strings, and labels in any case, S3 variants included', () => {
    const p = loadPolicy({
      RestrictNTLMInDomain: 'deny for DOMAIN servers',
      AuditNTLMInDomain: 'Disabled',
      RestrictReceivingNTLMTraffic: '2',
      AuditReceivingNTLMTraffic: '0x1',
      LmCompatibilityLevel: 'Send NTLM responses only',
      BlockNtlmv1SSO: 'audit',
      LogEnhancedAuditEvents: false,
      EnableEnhancedDomainNtlmLogs: 'Enabled',
    });
    assert.equal(p.RestrictNTLMInDomain, 5);
    assert.equal(p.AuditNTLMInDomain, 0);
    assert.equal(p.RestrictReceivingNTLMTraffic, 2);
    assert.equal(p.AuditReceivingNTLMTraffic, 1);
    assert.equal(p.LmCompatibilityLevel, 2);
    assert.equal(p.BlockNtlmv1SSO, 0);
    assert.equal(p.LogEnhancedAuditEvents, 0);
    assert.equal(p.EnableEnhancedDomainNtlmLogs, 1);
    assert.deepEqual(p.configured, [
      'RestrictNTLMInDomain',
      'AuditNTLMInDomain',
      'RestrictReceivingNTLMTraffic',
      'AuditReceivingNTLMTraffic',
      'LmCompatibilityLevel',
      'BlockNtlmv1SSO',
      'LogEnhancedAuditEvents',
      'EnableEnhancedDomainNtlmLogs',
    ]);
  });

  it('reads registry value names case-insensitively', () => {
    const p = loadPolicy({ restrictreceivingntlmtraffic: 1, NtlmMinServerSec: 0 });
    assert.equal(p.RestrictReceivingNTLMTraffic, 1);
    assert.equal(p.NTLMMinServerSec, 0);
    assert.deepEqual(p.configured, ['RestrictReceivingNTLMTraffic', 'NTLMMinServerSec']);
  });

  it('leaves "Not defined" and null at the default', () => {
    const p = loadPolicy({ LmCompatibilityLevel: 'Not defined', RestrictSendingNTLMTraffic: null });
    assert.equal(p.LmCompatibilityLevel, undefined);
    assert.equal(p.RestrictSendingNTLMTraffic, 0);
    assert.deepEqual(p.configured, []);
  });

  it('takes NTLMMin*Sec as a number, hex string, label, comma-separated labels or a list', () => {
    const both = 0x20080000;
    for (const v of [537395200, '0x20080000', '537395200', ['Require NTLMv2 session security', 'Require 128-bit encryption'], 'Require NTLMv2 session security, require 128-bit encryption', [0x80000, '0x20000000']]) {
      assert.equal(loadPolicy({ NTLMMinServerSec: v }).NTLMMinServerSec, both, JSON.stringify(v));
    }
    assert.equal(loadPolicy({ NTLMMinClientSec: 'None' }).NTLMMinClientSec, 0);
    assert.equal(loadPolicy({ NTLMMinClientSec: [] }).NTLMMinClientSec, 0);
    assert.equal(loadPolicy({ NTLMMinClientSec: 'Require 128-bit encryption' }).NTLMMinClientSec, 0x20000000);
  });

  it('takes exception lists as a list or as one name per line', () => {
    const p = loadPolicy({ ClientAllowedNTLMServers: 'web1.corp.example.test\nWEB1\n\n*.legacy.example.test\n' });
    assert.deepEqual(p.ClientAllowedNTLMServers.map((e) => e.text), ['web1.corp.example.test', 'WEB1', '*.legacy.example.test']);
    assert.deepEqual(loadPolicy({ DCAllowedNTLMServers: ['WEB*', 'APP01'] }).DCAllowedNTLMServers.map((e) => e.kind), ['name', 'name']);
  });

  it('loads per-service blocks, keeping service names as written', () => {
    const p = loadPolicy({ services: { intranet: { BlockNTLM: 'Enabled', BlockNTLMServerExceptionList: ['10.0.0.*', 'LEGACY*'] }, 'api.v2': { blockntlm: true }, empty: null } });
    assert.deepEqual([...p.services.keys()], ['intranet', 'api.v2', 'empty']);
    const intranet = p.services.get('intranet');
    assert.equal(intranet?.BlockNTLM, 1);
    assert.deepEqual(intranet?.BlockNTLMServerExceptionList.map((e) => [e.text, e.kind]), [['10.0.0.*', 'ip'], ['LEGACY*', 'name']]);
    assert.equal(p.services.get('api.v2')?.BlockNTLM, 1);
    assert.equal(p.services.get('empty')?.BlockNTLM, 0);
  });
});

describe('policy files (YAML / JSON)', () => {
  it('parses YAML, hex numbers included', () => {
    const p = parsePolicyText(
      [
        '# ntlmgate policy',
        'RestrictReceivingNTLMTraffic: Deny all domain accounts',
        'NTLMMinServerSec: 0x20080000',
        'ClientAllowedNTLMServers:',
        '  - web1.corp.example.test',
        '  - "*.legacy.example.test"',
        'services:',
        '  intranet: { BlockNTLM: 1, BlockNTLMServerExceptionList: ["10.0.0.*", "LEGACY*"] }',
      ].join('\n'),
    );
    assert.equal(p.RestrictReceivingNTLMTraffic, 1);
    assert.equal(p.NTLMMinServerSec, 0x20080000);
    assert.equal(p.ClientAllowedNTLMServers.length, 2);
    assert.equal(p.services.get('intranet')?.BlockNTLM, 1);
  });

  it('parses JSON', () => {
    assert.equal(parsePolicyText('{"LmCompatibilityLevel": 4}').LmCompatibilityLevel, 4);
  });

  it('reports YAML syntax errors and duplicate keys with the file name and line', () => {
    const dup = configError(() => parsePolicyText('LmCompatibilityLevel: 5\nLmCompatibilityLevel: 4\n', 'policy.yaml'));
    assert.match(dup.message, /^policy\.yaml: YAML: Map keys must be unique at line 2/);
    const bad = configError(() => parsePolicyText('RestrictNTLMInDomain: [1\n', 'policy.yaml'));
    assert.match(bad.message, /^policy\.yaml: YAML: /);
    assert.equal(bad.file, 'policy.yaml');
  });

  it('loadPolicyFile reads a file and names it in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-policy-'));
    try {
      const good = join(dir, 'good.yaml');
      writeFileSync(good, 'AuditReceivingNTLMTraffic: Enable auditing for all accounts\n');
      assert.equal((await loadPolicyFile(good)).AuditReceivingNTLMTraffic, 2);
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'RestrictNTLMInDomain: 2\n');
      await assert.rejects(loadPolicyFile(bad), (e: unknown) => e instanceof PolicyConfigError && e.message === `${bad}: RestrictNTLMInDomain: 2 is not allowed; ${RESTRICT_IN_DOMAIN_ALLOWED}`);
      await assert.rejects(loadPolicyFile(join(dir, 'missing.yaml')), { code: 'ENOENT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
