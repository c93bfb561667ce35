/**
 * The client against a real third-party IWA server: Apache httpd + mod_auth_gssapi +
 * gss-ntlmssp (test/peers/apache.sh), NTLM and Negotiate-with-NTLM, through the dispatcher
 * (fetch), the http.Agent and axios. Skips with a reason on a machine without the peer; fails
 * under CI=true.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import axios from 'axios';
import { fetch as undiciFetch, request as undiciRequest } from 'undici';
import { NtlmHttpAgent } from '../../../src/http/client/agent.js';
import { ntlmAxios } from '../../../src/http/client/axios.js';
import { NtlmDispatcher } from '../../../src/http/client/dispatcher.js';
import { APACHE_ALICE, APACHE_BOB, skipUnlessApache, startApache, type ApachePeer } from '../../helpers/apache.js';
import { randomStream } from './helpers.js';

const alice = { username: `${APACHE_ALICE.domain}\\${APACHE_ALICE.user}`, password: APACHE_ALICE.password };
const bob = { username: APACHE_BOB.user, domain: APACHE_BOB.domain, password: APACHE_BOB.password };

describe('HTTP client → Apache + mod_auth_gssapi + gss-ntlmssp', { skip: skipUnlessApache() }, () => {
  let apache: ApachePeer;
  before(async () => {
    apache = await startApache();
  });
  after(async () => {
    await apache?.stop();
  });

  for (const scheme of ['NTLM', 'Negotiate'] as const) {
    it(`${scheme}: fetch logs on, Apache names the user; the connection stays authenticated`, async () => {
      const d = new NtlmDispatcher({ credentials: alice, schemes: [scheme], connections: 1 });
      try {
        const res = await undiciFetch(`${apache.url}whoami`, { dispatcher: d });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-auth-user'), 'CORP\\alice');
        assert.equal((await res.text()).trim(), 'user=CORP\\alice');
        for (let i = 0; i < 3; i++) {
          const again = await undiciFetch(`${apache.url}whoami`, { dispatcher: d });
          assert.equal((await again.text()).trim(), 'user=CORP\\alice');
        }
        assert.equal(d.stats().pools[0]?.authenticated, 1);
      } finally {
        await d.close();
      }
    });
  }

  it('concurrent requests as two users through two dispatchers', async () => {
    const da = new NtlmDispatcher({ credentials: alice, connections: 3 });
    const db = new NtlmDispatcher({ credentials: bob, connections: 3 });
    try {
      const get = async (d: NtlmDispatcher): Promise<string> => (await (await undiciFetch(`${apache.url}whoami`, { dispatcher: d })).text()).trim();
      const results = await Promise.all([...Array.from({ length: 20 }, () => get(da)), ...Array.from({ length: 20 }, () => get(db))]);
      assert.deepEqual(new Set(results.slice(0, 20)), new Set(['user=CORP\\alice']));
      assert.deepEqual(new Set(results.slice(20)), new Set(['user=CORP\\bob']));
    } finally {
      await Promise.all([da.close(), db.close()]);
    }
  });

  it('a streamed PUT reaches Apache after the handshake (the body is not spent on a 401)', async () => {
    const d = new NtlmDispatcher({ credentials: alice });
    const { stream } = randomStream(256 * 1024, 5);
    try {
      const r = await undiciRequest(`${apache.url}whoami`, { dispatcher: d, method: 'PUT', body: stream() });
      await r.body.arrayBuffer();
      // A static page takes no PUT: 405 comes from the handler, which only runs once authenticated.
      assert.equal(r.statusCode, 405);
      const log = readFileSync(join(apache.dir, 'access.log'), 'utf8').split('\n');
      const puts = log.filter((l) => l.includes('"PUT /whoami'));
      assert.deepEqual(
        puts.map((l) => / (\d{3}) .*user=(\S+)/.exec(l)?.slice(1)),
        [
          ['401', '-'],
          ['405', 'CORP\\\\alice'], // Apache's log escapes the backslash
        ],
        'a NEGOTIATE leg with no body, then the PUT with its body, as alice',
      );
    } finally {
      await d.close();
    }
  });

  it('wrong password: the 401 comes back', async () => {
    const d = new NtlmDispatcher({ credentials: { ...alice, password: 'wrong' } });
    try {
      const res = await undiciFetch(`${apache.url}whoami`, { dispatcher: d });
      assert.equal(res.status, 401);
      await res.arrayBuffer();
    } finally {
      await d.close();
    }
  });

  it('http.request with NtlmHttpAgent, and axios', async () => {
    const agent = new NtlmHttpAgent({ credentials: bob });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get(`${apache.url}whoami`, { agent }, (res) => {
            let t = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (t += c));
            res.on('end', () => resolve(t));
          })
          .on('error', reject);
      });
      assert.equal(body.trim(), 'user=CORP\\bob');
    } finally {
      agent.destroy();
    }
    const client = axios.create({ httpAgent: new http.Agent({ keepAlive: true }) });
    ntlmAxios(client, { credentials: alice });
    const r = await client.get<string>(`${apache.url}whoami`, { responseType: 'text' });
    assert.equal(r.data.trim(), 'user=CORP\\alice');
  });
});
