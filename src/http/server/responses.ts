/**
 * The handler's own answers. Bodies are generic on purpose: why a logon failed (wrong
 * password, unknown user, policy) is for the log, never for the client — anything more helps
 * an attacker enumerate accounts or probe the policy.
 */
import type { ServerResponse } from 'node:http';

export type IwaStatus = 400 | 401 | 403 | 429 | 500 | 503;

const TEXT: Readonly<Record<IwaStatus, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface RespondOptions {
  /** `WWW-Authenticate` values, one header each. */
  readonly authenticate?: readonly string[];
  /** Close the connection after this response (the client said so, or it must start afresh). */
  readonly close?: boolean;
  readonly retryAfterSeconds?: number;
}

export function respond(res: ServerResponse, status: IwaStatus, options: RespondOptions = {}): void {
  // The client may have gone while policy or the authority was working.
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const body = `${status} ${TEXT[status]}\n`;
  if (options.authenticate && options.authenticate.length > 0) res.setHeader('WWW-Authenticate', [...options.authenticate]);
  if (options.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(options.retryAfterSeconds));
  if (options.close) res.setHeader('Connection', 'close');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.statusCode = status;
  res.end(body);
}
