/**
 * Our HTTP initiators against Apache httpd + mod_auth_gssapi + gss-ntlmssp
 * (test/peers/apache.sh): raw `NTLM` with NtlmClientContext and SPNEGO `Negotiate` with
 * NegotiateClientContext, over one real keep-alive connection each, as a browser would.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { NtlmClientContext } from '../../src/ntlm/clientContext.js';
import { NegotiateClientContext, NegotiateRejectedError } from '../../src/spnego/negotiateClient.js';
import { APACHE_ALICE, APACHE_BOB, skipUnlessApache, startApache, type ApachePeer } from '../helpers/apache.js';

type Credentials = { readonly user: string; readonly domain: string; readonly password: string };

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Each WWW-Authenticate line as sent. */
  readonly authenticate: string[];
  readonly body: string;
  /** The client port of the connection that carried it (same port = same connection). */
  readonly localPort: number | undefined;
}

/** One connection to Apache: requests go one after the other over the same keep-alive socket. */
class Connection {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  constructor(private readonly base: string) {}

  get(path: string, authorization?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.get(new URL(path, this.base), { agent: this.agent, headers: authorization ? { authorization } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const authenticate: string[] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            if (res.rawHeaders[i]?.toLowerCase() === 'www-authenticate') authenticate.push(res.rawHeaders[i + 1] ?? '');
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, authenticate, body: Buffer.concat(chunks).toString('utf8'), localPort: req.socket?.localPort });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The token of the `WWW-Authenticate: <scheme> <token>` line. */
function tokenOf(a: Answer, scheme: string): Buffer | undefined {
  const prefix = `${scheme.toLowerCase()} `;
  const line = a.authenticate.find((v) => v.toLowerCase().startsWith(prefix));
  return line === undefined ? undefined : Buffer.from(line.slice(prefix.length).trim(), 'base64');
}

const hdr = (scheme: string, token: Buffer): string => `${scheme} ${token.toString('base64')}`;

/** Raw NTLM: NEGOTIATE → 401 + CHALLENGE → AUTHENTICATE → final answer, all on `conn`. */
async function ntlmLogon(conn: Connection, credentials: Credentials, path = '/whoami'): Promise<{ challenge: Answer; final: Answer }> {
  const client = new NtlmClientContext({ credentials, workstation: 'WS01' });
  const challenge = await conn.get(path, hdr('NTLM', client.negotiate()));
  const token = tokenOf(challenge, 'NTLM');
  assert.equal(challenge.status, 401);
  assert.ok(token, `no NTLM CHALLENGE in ${JSON.stringify(challenge.authenticate)}`);
  const final = await conn.get(path, hdr('NTLM', client.authenticate(token)));
  return { challenge, final };
}

describe('NtlmClientContext / NegotiateClientContext → Apache + mod_auth_gssapi + gss-ntlmssp', { skip: skipUnlessApache() }, () => {
  let apache: ApachePeer;
  before(async () => {
    apache = await startApache();
  });
  after(async () => {
    await apache?.stop();
  });

  it('offers Negotiate and NTLM without credentials, and serves /public/ without', async () => {
    const conn = new Connection(apache.url);
    try {
      const bare = await conn.get('/');
      assert.equal(bare.status, 401);
      assert.deepEqual(bare.authenticate, ['Negotiate', 'NTLM']);
      const pub = await conn.get('/public/');
      assert.equal(pub.status, 200);
      assert.equal(pub.headers['x-auth-user'], undefined);
    } finally {
      conn.close();
    }
  });

  it('raw NTLM: alice logs on over one keep-alive connection, which then stays authenticated', async () => {
    const conn = new Connection(apache.url);
    try {
      const { challenge, final } = await ntlmLogon(conn, APACHE_ALICE);
      assert.equal(final.status, 200, final.body);
      assert.equal(final.headers['x-auth-user'], 'CORP\\alice');
      assert.equal(final.body.trim(), 'user=CORP\\alice');
      assert.equal(final.localPort, challenge.localPort, 'the AUTHENTICATE went over the CHALLENGE connection');
      // Connection-bound: later requests on the same connection need no header.
      const again = await conn.get('/');
      assert.equal(again.status, 200);
      assert.equal(again.headers['x-auth-user'], 'CORP\\alice');
      assert.equal(again.localPort, challenge.localPort);
    } finally {
      conn.close();
    }
    // …and a new connection does not inherit it.
    const other = new Connection(apache.url);
    try {
      assert.equal((await other.get('/whoami')).status, 401);
    } finally {
      other.close();
    }
  });

  it('raw NTLM: bob is named bob', async () => {
    const conn = new Connection(apache.url);
    try {
      const { final } = await ntlmLogon(conn, APACHE_BOB);
      assert.equal(final.status, 200, final.body);
      assert.equal(final.headers['x-auth-user'], 'CORP\\bob');
    } finally {
      conn.close();
    }
  });

  it('Negotiate (SPNEGO, mechListMIC both ways): alice logs on and verifies Apache\'s final token', async () => {
    const conn = new Connection(apache.url);
    try {
      const client = new NegotiateClientContext({ credentials: APACHE_ALICE, workstation: 'WS01' });
      const first = await conn.get('/whoami', hdr('Negotiate', client.initialToken()));
      assert.equal(first.status, 401);
      const challenge = tokenOf(first, 'Negotiate');
      assert.ok(challenge, 'no Negotiate token in the 401');
      const next = client.step(challenge);
      assert.ok(next);
      const final = await conn.get('/whoami', hdr('Negotiate', next));
      assert.equal(final.status, 200, final.body);
      assert.equal(final.headers['x-auth-user'], 'CORP\\alice');
      assert.equal(final.body.trim(), 'user=CORP\\alice');
      const accept = tokenOf(final, 'Negotiate');
      assert.ok(accept, 'Apache sent no final SPNEGO token');
      assert.equal(client.step(accept), undefined);
      assert.equal(client.complete, true);
      assert.equal(client.mechListMicVerified, true, 'Apache\'s mechListMIC verified');
      assert.equal((await conn.get('/')).headers['x-auth-user'], 'CORP\\alice');
    } finally {
      conn.close();
    }
  });

  it('a wrong password is refused: 401 for raw NTLM, negState reject for Negotiate', async () => {
    const wrong = { ...APACHE_ALICE, password: 'not-the-password' };
    const conn = new Connection(apache.url);
    try {
      const { final } = await ntlmLogon(conn, wrong);
      assert.equal(final.status, 401);
      assert.equal(final.headers['x-auth-user'], undefined);
      assert.equal((await conn.get('/whoami')).status, 401, 'the connection is not authenticated');
    } finally {
      conn.close();
    }
    const nconn = new Connection(apache.url);
    try {
      const client = new NegotiateClientContext({ credentials: wrong, workstation: 'WS01' });
      const first = await nconn.get('/whoami', hdr('Negotiate', client.initialToken()));
      const next = client.step(tokenOf(first, 'Negotiate') ?? Buffer.alloc(0));
      assert.ok(next);
      const final = await nconn.get('/whoami', hdr('Negotiate', next));
      assert.equal(final.status, 401);
      const reject = tokenOf(final, 'Negotiate');
      assert.ok(reject, 'a SPNEGO reject token');
      assert.throws(() => client.step(reject), NegotiateRejectedError);
    } finally {
      nconn.close();
    }
  });

  it('an unknown user and a domain in the wrong case are refused (gss-ntlmssp keys NTLMv2 on the file\'s domain)', async () => {
    for (const who of [{ ...APACHE_ALICE, user: 'mallory' }, { ...APACHE_ALICE, domain: 'corp' }]) {
      const conn = new Connection(apache.url);
      try {
        assert.equal((await ntlmLogon(conn, who)).final.status, 401, `${who.domain}\\${who.user}`);
      } finally {
        conn.close();
      }
    }
  });
});
