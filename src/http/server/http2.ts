/**
 * NTLM and Negotiate authenticate a connection, and HTTP/2 multiplexes unrelated requests
 * over one: there is nothing sound to bind a handshake to. IIS therefore refuses Windows
 * authentication over h2 with RST_STREAM HTTP_1_1_REQUIRED (0xd, RFC 9113 §7), on which
 * browsers, curl (#3349) and .NET retry the request over HTTP/1.1. We do the same.
 */
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';

/** RFC 9113 §7 error code HTTP_1_1_REQUIRED. */
export const HTTP_1_1_REQUIRED: number = constants.NGHTTP2_HTTP_1_1_REQUIRED;

export interface Http2FallbackOptions {
  /**
   * Send GOAWAY(HTTP_1_1_REQUIRED) for the whole session instead of resetting one stream:
   * for servers that serve only IWA-protected content, so the client stops trying h2 at once.
   */
  readonly goaway?: boolean;
}

const ignore = (): void => {};

/** Refuses an h2 request so that the client retries it over HTTP/1.1. */
export function http2Fallback(stream: ServerHttp2Stream, options: Http2FallbackOptions = {}): void {
  if (stream.destroyed || stream.closed) return;
  // Closing with an error code makes node emit it as an 'error' on our own stream; we chose it.
  stream.on('error', ignore);
  if (options.goaway && !stream.session?.destroyed) stream.session?.goaway(HTTP_1_1_REQUIRED);
  stream.close(HTTP_1_1_REQUIRED);
}

/** Whether a request carries NTLM or Negotiate credentials (schemes compared case-insensitively). */
export function carriesConnectionAuth(headers: IncomingHttpHeaders): boolean {
  const v = headers.authorization;
  return typeof v === 'string' && /^\s*(ntlm|negotiate)(\s|$)/i.test(v);
}

/**
 * For `http2Server.on('stream', …)` users: resets a stream that carries NTLM/Negotiate
 * credentials (or, with `always`, any stream, for a host that requires IWA) and returns
 * true; returns false for a stream the application should serve.
 */
export function http2Guard(options: Http2FallbackOptions & { readonly always?: boolean } = {}): (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => boolean {
  return (stream, headers) => {
    if (!options.always && !carriesConnectionAuth(headers)) return false;
    http2Fallback(stream, options);
    return true;
  };
}
