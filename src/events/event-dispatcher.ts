import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { PollingTask } from '../app/polling-task.js';
import type { Clock } from '../clock/clock.js';
import type { CompiledFlow } from '../engine/compiled-flow.js';
import type { Engine } from '../engine/engine.js';
import type { FlowFiles } from '../engine/flow-files.js';
import type { FlowDefinition } from '../engine/flow-types.js';
import { isTruthy } from '../engine/steps/switch-step.js';
import { StaffwireError } from '../errors/index.js';
import type { DeliveryRecord, DispatchResult, EventRecord } from '../store/records.js';
import { BusinessKeyTakenError, RunExistsError, type Store } from '../store/store.js';

export interface EventDispatcherOptions {
  store: Store;
  engine: Engine;
  flows: FlowFiles;
  clock: Clock;
  log: Logger;
  /** Told when runs were started or woken, so the runtime looks at once. */
  onWork?: () => void;
  /** How often the outbox is looked at for deliveries another process persisted. Default 1000. */
  pollMs?: number;
}

/** Deliveries to `POST /hooks/<flow id>` are recorded under `hook:<flow id>`. */
export const HOOK_PREFIX = 'hook:';

/** How stale the index of which events trigger flows may get: a flow file added starts receiving within this. */
const TRIGGER_INDEX_MAX_AGE_MS = 1000;

/** Deliveries taken from the outbox at a time. */
const BATCH = 100;

/**
 * Dispatches persisted deliveries (the outbox) after the intake has answered: starts a run of
 * every flow whose event trigger the event matches (runs listening for it were woken when it was
 * recorded). A run
 * started for (event, flow, trigger) has an id derived from them, so dispatching a delivery again
 * (after a crash between starting its runs and marking it dispatched) starts nothing twice.
 */
export class EventDispatcher extends PollingTask {
  /** By definition: the flow files hand out the same object until the file changes. */
  private readonly compiled = new WeakMap<FlowDefinition, CompiledFlow | undefined>();
  private index: { at: number; byEvent: Map<string, FlowDefinition[]> } | undefined;

  constructor(private readonly options: EventDispatcherOptions) {
    super({ clock: options.clock, log: options.log, failure: 'could not dispatch webhook deliveries' });
  }

  protected pass(): Promise<void> {
    return this.drain();
  }

  protected async nextDelayMs(): Promise<number> {
    return this.options.pollMs ?? 1000;
  }

  /**
   * Whether any flow starts from events of this source and type: only such deliveries wait in the
   * outbox. Read from the flow folders at most once a second.
   */
  hasTriggersFor(source: string, type: string): boolean {
    return this.triggerIndex(TRIGGER_INDEX_MAX_AGE_MS).has(eventKey(source, type));
  }

  /** The runs one delivery starts, by the flows as they are now. */
  dispatch(delivery: DeliveryRecord): Promise<DispatchResult[]> {
    return this.dispatchBy(delivery, this.triggerIndex(0));
  }

  private async dispatchBy(delivery: DeliveryRecord, byEvent: Map<string, FlowDefinition[]>): Promise<DispatchResult[]> {
    const event = delivery.event;
    if (!event) return [];
    const results: DispatchResult[] = [];
    for (const { flow, triggerIndex, when } of this.triggersFor(byEvent.get(eventKey(delivery.source, event.type)) ?? [], delivery.source, event.type)) {
      results.push(await this.startFor(delivery, event, flow, triggerIndex, when));
    }
    const hooked = delivery.source.startsWith(HOOK_PREFIX) ? await this.hookedFlow(delivery.source.slice(HOOK_PREFIX.length)) : undefined;
    // A hook's run is written with its delivery; one that an earlier release left in the outbox gets it here.
    if (hooked) results.push(await this.startFor(delivery, event, hooked.flow, hooked.triggerIndex, undefined, event.payload));
    // Listening runs were woken when the delivery was recorded.
    return results;
  }

  private async drain(): Promise<void> {
    const { store, clock } = this.options;
    for (;;) {
      const batch = await store.undispatchedDeliveries(BATCH);
      // The flow folders are read once a batch, not once a delivery.
      const byEvent = batch.length > 0 ? this.triggerIndex(0) : new Map<string, FlowDefinition[]>();
      for (const delivery of batch) {
        if (!this.running) return;
        const results = await this.dispatchBy(delivery, byEvent);
        await store.markDispatched(delivery.id, clock.now().toISOString(), results);
        if (results.length > 0) this.options.onWork?.();
        // The store answers synchronously: without a turn of the event loop between deliveries, a
        // batch would hold back the intake's answers until all of it is dispatched.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (batch.length < BATCH) return;
    }
  }

  /**
   * The flow definitions with an event trigger, by `eventKey(connection, event)`, read from the
   * flow folders unless read less than `maxAgeMs` ago.
   */
  private triggerIndex(maxAgeMs: number): Map<string, FlowDefinition[]> {
    const now = Date.now();
    if (!this.index || now - this.index.at > maxAgeMs) {
      const byEvent = new Map<string, FlowDefinition[]>();
      for (const { definition } of this.options.flows.list()) {
        const keys = new Set((definition.triggers ?? []).flatMap((t) => (t.kind === 'event' ? [eventKey(t.connection, t.event)] : [])));
        for (const key of keys) byEvent.set(key, [...(byEvent.get(key) ?? []), definition]);
      }
      this.index = { at: now, byEvent };
    }
    return this.index.byEvent;
  }

  private async hookedFlow(flowId: string): Promise<{ flow: CompiledFlow; triggerIndex: number } | undefined> {
    const definition = await this.options.flows.get(flowId);
    const flow = definition ? this.compile(definition) : undefined;
    const triggerIndex = flow?.triggers.findIndex((t) => t.kind === 'hook') ?? -1;
    return flow && triggerIndex >= 0 ? { flow, triggerIndex } : undefined;
  }

  private async startFor(
    delivery: DeliveryRecord,
    event: EventRecord,
    flow: CompiledFlow,
    triggerIndex: number,
    when: (CompiledFlow['triggers'][number] & { kind: 'event' }) | undefined,
    input: unknown = event,
  ): Promise<DispatchResult> {
    const flowId = flow.definition.id;
    const { engine, log } = this.options;
    try {
      if (when?.when) {
        const holds = isTruthy(await when.when.evaluate({ input: event, steps: {}, run: { id: '', flowId, flowVersion: flow.definition.version, startedAt: '' } }));
        if (!holds) return { flowId, started: false, reason: 'the trigger’s condition does not hold for this event' };
      }
      const runId = eventRunId(delivery.source, event.id, flowId, triggerIndex);
      await engine.startRun(flow, input, { runId, actor: `event:${event.id}` });
      return { flowId, runId, started: true };
    } catch (err) {
      const runId = eventRunId(delivery.source, event.id, flowId, triggerIndex);
      if (err instanceof RunExistsError) return { flowId, runId, started: true };
      if (err instanceof BusinessKeyTakenError) {
        return { flowId, runId: err.runId, started: false, reason: `run ${err.runId} is still under way for business key ${err.businessKey}` };
      }
      if (err instanceof StaffwireError) {
        log.warn({ flowId, deliveryId: delivery.id, code: err.code }, 'event started no run');
        return { flowId, started: false, reason: `${err.code}: ${err.message}` };
      }
      throw err;
    }
  }

  /** The event triggers for (source, type) of these flows, compiled once per flow version. */
  private triggersFor(definitions: FlowDefinition[], source: string, type: string) {
    const found: { flow: CompiledFlow; triggerIndex: number; when: CompiledFlow['triggers'][number] & { kind: 'event' } }[] = [];
    for (const definition of definitions) {
      const flow = this.compile(definition);
      if (!flow) continue;
      flow.triggers.forEach((trigger, triggerIndex) => {
        if (trigger.kind === 'event' && trigger.connection === source && trigger.event === type) found.push({ flow, triggerIndex, when: trigger });
      });
    }
    return found;
  }

  private compile(definition: FlowDefinition): CompiledFlow | undefined {
    if (this.compiled.has(definition)) return this.compiled.get(definition);
    let flow: CompiledFlow | undefined;
    try {
      flow = this.options.engine.compile(definition);
    } catch (err) {
      // An invalid flow file triggers nothing; `staffwire validate` says why.
      this.options.log.warn({ flowId: definition.id, err: (err as Error).message }, 'flow with event triggers is invalid; skipped');
    }
    this.compiled.set(definition, flow);
    return flow;
  }
}

function eventKey(source: string, type: string): string {
  return `${source}\u0000${type}`;
}

/** The run an event starts for one trigger of one flow: the same however often it is dispatched. */
export function eventRunId(source: string, eventId: string, flowId: string, triggerIndex: number): string {
  const digest = createHash('sha256').update(`${source}\u0000${eventId}\u0000${flowId}\u0000${triggerIndex}`).digest('hex');
  return `run_evt_${digest.slice(0, 24)}`;
}
