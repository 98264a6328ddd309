import { randomUUID } from 'node:crypto';
import { refuseNonLoopback, sendDelivery, type DeliveryResult } from './event-emission.js';
import type { SandboxDelivery } from './sandbox-context.js';

/** One event a fake emitted, as `GET /_sandbox/emission` lists it. */
export interface EmittedEvent {
  connector: string;
  type: string;
  /** The vendor's event id (Lark: header.event_id), so a test can match it to what the target received. */
  id: string;
  payload: Record<string, unknown>;
  /** Sandbox clock, ms. */
  at: number;
  /** not_sent: no target was set when it happened; pending: queued or on its way. */
  outcome: 'not_sent' | 'pending' | 'delivered' | 'failed';
  target?: string;
  /** The target's HTTP status, once it answered. */
  status?: number;
  error?: string;
}

export type DeliveryBuilder = (connector: string, event: { type: string; payload: Record<string, unknown>; id: string }) => SandboxDelivery;

/** The log keeps the most recent events only: a benchmark can emit many thousands. */
const LOG_LIMIT = 1000;

/**
 * The events fakes push on their own, after the changes they make: sent one after another in the
 * order they happened (Lark does not promise order, but a sandbox that reorders would make flows'
 * tests flaky for no lesson), each failure recorded rather than retried.
 */
export class SandboxEmission {
  private targetUrl: string | undefined;
  private readonly events: EmittedEvent[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly build: DeliveryBuilder,
    private readonly now: () => number,
    private readonly send: (target: string, delivery: SandboxDelivery) => Promise<DeliveryResult> = sendDelivery,
  ) {}

  get target(): string | undefined {
    return this.targetUrl;
  }

  /** Sets (or, with undefined, clears) where events go; answers why a target is refused. */
  async setTarget(target: string | undefined): Promise<string | undefined> {
    if (target !== undefined) {
      const refusal = await refuseNonLoopback(target);
      if (refusal) return refusal;
    }
    this.targetUrl = target;
    return undefined;
  }

  /** Builds the delivery now (a payload the vendor could not send fails the fake's call, loudly) and queues it. */
  emit(connector: string, event: { type: string; payload: Record<string, unknown> }): EmittedEvent {
    const id = randomUUID().replaceAll('-', '');
    const delivery = this.build(connector, { ...event, id });
    const target = this.targetUrl;
    const record: EmittedEvent = { connector, type: event.type, id, payload: event.payload, at: this.now(), outcome: target === undefined ? 'not_sent' : 'pending' };
    if (target !== undefined) record.target = target;
    this.events.push(record);
    if (this.events.length > LOG_LIMIT) this.events.splice(0, this.events.length - LOG_LIMIT);
    if (target !== undefined) {
      this.queue = this.queue.then(async () => {
        try {
          const answer = await this.send(target, delivery);
          record.status = answer.status;
          record.outcome = answer.status >= 200 && answer.status < 300 ? 'delivered' : 'failed';
        } catch (err) {
          record.outcome = 'failed';
          record.error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        }
      });
    }
    return record;
  }

  /** Every event still in the log, oldest first. */
  log(): readonly EmittedEvent[] {
    return this.events;
  }

  /** Resolves once every event queued so far has been answered or has failed. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** What a reset forgets: the log. The target is where the sandbox points, like its port, and stays. */
  clear(): void {
    this.events.length = 0;
  }
}
