/**
 * explain() and explainRequest() (src/policy/explain.ts): a logon as a person describes it, the
 * decision of its direction, and the NTLM/Operational events it would write.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explain, ExplainInputError, explainRequest } from '../../src/policy/explain.js';
import { DEFAULT_POLICY, loadPolicy } from '../../src/policy/index.js';

describe('explain()', () => {
  it('explains an incoming domain logon under the defaults', () => {
    const r = explain(DEFAULT_POLICY, { user: 'CORP\\alice', server: 'WEB1' });
    assert.equal(r.direction, 'incoming');
    assert.deepEqual(r.decision, { action: 'allow', setting: 'RestrictReceivingNTLMTraffic', reason: 'Allow all: incoming NTLM is not restricted' });
    assert.deepEqual(r.steps.map((s) => s.setting), ['RestrictReceivingNTLMTraffic', 'LmCompatibilityLevel']);
    assert.deepEqual(r.events.map((e) => e.eventId), [4022]);
    const e = r.events[0];
    assert.ok(e);
    assert.equal(e.level, 'Information');
    assert.equal(e.computer, 'WEB1');
    assert.equal(e.data['Username'], 'alice');
    assert.equal(e.data['DomainName'], 'CORP');
    assert.equal(e.data['NtlmVersion'], 'NTLM V2');
    assert.equal(e.data['TargetService'], 'HTTP/web1');
    // Data in template order, every template field present.
    assert.deepEqual(Object.keys(e.data).slice(0, 3), ['Username', 'DomainName', 'RemoteClientMachine']);
  });

  it('explains a block with the deciding setting and its event', () => {
    const policy = loadPolicy({ RestrictReceivingNTLMTraffic: 'Deny all domain accounts' });
    const r = explain(policy, { user: 'CORP\\alice', server: 'WEB1', workstation: 'PC7', clientIp: '10.0.0.7', mic: false });
    assert.equal(r.decision.action, 'block');
    assert.equal(r.decision.setting, 'RestrictReceivingNTLMTraffic');
    assert.equal(r.decision.reason, 'Deny all domain accounts: CORP\\alice is a domain account');
    assert.deepEqual(r.events.map((e) => [e.eventId, e.level]), [[4003, 'Warning'], [4023, 'Warning']]);
    assert.equal(r.events[0]?.data['Workstation'], 'PC7');
    assert.equal(r.events[1]?.data['MicStatus'], 'Unprotected');
    assert.equal(r.events[1]?.data['ClientIP'], '10.0.0.7');
  });

  it('runs decideSecurity after the direction: NTLMv1 meets BlockNtlmv1SSO', () => {
    const r = explain(DEFAULT_POLICY, { user: 'CORP\\alice', server: 'WEB1', version: 'NTLMv1' });
    assert.equal(r.decision.setting, 'BlockNtlmv1SSO');
    assert.deepEqual(r.events.map((e) => e.eventId), [4023, 4025]);
    assert.equal(r.events[1]?.level, 'Error');
  });

  it('treats a local account as local', () => {
    const policy = loadPolicy({ RestrictReceivingNTLMTraffic: 1 });
    assert.equal(explain(policy, { user: 'WEB1\\admin', server: 'CORP\\WEB1' }).decision.action, 'allow');
    assert.equal(explain(policy, { user: '.\\admin', server: 'WEB1', serverDomain: 'CORP', localAccount: true }).decision.action, 'allow');
    assert.equal(explain(policy, { user: '.\\admin', server: 'WEB1', serverDomain: 'CORP' }).decision.action, 'block');
  });

  it('explains outgoing NTLM to an IP address', () => {
    const policy = loadPolicy({ RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['10.0.0.*'] });
    const r = explain(policy, { direction: 'outgoing', user: 'CORP\\alice', server: '10.0.0.80' });
    assert.equal(r.decision.action, 'allow');
    assert.equal(r.decision.setting, 'ClientAllowedNTLMServers');
    assert.equal(r.events[0]?.eventId, 4020);
    assert.equal(r.events[0]?.data['NtlmUsageId'], '7');
    assert.equal(r.events[0]?.data['TargetService'], 'HTTP/10.0.0.80');
    assert.equal(r.events[0]?.computer, 'this client');
    const denied = explain(policy, { direction: 'outgoing', user: 'CORP\\alice', server: 'HTTP/web9.corp.example.test' });
    assert.equal(denied.decision.reason, 'Deny all: web9.corp.example.test is not in ClientAllowedNTLMServers');
    assert.deepEqual(denied.events.map((e) => e.eventId), [4001, 4020]);
  });

  it('explains the domain controller view', () => {
    const policy = loadPolicy({ RestrictNTLMInDomain: 'Deny all', DCAllowedNTLMServers: ['APP*'] });
    const r = explain(policy, { direction: 'domain', user: 'CORP\\alice', server: 'WEB1' });
    assert.equal(r.decision.action, 'block');
    assert.equal(r.decision.reason, 'Deny all: account CORP\\alice is in CORP, server WEB1 is in CORP');
    assert.deepEqual(r.events.map((e) => e.eventId), [4004, 4032]);
    assert.equal(r.events[0]?.data['SChannelName'], 'WEB1');
    assert.equal(r.events[0]?.data['SChannelType'], '2');
    assert.equal(r.events[0]?.computer, 'DC1');
    const excepted = explain(policy, { direction: 'domain', user: 'CORP\\alice', server: 'app01.corp.example.test' });
    assert.equal(excepted.decision.setting, 'DCAllowedNTLMServers');
    const self = explain(policy, { direction: 'domain', user: 'CORP\\alice', server: 'DC1' });
    assert.deepEqual(self.events.map((e) => e.eventId), [4005, 4030]);
  });

  it('builds requests from command-line forms of accounts and machines', () => {
    const upn = explainRequest({ user: 'alice@corp.example.test', server: 'web1.corp.example.test' });
    assert.equal(upn.direction, 'incoming');
    if (upn.direction !== 'incoming') return;
    assert.equal(upn.request.user, 'alice@corp.example.test');
    assert.equal(upn.request.domain, '');
    assert.deepEqual(upn.request.server, { netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP', dnsComputerName: 'web1.corp.example.test', dnsDomainName: 'corp.example.test' });
    const v1 = explainRequest({ user: 'CORP\\bob', server: 'PARTNER\\app9', version: 'NTLMv1' });
    if (v1.direction !== 'incoming') return assert.fail();
    assert.deepEqual(v1.request.server, { netbiosComputerName: 'APP9', netbiosDomainName: 'PARTNER' });
    // Only NTLMv2 carries a MIC, channel bindings or a target name.
    assert.equal(v1.request.micPresent, false);
    assert.equal(v1.request.channelBindings, 'absent');
    assert.equal(v1.request.targetName, undefined);
    assert.throws(() => explainRequest({ user: 'alice', server: 'CORP\\' }), (e: unknown) => e instanceof ExplainInputError && e.field === 'server' && e.code === 'bad-input');
    assert.throws(() => explainRequest({ direction: 'domain', user: 'alice', server: 'WEB1', dc: ' ' }), (e: unknown) => e instanceof ExplainInputError && e.field === 'dc');
  });
});
