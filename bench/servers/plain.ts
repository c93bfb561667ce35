/**
 * The ceiling for the keep-alive measurement: node:http with no authentication, answering
 * every request with the same small page and headers the IWA server sends after a logon.
 * Forked by bench/httpServer.ts.
 */
import http from 'node:http';
import { runServer } from './ipc.js';
import { PAGE_HEADERS, PAGE } from './page.js';

const server = http.createServer((_req, res) => {
  res.writeHead(200, { ...PAGE_HEADERS, 'X-Auth-User': 'CORP\\alice' }); // byte for byte what the IWA server sends
  res.end(PAGE);
});
await runServer(server, async () => ({}), async () => {});
