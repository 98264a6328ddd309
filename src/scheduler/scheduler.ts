import type { Logger } from 'pino';
import { PollingTask } from '../app/polling-task.js';
import type { Clock } from '../clock/clock.js';
import type { CompiledFlow } from '../engine/compiled-flow.js';
import type { Engine } from '../engine/engine.js';
import { FlowInvalidError } from '../engine/flow-invalid-error.js';
import type { FlowDefinition } from '../engine/flow-types.js';
import { StaffwireError, StoreUnavailableError } from '../errors/index.js';
import type { RunRecord, ScheduleRecord } from '../store/records.js';
import { BusinessKeyTakenError, RunExistsError, type ScheduleFiring, type Store } from '../store/store.js';
import { ticksToFire } from './cron-ticks.js';
import { CronTriggers, type CronTrigger, type ListedFlowCatalog } from './cron-triggers.js';
import { refusedRun, skippedRun, type Refusal } from './refused-runs.js';
import { cronRunId, scheduleRunId } from './run-ids.js';

/** How often the store and the flow folders are looked at for what other processes and people changed. */
export const DEFAULT_SCHEDULER_POLL_MS = 1000;
/** Due schedules taken from the store at a time: all the process ever holds of them. */
export const DEFAULT_SCHEDULE_BATCH = 100;
/**
 * How late a cron tick may be found and still fire as on time. A live process looks every second;
 * a tick older than this went by while no process ran, and the trigger's `missed` policy decides.
 */
export const DEFAULT_CRON_GRACE_MS = 60_000;

/** The state namespace holding, per (flow, trigger), the ticks handled so far. */
export const CRON_STATE_NAMESPACE = 'cron';

/** What the store keeps per cron trigger, under `<flow id>/<trigger index>`. */
export interface CronState {
  /** Every tick at or before this moment was handled: fired, or skipped as missed. */
  through: string;
  /** The last tick fired, and its run. */
  lastTick?: string;
  lastRunId?: string;
}

export interface SchedulerOptions {
  store: Store;
  engine: Pick<Engine, 'compile' | 'prepareRun'>;
  /** Flows by id (schedules) and all of them (cron triggers); `FlowFiles` is one. */
  flows: ListedFlowCatalog;
  clock: Clock;
  log: Logger;
  /** Default DEFAULT_SCHEDULER_POLL_MS. */
  pollMs?: number;
  /** Default DEFAULT_SCHEDULE_BATCH. */
  batchSize?: number;
  /** Default DEFAULT_CRON_GRACE_MS. */
  cronGraceMs?: number;
  /** Told when runs were created, so the runtime looks at once instead of at its next poll. */
  onWork?: () => void;
}

/**
 * Fires one-off schedules and cron triggers: a background task of `staffwire serve`.
 *
 * **Schedules.** Every pending schedule fires at its moment while a process runs (a timer for the
 * next moment the store knows, and a look every `pollMs` for schedules other processes made or
 * moved), earliest first; a moment already past fires at once. Firing looks the flow up by id in
 * the catalog *as it is at fire time* — the version current then, not the one current when it was
 * scheduled — prepares its run (input checked against the flow, business key computed) under an
 * id derived from (key, generation), and creates it in the same transaction that marks the
 * schedule fired, so a schedule fires once however many processes look. Only a batch of due
 * schedules is held at a time, never all of them.
 *
 * A due schedule that cannot start its flow is never retried forever nor dropped: when its flow is
 * gone from the catalog, is invalid, or refuses the input, it fires into a **failed** run (same
 * derived id, the reason as the run's error: `schedule.flow_not_found`, `schedule.flow_invalid`,
 * or the input's own code such as `flow.invalid_input`), and the schedule points at that run. When
 * the flow admits one unfinished run per business key and another holds it, it fires into a
 * **cancelled** run whose error (`schedule.duplicate`) names the run holding the key
 * (`details.existingRunId`). A store that cannot be used stops the pass; the next one tries again.
 *
 * **Cron triggers.** Every `cron` trigger of every flow in the catalog fires each tick once, with
 * input `{ tick, ...trigger.input }` and a run id derived from (flow id, trigger index, tick): a
 * second process creating the same run is refused by the store, so a tick runs once however many
 * processes fire it. Ticks are computed by croner in the trigger's IANA time zone. The ticks
 * handled so far are kept per (flow, trigger) in the store's state (namespace `cron`), so a
 * restart knows which ticks went by while no process ran: `missed: skip` (the default) fires none
 * of those, `once` fires one run for the latest (see `ticksToFire`). A trigger seen for the first
 * time starts from that moment. The catalog is listed at every look, so an edited or removed flow
 * file changes what fires at the next one. A tick whose run the flow refuses fires into a failed
 * run, as for schedules.
 */
export class Scheduler extends PollingTask {
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly graceMs: number;
  private readonly cronTriggers: CronTriggers;
  private triggers: CronTrigger[] = [];
  /** The next tick of each trigger after what it handled, or null when it never fires again: all the scheduler keeps per trigger. */
  private readonly nextTicks = new WeakMap<CronTrigger, number | null>();
  /** Flows schedules fire, compiled once per version (the catalog hands back the same definition while its file is unchanged). */
  private readonly compiledFlows = new WeakMap<FlowDefinition, CompiledFlow>();

  constructor(private readonly options: SchedulerOptions) {
    super({ clock: options.clock, log: options.log, failure: 'could not fire due schedules and cron ticks' });
    this.pollMs = options.pollMs ?? DEFAULT_SCHEDULER_POLL_MS;
    this.batchSize = options.batchSize ?? DEFAULT_SCHEDULE_BATCH;
    this.graceMs = options.cronGraceMs ?? DEFAULT_CRON_GRACE_MS;
    this.cronTriggers = new CronTriggers(options.flows, options.engine, options.log);
  }

  protected async pass(): Promise<void> {
    await this.fireDueSchedules();
    await this.fireCronTicks();
  }

  private async fireDueSchedules(): Promise<void> {
    const { store, clock } = this.options;
    for (;;) {
      const batch = await store.dueSchedules(clock.now().toISOString(), this.batchSize);
      if (!this.running) return;
      // Looked up once per batch: a catalog look-up per schedule would cost more than firing it.
      const flows = new Map<string, Promise<CompiledFlow | Refusal>>();
      const firings: PreparedFiring[] = [];
      for (const schedule of batch) firings.push(await this.prepareFiring(schedule, flows));
      if ((await this.fire(firings)) > 0) this.options.onWork?.();
      if (batch.length < this.batchSize) return;
    }
  }

  /** The run a due schedule fires into: its flow's run, or a failed run saying why there is none. */
  private async prepareFiring(schedule: ScheduleRecord, flows: Map<string, Promise<CompiledFlow | Refusal>>): Promise<PreparedFiring> {
    const { engine } = this.options;
    const { key, generation, flowId } = schedule;
    const runId = scheduleRunId(key, generation);
    let resolved = flows.get(flowId);
    if (!resolved) flows.set(flowId, (resolved = this.flowOf(flowId)));
    const flow = await resolved;
    let refusal: Refusal;
    if (isCompiled(flow)) {
      try {
        return { schedule, key, generation, run: await engine.prepareRun(flow, schedule.input, { runId, actor: 'schedule' }) };
      } catch (err) {
        refusal = refusalOf(err, flowId);
      }
    } else {
      refusal = flow;
    }
    const run = await refusedRun(engine, { flowId, input: schedule.input, runId, actor: 'schedule' }, {
      code: refusal.code,
      message: `schedule ${key} (generation ${generation}, due ${schedule.fireAt}) could not start flow ${flowId}: ${refusal.message}`,
    });
    return { schedule, key, generation, run, refusal };
  }

  /**
   * Fires a batch in one write; firings refused for a business key another run holds fire again
   * as skipped runs, in a second. Returns how many runs this process created that will execute.
   */
  private async fire(firings: PreparedFiring[]): Promise<number> {
    const { store, log } = this.options;
    const outcomes = await store.fireSchedules(firings);
    const skipped: PreparedFiring[] = [];
    let created = 0;
    for (const [i, outcome] of outcomes.entries()) {
      const { schedule, run, refusal } = firings[i]!;
      const fields = { key: schedule.key, generation: schedule.generation, flowId: schedule.flowId, runId: run.id };
      if (outcome.fired) {
        created++;
        if (refusal) log.warn({ ...fields, code: refusal.code }, 'schedule could not start its flow; recorded as a failed run');
        else log.info({ ...fields, fireAt: schedule.fireAt, lateMs: Date.parse(run.createdAt) - Date.parse(schedule.fireAt) }, 'schedule fired');
      } else if (outcome.taken) {
        skipped.push({ ...firings[i]!, run: skippedRun(run, outcome.taken) });
        log.info({ ...fields, existingRunId: outcome.taken.runId }, 'schedule skipped: another run of its flow holds the business key');
      }
    }
    if (skipped.length > 0) await store.fireSchedules(skipped);
    return created;
  }

  /** The flow as the catalog has it now, compiled, or why it cannot be started. */
  private async flowOf(flowId: string): Promise<CompiledFlow | Refusal> {
    try {
      const definition = await this.options.flows.get(flowId);
      if (!definition) return { code: 'schedule.flow_not_found', message: `no flow with id "${flowId}" in the flow folders any more` };
      let compiled = this.compiledFlows.get(definition);
      if (!compiled) this.compiledFlows.set(definition, (compiled = this.options.engine.compile(definition, flowId)));
      return compiled;
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      return refusalOf(err, flowId);
    }
  }

  private async fireCronTicks(): Promise<void> {
    this.triggers = await this.cronTriggers.current();
    let created = 0;
    for (const trigger of this.triggers) {
      if (!this.running) break;
      try {
        created += await this.fireTrigger(trigger);
      } catch (err) {
        // One trigger's trouble must not keep the others from firing; its ticks stay unhandled.
        if (err instanceof StoreUnavailableError) throw err;
        this.nextTicks.set(trigger, this.options.clock.now().getTime() + this.pollMs);
        this.options.log.warn({ flowId: trigger.flow.definition.id, triggerIndex: trigger.triggerIndex, err: (err as Error).message }, 'could not fire a cron trigger; trying again');
      }
    }
    if (created > 0) this.options.onWork?.();
  }

  /**
   * Fires the ticks of one trigger that are due and not yet handled; returns how many runs this
   * process created. The store is read only once the trigger's next tick has come, and written
   * only when ticks were fired or skipped.
   */
  private async fireTrigger(entry: CronTrigger): Promise<number> {
    const { store, clock, log } = this.options;
    const now = clock.now();
    const known = this.nextTicks.get(entry);
    if (known !== undefined && (known === null || known > now.getTime())) return 0;
    const flowId = entry.flow.definition.id;
    const state = (await store.getState(CRON_STATE_NAMESPACE, entry.stateKey)) as CronState | undefined;
    if (!state || typeof state.through !== 'string') {
      // First seen now: ticks before this moment were never this trigger's.
      await store.setState(CRON_STATE_NAMESPACE, entry.stateKey, { through: now.toISOString() } satisfies CronState);
      this.nextTicks.set(entry, entry.schedule.next(now)?.getTime() ?? null);
      return 0;
    }
    const decision = ticksToFire(entry.schedule, new Date(state.through), now, this.graceMs, entry.trigger.missed);
    if (decision.latestMissed && entry.trigger.missed === 'skip') {
      log.info({ flowId, triggerIndex: entry.triggerIndex, latestMissed: decision.latestMissed.toISOString() }, 'cron ticks missed while no process ran were skipped (missed: skip)');
    }
    let created = 0;
    let last: { tick: string; runId: string } | undefined;
    for (const at of decision.fire) {
      const tick = at.toISOString();
      const runId = cronRunId(flowId, entry.triggerIndex, tick);
      if (await this.fireTick(entry, tick, runId)) created++;
      last = { tick, runId };
    }
    if (last || decision.latestMissed) {
      const through = decision.handledThrough.toISOString();
      const next: CronState = {
        through: through > state.through ? through : state.through,
        ...(last ? { lastTick: last.tick, lastRunId: last.runId } : state.lastTick ? { lastTick: state.lastTick, lastRunId: state.lastRunId } : {}),
      };
      await store.setState(CRON_STATE_NAMESPACE, entry.stateKey, next);
    }
    this.nextTicks.set(entry, entry.schedule.next(decision.handledThrough)?.getTime() ?? null);
    return created;
  }

  /** Creates the run of one tick; false when another process created it first or it was skipped. */
  private async fireTick(entry: CronTrigger, tick: string, runId: string): Promise<boolean> {
    const { store, engine, log } = this.options;
    const flowId = entry.flow.definition.id;
    const fields = { flowId, triggerIndex: entry.triggerIndex, tick, runId };
    const input = { tick, ...(isObject(entry.trigger.input) ? entry.trigger.input : {}) };
    try {
      let run: RunRecord;
      try {
        run = await engine.prepareRun(entry.flow, input, { runId, actor: 'cron' });
      } catch (err) {
        const refusal = refusalOf(err, flowId);
        run = await refusedRun(engine, { flowId, input, runId, actor: 'cron' }, {
          code: refusal.code,
          message: `cron tick ${tick} of trigger ${entry.triggerIndex} could not start flow ${flowId}: ${refusal.message}`,
        });
        await store.createRun(run);
        log.warn({ ...fields, code: refusal.code }, 'cron tick could not start its flow; recorded as a failed run');
        return true;
      }
      await store.createRun(run);
      log.info(fields, 'cron tick fired');
      return true;
    } catch (err) {
      if (err instanceof RunExistsError) return false;
      if (err instanceof BusinessKeyTakenError) {
        log.info({ ...fields, existingRunId: err.runId }, 'cron tick skipped: another run of its flow holds the business key');
        return false;
      }
      throw err;
    }
  }

  /**
   * The next look: at the next schedule or tick this process knows of, or after `pollMs` at the
   * latest. A pass that failed waits the full `pollMs`, so a broken store is not hammered.
   */
  protected async nextDelayMs(failed: boolean): Promise<number> {
    if (failed) return this.pollMs;
    const { store, clock } = this.options;
    try {
      const now = clock.now();
      const moments: number[] = [];
      const nextSchedule = await store.nextScheduleAt();
      if (nextSchedule !== undefined) moments.push(Date.parse(nextSchedule));
      for (const trigger of this.triggers) {
        const tick = this.nextTicks.get(trigger);
        if (typeof tick === 'number') moments.push(tick);
      }
      return moments.length > 0 ? Math.min(this.pollMs, Math.max(0, Math.min(...moments) - now.getTime())) : this.pollMs;
    } catch {
      // The next pass reports store trouble; it comes after pollMs.
      return this.pollMs;
    }
  }
}

/** A due schedule with the run it fires into, and why that run is a failed one when it is. */
interface PreparedFiring extends ScheduleFiring {
  schedule: ScheduleRecord;
  refusal?: Refusal;
}

function isCompiled(flow: CompiledFlow | Refusal): flow is CompiledFlow {
  return 'definition' in flow;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Why a flow could not be started, as a refusal; a store that cannot be used is not one (thrown on). */
function refusalOf(err: unknown, flowId: string): Refusal {
  if (err instanceof StoreUnavailableError) throw err;
  if (err instanceof FlowInvalidError) return { code: 'schedule.flow_invalid', message: `flow ${flowId} in the flow folders is invalid (staffwire validate says where)` };
  if (err instanceof StaffwireError) return { code: err.code, message: err.message };
  return { code: 'schedule.unexpected', message: (err as Error)?.message ?? String(err) };
}
