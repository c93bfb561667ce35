/**
 * Request ids for logs, audit events and `X-Request-Id`: a random prefix drawn once per process
 * and a counter, e.g. `k3x9q2m1ad7f-1b`. They only need to be unique (to correlate a request's
 * log lines and events across processes and restarts), not unguessable, and one is made for
 * every request — a UUID from the CSPRNG per keep-alive request cost more than our whole
 * authenticated-connection check.
 */
import { randomBytes } from 'node:crypto';

// 64 random bits, base36: a collision between two processes' prefixes is negligible.
const PREFIX = `${randomBytes(8).readBigUInt64BE().toString(36)}-`;
let counter = 0;

export function nextRequestId(): string {
  counter = counter === Number.MAX_SAFE_INTEGER ? 0 : counter + 1;
  return PREFIX + counter.toString(36);
}
