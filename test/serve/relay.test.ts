/**
 * NTLM relay against `ntlmgate serve`: a victim logs on to a relaying endpoint (over TLS, so
 * its channel bindings name the relay's certificate; or over plain HTTP, naming the relay in
 * MsvAvTargetName) and the relay passes each leg on to the gateway on a connection of its own.
 * Extended Protection `require` must refuse the relayed logon on every listener of the
 * configuration, the plain-HTTP one included; target names must refuse it on plain HTTP. A
 * control run with protection off shows the relay itself works, so the refusals are the
 * protection's doing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openAccountStore } from '../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../src/authority/local/ntHash.js';
import { tlsServerEndPointHash } from '../../src/crypto/certificateHash.js';
import { parseServeConfigText } from '../../src/serve/config.js';
import { tlsServerEndPointData } from '../../src/ntlm/channelBindings.js';
import { NtlmClientContext } from '../../src/ntlm/clientContext.js';
import { createLogger } from '../../src/serve/logger.js';
import { startServe, type ServeHandle } from '../../src/serve/runtime.js';
import { challengeToken, curlNtlm, makeCertificate, skipUnlessCurl, skipUnlessOpenssl, type Credentials, type TestCertificate } from '../http/server/helpers.js';

const ALICE: Credentials = { domain: 'CORP', user: 'alice', password: 'Al1ce!Pass2026' };
const GATEWAY_SPN = 'HTTP/web1.corp.example.test';

interface Started {
  readonly handle: ServeHandle;
  readonly lines: Record<string, unknown>[];
  readonly dir: string;
}

async function startGateway(yaml: string, files: Record<string, string> = {}): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-relay-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  mkdirSync(join(dir, 'state'));
  const store = await openAccountStore(`sqlite:${dir}/state/accounts.db`);
  await store.addAccounts([{ domain: ALICE.domain, name: ALICE.user, ntHash: ntHashOfPassword(ALICE.password) }]);
  await store.close();
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const config = parseServeConfigText(`stateDir: ${dir}/state\nnames: { netbiosComputerName: WEB1, netbiosDomainName: CORP }\nshutdownTimeout: 5s\n${yaml}`, { file: join(dir, 'ntlmgate.yaml'), baseDir: dir });
  const handle = await startServe(config, { logger: createLogger('debug', sink), version: 'test' });
  return { handle, lines, dir };
}

async function stopGateway(g: Started): Promise<void> {
  await g.handle.stop();
  rmSync(g.dir, { recursive: true, force: true });
}

/**
 * The attacker's endpoint: each request's Authorization goes to `target` on one keep-alive
 * connection per victim connection (NTLM is connection-bound), and the target's status and
 * WWW-Authenticate come back to the victim.
 */
async function startRelay(target: string, tls: TestCertificate | undefined, gatewayCa: string | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const targetAgents = new WeakMap<object, http.Agent>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let agent = targetAgents.get(req.socket);
    if (!agent) {
      agent = target.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets: 1, ca: gatewayCa }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
      targetAgents.set(req.socket, agent);
      req.socket.once('close', () => agent?.destroy());
    }
    const mod = target.startsWith('https:') ? https : http;
    const out = mod.request(target, { agent, headers: req.headers.authorization ? { authorization: req.headers.authorization } : {} }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const headers: http.OutgoingHttpHeaders = { 'content-type': up.headers['content-type'] ?? 'text/plain' };
        if (up.headers['www-authenticate']) headers['www-authenticate'] = up.headers['www-authenticate'];
        res.writeHead(up.statusCode ?? 502, headers);
        res.end(Buffer.concat(chunks));
      });
    });
    out.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    out.end();
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/whoami`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The victim: our NTLM client through a whole handshake with `url`, binding to `channelCert` (the certificate it sees) and naming `targetSpn`. */
async function victimLogon(url: string, o: { readonly ca?: string; readonly channelCert?: string; readonly targetSpn: string }): Promise<number> {
  const agent = url.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets: 1, ca: o.ca }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ctx = new NtlmClientContext({
    credentials: ALICE,
    workstation: 'VICTIM',
    targetSpn: o.targetSpn,
    channelBindings: o.channelCert ? { applicationData: tlsServerEndPointData(tlsServerEndPointHash(o.channelCert)) } : undefined,
  });
  const send = (token: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: string }> =>
    new Promise((resolve, reject) => {
      const mod = url.startsWith('https:') ? https : http;
      const req = mod.request(url, { agent, headers: { authorization: `NTLM ${token.toString('base64')}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    const first = await send(ctx.negotiate());
    const challenge = challengeToken(first, 'NTLM');
    if (first.status !== 401 || !challenge) return first.status;
    return (await send(ctx.authenticate(challenge))).status;
  } finally {
    agent.destroy();
  }
}

const reasons = (g: Started): unknown[] => g.lines.map((l) => l['reason']).filter((r) => r !== undefined);

describe('relay: Extended Protection require holds on every listener', { skip: skipUnlessOpenssl() }, () => {
  let gatewayCert: TestCertificate;
  let relayCert: TestCertificate;
  before(() => {
    gatewayCert = makeCertificate();
    relayCert = makeCertificate();
  });
  after(() => {
    gatewayCert.cleanup();
    relayCert.cleanup();
  });

  const config = (mode: string, plain: string): string =>
    `listen:\n  - { address: "127.0.0.1:0", tls: { cert: cert.pem, key: key.pem } }\n  - { address: "127.0.0.1:0"${plain} }\nhttp: { extendedProtection: ${mode}, providers: [NTLM] }\n`;

  it('a victim on TLS to the relay: its logon relayed to the TLS listener and to the plain listener is refused; the victim itself logs on', async () => {
    const g = await startGateway(config('require', ', extendedProtection: accept'), { 'cert.pem': gatewayCert.cert, 'key.pem': gatewayCert.key });
    try {
      const [tlsUrl = '', plainUrl = ''] = g.handle.urls;
      assert.match(tlsUrl, /^https:/);
      assert.match(plainUrl, /^http:/);
      for (const target of [tlsUrl, plainUrl]) {
        const relay = await startRelay(`${target}whoami`, relayCert, gatewayCert.cert);
        try {
          const status = await victimLogon(relay.url, { ca: relayCert.cert, channelCert: relayCert.cert, targetSpn: GATEWAY_SPN });
          assert.equal(status, 401, `relayed to ${target}`);
        } finally {
          await relay.close();
        }
      }
      assert.equal(reasons(g).filter((r) => r === 'channel-binding-mismatch').length, 2, JSON.stringify(reasons(g)));
      // The same user, straight to the gateway over TLS, binding to the gateway's certificate: 200.
      assert.equal(await victimLogon(`${tlsUrl}whoami`, { ca: gatewayCert.cert, channelCert: gatewayCert.cert, targetSpn: GATEWAY_SPN }), 200);
    } finally {
      await stopGateway(g);
    }
  });

  it('control: with Extended Protection off the same relay logs on (the relay works)', async () => {
    const g = await startGateway(config('off', ''), { 'cert.pem': gatewayCert.cert, 'key.pem': gatewayCert.key });
    try {
      for (const target of g.handle.urls) {
        const relay = await startRelay(`${target}whoami`, relayCert, gatewayCert.cert);
        try {
          assert.equal(await victimLogon(relay.url, { ca: relayCert.cert, channelCert: relayCert.cert, targetSpn: GATEWAY_SPN }), 200, `relayed to ${target}`);
        } finally {
          await relay.close();
        }
      }
    } finally {
      await stopGateway(g);
    }
  });
});

describe('relay: required target names on a plain-HTTP serve', () => {
  const yaml = `listen: 127.0.0.1:0\nhttp: { providers: [NTLM], targetNames: { names: [${GATEWAY_SPN}, HTTP/web1], require: true } }\n`;

  it('a logon naming another host (relayed from it) is refused; one naming this server logs on', async () => {
    const g = await startGateway(yaml);
    try {
      const url = g.handle.urls[0] ?? '';
      const relay = await startRelay(`${url}whoami`, undefined, undefined);
      try {
        assert.equal(await victimLogon(relay.url, { targetSpn: 'HTTP/intranet.evil.example' }), 401);
      } finally {
        await relay.close();
      }
      assert.ok(reasons(g).includes('target-name-mismatch'), JSON.stringify(reasons(g)));
      assert.equal(await victimLogon(`${url}whoami`, { targetSpn: GATEWAY_SPN }), 200);
      assert.equal(await victimLogon(`${url}whoami`, { targetSpn: 'http/WEB1' }), 200, 'SPNs compare without case');
    } finally {
      await stopGateway(g);
    }
  });

  it('a client that sends no target name (curl) is refused under require, and logs on without it', { skip: skipUnlessCurl() }, async () => {
    const strict = await startGateway(yaml);
    try {
      const r = await curlNtlm(`${strict.handle.urls[0]}whoami`, ALICE);
      assert.equal(r.status, 401, r.stderr);
      assert.ok(reasons(strict).includes('target-name-missing'), JSON.stringify(reasons(strict)));
    } finally {
      await stopGateway(strict);
    }
    const lenient = await startGateway(`listen: 127.0.0.1:0\nhttp: { providers: [NTLM], targetNames: [${GATEWAY_SPN}] }\n`);
    try {
      const r = await curlNtlm(`${lenient.handle.urls[0]}whoami`, ALICE);
      assert.equal(r.status, 200, r.stderr);
      assert.equal(await victimLogon(`${lenient.handle.urls[0]}whoami`, { targetSpn: 'HTTP/intranet.evil.example' }), 401, 'a wrong name is refused without require too');
    } finally {
      await stopGateway(lenient);
    }
  });
});
