/**
 * undici's two handler shapes, seen as one: the controller API of undici 7
 * (`onRequestStart` / `onResponseStart` / …, what interceptors receive) and the older callback
 * API (`onConnect` / `onHeaders` / `onData` / `onComplete` / `onError`) that `fetch` — both
 * undici's and the one built into Node — and `undici.request` still hand to `dispatch`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

export type Controller = Dispatcher.DispatchController;

/** Where a ForwardingController sends the caller's abort / pause / resume. */
export interface ControlTarget {
  abort(reason: Error): void;
  pause(): void;
  resume(): void;
}

/**
 * The controller the caller holds while its request moves between legs and connections: it
 * remembers abort / pause state (a leg started later sees it) and forwards each call to
 * whichever leg is running now.
 */
export class ForwardingController implements Dispatcher.DispatchController {
  private _aborted = false;
  private _paused = false;
  private _reason: Error | null = null;
  rawHeaders: Controller['rawHeaders'] = null;
  rawTrailers: Controller['rawTrailers'] = null;

  constructor(private readonly target: ControlTarget) {}

  get aborted(): boolean {
    return this._aborted;
  }
  get paused(): boolean {
    return this._paused;
  }
  get reason(): Error | null {
    return this._reason;
  }
  abort(reason?: Error): void {
    if (this._aborted) return;
    this._aborted = true;
    this._reason = reason ?? new Error('request aborted');
    this.target.abort(this._reason);
  }
  pause(): void {
    this._paused = true;
    this.target.pause();
  }
  resume(): void {
    this._paused = false;
    this.target.resume();
  }
}

/** The controller API with every callback present. */
export interface ResponseSink {
  onRequestStart(controller: Controller, context: object): void;
  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void;
  onResponseData(controller: Controller, chunk: Buffer): void;
  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void;
  onResponseError(controller: Controller, error: Error): void;
}

type RawHeaders = Buffer[];

function rawFrom(controllerRaw: unknown, headers: IncomingHttpHeaders): RawHeaders {
  if (Array.isArray(controllerRaw) && controllerRaw.every((x) => Buffer.isBuffer(x))) return controllerRaw as Buffer[];
  const out: Buffer[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push(Buffer.from(k, 'latin1'), Buffer.from(String(one), 'latin1'));
  }
  return out;
}

/** The older callback API, as fetch and undici.request implement it. */
interface LegacyHandler {
  onConnect?(abort: (err?: Error) => void, context?: object): void;
  onResponseStarted?(): void;
  onHeaders?(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: Buffer[] | null): void;
  onError?(err: Error): void;
}

class LegacySink implements ResponseSink {
  constructor(private readonly handler: LegacyHandler) {}

  onRequestStart(controller: Controller, context: object): void {
    this.handler.onConnect?.((reason?: Error) => controller.abort(reason ?? new Error('request aborted')), context);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.handler.onResponseStarted?.();
    const raw = rawFrom(controller.rawHeaders, headers);
    if (this.handler.onHeaders?.(statusCode, raw, () => controller.resume(), statusMessage ?? '') === false) controller.pause();
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.handler.onData?.(chunk) === false) controller.pause();
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.handler.onComplete?.(rawFrom(controller.rawTrailers, trailers));
  }

  onResponseError(_controller: Controller, error: Error): void {
    if (!this.handler.onError) throw error;
    this.handler.onError(error);
  }
}

class ModernSink implements ResponseSink {
  constructor(private readonly handler: Dispatcher.DispatchHandler) {}
  onRequestStart(controller: Controller, context: object): void {
    this.handler.onRequestStart?.(controller, context);
  }
  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }
  onResponseData(controller: Controller, chunk: Buffer): void {
    this.handler.onResponseData?.(controller, chunk);
  }
  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.handler.onResponseEnd?.(controller, trailers);
  }
  onResponseError(controller: Controller, error: Error): void {
    if (!this.handler.onResponseError) throw error;
    this.handler.onResponseError(controller, error);
  }
}

/** One shape for either kind of handler (undici's own rule: `onRequestStart` marks the new API). */
export function toSink(handler: Dispatcher.DispatchHandler): ResponseSink {
  return typeof handler.onRequestStart === 'function' ? new ModernSink(handler) : new LegacySink(handler as LegacyHandler);
}
