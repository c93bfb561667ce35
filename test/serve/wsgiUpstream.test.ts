/**
 * Identity headers against a real WSGI upstream (Python's wsgiref, PEP 3333): it reads a header
 * as HTTP_ + its name upper-cased with `-` as `_`, so a client's `X_NTLMGate_User` would land in
 * the same HTTP_X_NTLMGATE_USER as ntlmgate's signed `X-NTLMGate-User`, and `x_forwarded_user`
 * in HTTP_X_FORWARDED_USER. Through `serve` (curl --ntlm as the client) the upstream must see
 * only ntlmgate's own values.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { openAccountStore } from '../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../src/authority/local/ntHash.js';
import { parseServeConfigText } from '../../src/serve/config.js';
import { verifyIdentityHeaders } from '../../src/http/server/identityHeaders.js';
import { createLogger } from '../../src/serve/logger.js';
import { startServe } from '../../src/serve/runtime.js';
import { curlNtlm, PYTHON, skipUnlessCurl, type Credentials } from '../http/server/helpers.js';

const ALICE: Credentials = { domain: 'CORP', user: 'alice', password: 'Al1ce!Pass2026' };
const SECRET = 'a-wsgi-upstream-secret-32-bytes!';

// The WSGI application answers with the CGI variables it was given and whether ntlmgate's signature verifies over them.
const WSGI_APP = `
import json
from wsgiref.simple_server import make_server, WSGIRequestHandler
class Quiet(WSGIRequestHandler):
    def log_message(self, *a): pass
def app(environ, start):
    body = json.dumps({k: v for k, v in environ.items() if k.startswith('HTTP_')}).encode()
    start('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
    return [body]
srv = make_server('127.0.0.1', 0, app, handler_class=Quiet)
print(srv.server_port, flush=True)
srv.serve_forever()
`;

function skipUnlessWsgiref(): string | false {
  const ok = spawnSync(PYTHON, ['-c', 'import wsgiref.simple_server'], { encoding: 'utf8' }).status === 0;
  if (ok) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but a test peer is missing: ${PYTHON} with wsgiref`);
  return `needs ${PYTHON} (wsgiref)`;
}

describe('serve in front of a WSGI upstream', { skip: skipUnlessCurl() || skipUnlessWsgiref() }, () => {
  it("a client's X_NTLMGate_User / X-Forwarded-User in any spelling never reaches the upstream's environ; ntlmgate's signed identity does", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-wsgi-'));
    const python = spawn(PYTHON, ['-c', WSGI_APP], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        createInterface({ input: python.stdout }).once('line', (l) => resolve(Number(l)));
        python.once('exit', (code) => reject(new Error(`the WSGI upstream exited (${String(code)})`)));
      });
      mkdirSync(join(dir, 'state'));
      const store = await openAccountStore(`sqlite:${dir}/state/accounts.db`);
      await store.addAccounts([{ domain: ALICE.domain, name: ALICE.user, ntHash: ntHashOfPassword(ALICE.password) }]);
      await store.close();
      const config = parseServeConfigText(
        `stateDir: ${dir}/state\nlisten: 127.0.0.1:0\nnames: { netbiosComputerName: WEB1, netbiosDomainName: CORP }\nupstream: { url: "http://127.0.0.1:${port}", identitySecretEnv: S }\n`,
        { file: join(dir, 'ntlmgate.yaml'), baseDir: dir },
      );
      const quiet = new Writable({ write: (_c, _e, cb) => cb() });
      const h = await startServe(config, { logger: createLogger('silent', quiet), version: 'test', env: { S: SECRET } });
      try {
        const forged = ['X_NTLMGate_User: CORP\\admin', 'x-ntlmgate_groups: Domain%20Admins', 'X-Forwarded-User: CORP\\admin', 'x_forwarded_user: CORP\\admin', 'Remote_User: admin', 'X-Authenticated-User: admin'];
        const r = await curlNtlm(h.urls[0] ?? '', ALICE, forged.flatMap((f) => ['-H', f]));
        assert.equal(r.status, 200, r.stderr || r.body);
        const environ = JSON.parse(r.body) as Record<string, string>;
        assert.equal(environ['HTTP_X_NTLMGATE_USER'], 'CORP\\alice', JSON.stringify(environ));
        assert.equal(environ['HTTP_X_NTLMGATE_GROUPS'], '');
        for (const k of ['HTTP_X_FORWARDED_USER', 'HTTP_REMOTE_USER', 'HTTP_X_AUTHENTICATED_USER']) assert.equal(environ[k], undefined, `${k} in ${JSON.stringify(environ)}`);
        // The upstream can verify what it got, read back from its CGI variables.
        const headers = Object.fromEntries(Object.entries(environ).map(([k, v]) => [k.slice(5).replace(/_/g, '-').toLowerCase(), v]));
        const v = verifyIdentityHeaders(headers, SECRET);
        assert.ok(v.ok, JSON.stringify(v));
        assert.equal(v.identity.name, 'CORP\\alice');
      } finally {
        await h.stop();
      }
    } finally {
      python.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
