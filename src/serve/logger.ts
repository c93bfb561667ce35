/**
 * Structured logs for `ntlmgate serve`: one JSON object per line (pino), every request line
 * carrying its request id. Nothing logged ever holds a token, a password or a hash: the IWA
 * handler's entries are reason codes by construction, and pino's redaction drops the
 * headers that could carry secrets should a caller log a request object.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';
import type { IwaLogEntry } from '../http/server/log.js';

export type ServeLogger = Logger;

export function createLogger(level: LogLevel, destination?: DestinationStream): ServeLogger {
  const options = {
    level,
    base: { service: 'ntlmgate' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: ['headers.authorization', 'headers["proxy-authorization"]', 'headers.cookie', 'password', 'ntHash'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options, pino.destination({ dest: 1, sync: false }));
}

/** The IWA handler's log hook, writing its entries at their own level. */
export function iwaLogTo(logger: ServeLogger): (entry: IwaLogEntry) => void {
  return (entry) => {
    const { level, msg, ...fields } = entry;
    logger[level](fields, msg);
  };
}
