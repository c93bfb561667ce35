/**
 * The NTLM server the HTTP client bench (bench/httpClient.ts) measures every client against:
 * createIwa() over node:http, MemoryAuthority (CORP\alice), the default policy, no audit sink,
 * connection-bound authentication (the default) — forked into its own process so it does not
 * share an event loop with the clients. It counts what it sees, so the bench can show how many
 * connections and requests each client really spent per authenticated response.
 *
 *   node dist/bench/clients/server.js   (forked; speaks bench/servers/ipc.ts: ready/stats/stop)
 */
import http from 'node:http';
import { MemoryAuthority } from '../../src/authority/memoryAuthority.js';
import { createIwa } from '../../src/http/server/handler.js';
import { DEFAULT_POLICY } from '../../src/policy/policy.js';
import { runServer } from '../servers/ipc.js';
import { PAGE, PAGE_HEADERS } from '../servers/page.js';

export interface ClientBenchServerStats {
  /** TCP connections accepted. */
  readonly connections: number;
  /** Requests seen (every handshake leg included). */
  readonly requests: number;
  /** Requests that carried an Authorization header (NEGOTIATE or AUTHENTICATE legs). */
  readonly withAuthorization: number;
  /** Authenticated responses (200 with the page). */
  readonly ok: number;
  /** Requests the handler answered itself (401 challenges, refusals). */
  readonly refused: number;
  /** Socket errors (ECONNRESET, EPIPE): a client that resets instead of closing. */
  readonly socketErrors: number;
}

const counts = { connections: 0, requests: 0, withAuthorization: 0, ok: 0, refused: 0, socketErrors: 0 };

const core = createIwa({
  authority: new MemoryAuthority('CORP').add({ domain: 'CORP', name: 'alice', password: 'Al1ce!Pass2026' }),
  netbiosComputerName: 'WEB1',
  netbiosDomainName: 'CORP',
  dnsComputerName: 'web1.corp.example.test',
  dnsDomainName: 'corp.example.test',
  policy: DEFAULT_POLICY,
  serviceName: 'bench',
});

const server = http.createServer((req, res) => {
  counts.requests++;
  if (req.headers.authorization !== undefined) counts.withAuthorization++;
  core.authenticate(req, res).then(
    (out) => {
      if (!out.authenticated) {
        counts.refused++;
        return;
      }
      counts.ok++;
      res.writeHead(200, { ...PAGE_HEADERS, 'X-Auth-User': out.identity.name });
      res.end(PAGE);
    },
    () => {
      if (!res.headersSent) res.writeHead(500).end();
    },
  );
});
server.on('connection', (socket) => {
  counts.connections++;
  socket.on('error', () => void counts.socketErrors++);
});

await runServer(server, async () => ({ ...counts } satisfies ClientBenchServerStats), async () => {});
