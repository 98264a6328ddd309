import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { RunRecord } from '../store/records.js';
import type { Runtime } from './runtime.js';

/** Runs executing at once in one process unless configured (limits.concurrency). */
export const DEFAULT_CONCURRENCY = 16;

/** Timers further out are re-checked at least this often, so a clock jump cannot strand them. */
const MAX_TIMER_SLEEP_MS = 60_000;

/**
 * In-process execution with a global concurrency limit. Waits are timers in the store: they fire
 * here while the process lives, and after a restart `start()` fires whatever fell due meanwhile.
 */
export class EmbeddedRuntime implements Runtime {
  private readonly limit: LimitFunction;
  private readonly inFlight = new Set<Promise<RunRecord>>();
  private cancelTimer: (() => void) | undefined;
  private armedFor: number | undefined;
  private running = false;

  constructor(
    private readonly engine: Engine,
    private readonly options: { concurrency: number; log: Logger },
  ) {
    this.limit = pLimit(options.concurrency);
  }

  submit(runId: string): Promise<RunRecord> {
    const promise = this.limit(() => this.engine.executeRun(runId));
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  async start(): Promise<void> {
    this.running = true;
    const interrupted = await this.engine.interruptedRuns();
    for (const run of interrupted) {
      this.options.log.info({ runId: run.id, previousOwner: run.owner }, 'resuming interrupted run');
      this.submit(run.id).catch((err: unknown) => this.options.log.error({ err, runId: run.id }, 'resume failed'));
    }
    await this.fireDueTimers();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Engine hook: a run now waits until `run.waitingUntil`. */
  runWaiting(run: RunRecord): void {
    if (!this.running || !run.waitingUntil) return;
    this.arm(new Date(run.waitingUntil).getTime());
  }

  /** Engine hook: a finished sub-flow wakes its parent. */
  runFinished(run: RunRecord): void {
    if (run.parentRunId) {
      this.submit(run.parentRunId).catch((err: unknown) => this.options.log.error({ err, runId: run.parentRunId }, 'waking parent failed'));
    }
  }

  /** Runs in flight, for callers that wait until the process is idle. */
  idle(): Promise<unknown> {
    return Promise.allSettled([...this.inFlight]);
  }

  private arm(at: number): void {
    if (this.armedFor !== undefined && this.armedFor <= at && this.cancelTimer) return;
    this.cancelTimer?.();
    this.armedFor = at;
    const clock = this.engine.clock;
    this.cancelTimer = clock.schedule(() => {
      this.cancelTimer = undefined;
      this.armedFor = undefined;
      void this.fireDueTimers();
    }, Math.min(MAX_TIMER_SLEEP_MS, Math.max(0, at - clock.now().getTime())));
  }

  private async fireDueTimers(): Promise<void> {
    if (!this.running) return;
    const store = this.engine.store;
    for (;;) {
      const due = await store.dueTimers(this.engine.clock.now().toISOString(), 500);
      for (const timer of due) {
        await store.deleteTimer(timer.id);
        this.submit(timer.runId).catch((err: unknown) => this.options.log.error({ err, runId: timer.runId }, 'timer run failed'));
      }
      if (due.length < 500) break;
    }
    const next = await store.nextTimer();
    if (next) this.arm(new Date(next.fireAt).getTime());
  }
}
