/**
 * The ceiling for the handshake measurement: node:http answering the exact exchange of an NTLM
 * handshake (NEGOTIATE → 401 + CHALLENGE, AUTHENTICATE → 200 with the page) while doing no NTLM
 * work at all — one CHALLENGE made at start-up is sent every time and any AUTHENTICATE is let in
 * unverified. What it reaches is the most any IWA server built on node:http can reach with this
 * load generator on this machine; it authenticates nothing and is never a server to run.
 * Forked by bench/httpServer.ts.
 *
 *   node dist/bench/servers/floor.js [--workers N]
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { NtlmClientContext } from '../../src/ntlm/clientContext.js';
import { NtlmServerContext } from '../../src/ntlm/serverContext.js';
import { numOf } from '../argv.js';
import { runClusterPrimary } from './cluster.js';
import { runServer } from './ipc.js';
import { PAGE, PAGE_HEADERS } from './page.js';

const workers = numOf('--workers') ?? 1;

if (workers > 1 && cluster.isPrimary) {
  await runClusterPrimary(workers, [], async () => ({}));
} else {
  // A real CHALLENGE (so the load generator's client context accepts it), made once.
  const server = new NtlmServerContext({
    authority: { validate: () => Promise.reject(new Error('the floor server verifies nothing')) },
    netbiosComputerName: 'WEB1',
    netbiosDomainName: 'CORP',
    dnsComputerName: 'web1.corp.example.test',
    dnsDomainName: 'corp.example.test',
  });
  const negotiate = new NtlmClientContext({ credentials: { user: 'alice', domain: 'CORP', password: 'x' }, workstation: 'WS01' }).negotiate();
  const step = await server.step(negotiate);
  if (step.status !== 'continue') throw new Error('no CHALLENGE');
  const challenge = `NTLM ${Buffer.from(step.token).toString('base64')}`;

  await runServer(
    http.createServer((req, res) => {
      const a = req.headers.authorization;
      // Byte 8 of the message is its type (1 NEGOTIATE, 3 AUTHENTICATE): the first 16 base64 characters hold it.
      if (a !== undefined && a.startsWith('NTLM ') && a.length > 17 && Buffer.from(a.slice(5, 21), 'base64')[8] === 3) {
        res.writeHead(200, { ...PAGE_HEADERS, 'X-Auth-User': 'CORP\\alice' });
        res.end(PAGE);
        return;
      }
      res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '17' });
      res.end('401 Unauthorized\n');
    }),
    async () => ({}),
    async () => {},
  );
}
