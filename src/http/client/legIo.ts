/**
 * The undici side of one leg: dispatch it on the pinned connection's Client, ask the driver at
 * the response head what to do with it (legPlanner.ts decides), and then forward the response
 * to the caller, hold a refusal until its body is drained (delivered empty), or drain it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { PinnedConnection } from './connection.js';
import type { Controller, ForwardingController } from './handlers.js';
import type { Delivery, Leg } from './legPlanner.js';

/** What a leg reports to, and delivers through: the request's driver. */
export interface LegOwner {
  /** The controller the caller holds. */
  readonly controller: ForwardingController;
  /** The running leg's controller, while one runs (abort / pause / resume go to it). */
  runningLeg: Controller | undefined;
  /** At the response head: the caller gets it, gets it without a body, or the handshake goes on. Throws to fail the request. */
  onResponseHead(leg: Leg, connection: PinnedConnection, status: number, headers: IncomingHttpHeaders): Delivery;
  deliverStart(status: number, headers: IncomingHttpHeaders, statusMessage: string | undefined, raw: Controller['rawHeaders']): void;
  deliverData(chunk: Buffer): void;
  deliverEnd(trailers: IncomingHttpHeaders, raw: Controller['rawTrailers']): void;
}

/** Sends one leg; resolves `done` when the caller got its response, `continue` when the handshake goes on. */
export function sendLeg(owner: LegOwner, connection: PinnedConnection, leg: Leg, dispatchOptions: Dispatcher.DispatchOptions): Promise<'done' | 'continue'> {
  return new Promise((resolve, reject) => {
    const handler = new LegHandler(owner, connection, leg, resolve, reject);
    try {
      connection.client.dispatch(dispatchOptions, handler);
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

interface HeldResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly message: string | undefined;
  readonly raw: Controller['rawHeaders'];
}

/** Receives one leg's response from the undici Client. */
class LegHandler implements Dispatcher.DispatchHandler {
  private delivery: Delivery | undefined;
  private error: Error | undefined;
  private held: HeldResponse | undefined;

  constructor(
    private readonly owner: LegOwner,
    private readonly connection: PinnedConnection,
    private readonly leg: Leg,
    private readonly resolve: (r: 'done' | 'continue') => void,
    private readonly reject: (e: Error) => void,
  ) {}

  onRequestStart(controller: Controller): void {
    this.owner.runningLeg = controller;
    if (this.owner.controller.aborted) controller.abort(this.owner.controller.reason ?? new Error('request aborted'));
  }

  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (statusCode < 200 || this.delivery !== undefined) return; // 1xx interim responses
    let delivery: Delivery;
    try {
      delivery = this.owner.onResponseHead(this.leg, this.connection, statusCode, headers);
    } catch (e) {
      this.error = e instanceof Error ? e : new Error(String(e));
      controller.abort(this.error);
      return;
    }
    this.delivery = delivery;
    if (delivery === 'forward') {
      if (this.owner.controller.paused) controller.pause();
      this.owner.deliverStart(statusCode, headers, statusMessage, controller.rawHeaders);
    } else if (delivery === 'forward-empty') {
      this.held = { status: statusCode, headers, message: statusMessage, raw: controller.rawHeaders };
    }
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    if (this.delivery === 'forward') this.owner.deliverData(chunk);
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.owner.runningLeg = undefined;
    if (this.delivery === 'forward') {
      this.owner.deliverEnd(trailers, controller.rawTrailers);
      this.resolve('done');
    } else if (this.delivery === 'forward-empty' && this.held) {
      const held = this.held;
      this.owner.deliverStart(held.status, held.headers, held.message, held.raw);
      this.owner.deliverEnd({}, []);
      this.resolve('done');
    } else this.resolve('continue');
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.owner.runningLeg = undefined;
    this.reject(this.error ?? error);
  }
}
