/** HTTP/2 requests for NTLM/Negotiate are reset with HTTP_1_1_REQUIRED (0xd), so clients fall back to HTTP/1.1. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { NtlmClientContext } from '../../../src/ntlm/clientContext.js';
import { iwa } from '../../../src/http/server/handler.js';
import { HTTP_1_1_REQUIRED, http2Guard } from '../../../src/http/server/http2.js';
import type { IwaLogEntry } from '../../../src/http/server/log.js';
import type { IwaRequest, IwaResponse } from '../../../src/http/server/request.js';
import { ALICE, baseOptions, login, makeCertificate, parseEcho, skipUnlessOpenssl, type TestCertificate } from './helpers.js';

const ntlmHeader = (): string => `NTLM ${new NtlmClientContext({ credentials: ALICE }).negotiate().toString('base64')}`;

/** One h2 request: the status, or the RST_STREAM code it was closed with. */
function h2Request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<{ status?: number; rstCode: number; body: string }> {
  return new Promise((resolve) => {
    const stream = session.request({ ':path': '/', ...headers });
    let status: number | undefined;
    let body = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (d: Buffer) => (body += d.toString()));
    // A reset stream also emits 'error' (ERR_HTTP2_STREAM_ERROR); the code is what matters.
    stream.on('error', () => undefined);
    stream.on('close', () => resolve({ status, rstCode: stream.rstCode ?? 0, body }));
    stream.end();
  });
}

async function listen(server: http2.Http2Server | http2.Http2SecureServer): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('HTTP/2 fallback', () => {
  it('HTTP_1_1_REQUIRED is 0xd (RFC 9113 §7)', () => assert.equal(HTTP_1_1_REQUIRED, 0xd));

  it('node:http2 server with the IWA handler: requests with or without NTLM/Negotiate are reset with 0xd and logged', async () => {
    const logs: IwaLogEntry[] = [];
    const server = http2.createServer(iwa(baseOptions({ log: (e) => logs.push(e) }))((_req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => res.end('app')));
    const port = await listen(server);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      for (const headers of [{ authorization: ntlmHeader() }, { authorization: 'Negotiate YIIB' }, {}]) {
        const r = await h2Request(session, headers);
        assert.equal(r.rstCode, 0xd);
        assert.equal(r.status, undefined, 'no response, only the reset');
      }
      assert.equal(logs.filter((e) => e.reason === 'http2-fallback').length, 3);
    } finally {
      session.close();
      server.close();
    }
  });

  it('http2Guard on a stream server: resets NTLM/Negotiate streams, lets others through', async () => {
    const guard = http2Guard();
    const server = http2.createServer();
    server.on('stream', (stream, headers) => {
      if (guard(stream, headers)) return;
      stream.respond({ ':status': 200 });
      stream.end('public');
    });
    const port = await listen(server);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      assert.equal((await h2Request(session, { authorization: ntlmHeader() })).rstCode, 0xd);
      assert.equal((await h2Request(session, { authorization: 'negotiate abc' })).rstCode, 0xd);
      const open = await h2Request(session, { authorization: 'Bearer x' });
      assert.equal(open.status, 200);
      assert.equal(open.body, 'public');
    } finally {
      session.close();
      server.close();
    }
  });

  it('http2Guard({ goaway: true }) ends the session with GOAWAY(HTTP_1_1_REQUIRED)', async () => {
    const server = http2.createServer();
    const guard = http2Guard({ goaway: true, always: true });
    server.on('stream', (stream, headers) => void guard(stream, headers));
    const port = await listen(server);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const goaway = new Promise<number>((r) => session.once('goaway', (code) => r(code)));
    session.on('error', () => undefined);
    try {
      await h2Request(session, {});
      assert.equal(await goaway, 0xd);
    } finally {
      session.destroy();
      server.close();
    }
  });

  describe('a TLS server with allowHTTP1', { skip: skipUnlessOpenssl() }, () => {
    let cert: TestCertificate;
    before(() => (cert = makeCertificate()));
    after(() => cert.cleanup());

    it('h2 is reset with 0xd; the same client retrying over HTTP/1.1 logs on', async () => {
      const app = iwa(baseOptions())((req: IwaRequest, res: IwaResponse) => res.end(JSON.stringify({ user: req.ntlmgate?.user })));
      const server = http2.createSecureServer({ key: cert.key, cert: cert.cert, allowHTTP1: true }, app);
      const port = await listen(server);
      const session = http2.connect(`https://127.0.0.1:${port}`, { ca: cert.cert });
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: cert.cert });
      try {
        assert.equal((await h2Request(session, { authorization: ntlmHeader() })).rstCode, 0xd);
        const r = await login(`https://127.0.0.1:${port}/`, agent, { ca: cert.cert });
        assert.equal(r.status, 200);
        assert.equal(parseEcho(r).user, 'alice');
      } finally {
        session.close();
        agent.destroy();
        server.close();
      }
    });
  });
});
