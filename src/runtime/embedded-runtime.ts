import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import { PollingTask } from '../app/polling-task.js';
import type { Engine } from '../engine/engine.js';
import type { RunRecord } from '../store/records.js';
import type { Runtime } from './runtime.js';

/** Runs executing at once in one process unless configured (limits.concurrency). */
export const DEFAULT_CONCURRENCY = 16;
/** How often the store is looked at for work other processes left or made due. */
export const DEFAULT_POLL_MS = 1000;
/** A due moment closer than this is not worth a timer of its own before the next look. */
const MIN_TIMER_MS = 20;

export interface EmbeddedRuntimeOptions {
  concurrency: number;
  log: Logger;
  /** Default DEFAULT_POLL_MS. */
  pollMs?: number;
}

/**
 * In-process execution with a concurrency limit that keeps watching the store: whatever falls
 * due — a run queued by another process, a wait that ended, a lease that lapsed, a parent its
 * child woke — is picked up within `pollMs`, and at its moment when this process knows it. Work
 * is found only through the store's due index, so any process can wake a run any other parked.
 */
export class EmbeddedRuntime extends PollingTask implements Runtime {
  private readonly limit: LimitFunction;
  private readonly inFlight = new Map<string, Promise<RunRecord>>();
  private readonly pollMs: number;
  /** The last look found more due work than it had room for: a freed slot should look again. */
  private leftWorkBehind = false;
  private abandonedCheckedAt = -Infinity;

  constructor(
    private readonly engine: Engine,
    private readonly options: EmbeddedRuntimeOptions,
  ) {
    super({ clock: engine.clock, log: options.log, failure: 'could not look for due runs' });
    this.limit = pLimit(options.concurrency);
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  /** Executes a run now or when a slot frees; resolves with its state afterwards. */
  submit(runId: string): Promise<RunRecord> {
    const current = this.inFlight.get(runId);
    if (current) return current;
    const promise = this.limit(() => this.engine.executeRun(runId));
    this.inFlight.set(runId, promise);
    void promise
      .then((run) => {
        // What this run did may have made another due (a parent woken, a child started), and a
        // freed slot may take work a full look left in the store; a run that simply finished
        // made nothing due, and looking after each one would cost a store query per run.
        if (run.parentRunId !== undefined || run.status === 'waiting' || this.leftWorkBehind) this.lookSoon();
      })
      .catch(() => this.lookSoon())
      .finally(() => this.inFlight.delete(runId));
    return promise;
  }

  override async stop(): Promise<void> {
    await super.stop();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Runs in flight, for callers that wait until the process is idle. */
  idle(): Promise<unknown> {
    return Promise.allSettled([...this.inFlight.values()]);
  }

  private lookSoon(): void {
    if (this.running) setImmediate(() => void this.poll());
  }

  /** Picks up the runs due in the store, as many as there is room for. */
  protected async pass(): Promise<void> {
    // Fetch only what there is room for: the rest stays due in the store, not queued in memory.
    const room = this.options.concurrency * 2 - this.inFlight.size;
    // Runs of processes that died on this host are looked for once per pollMs, not on every wake-up.
    const now = this.engine.clock.now().getTime();
    const abandoned = now - this.abandonedCheckedAt >= this.pollMs;
    if (abandoned) this.abandonedCheckedAt = now;
    const found = room > 0 ? await this.engine.interruptedRuns(room, { abandoned }) : [];
    this.leftWorkBehind = room <= 0 || found.length >= room;
    for (const runId of found) {
      if (this.inFlight.has(runId)) continue;
      this.submit(runId).catch((err: unknown) => this.options.log.error({ err, runId }, 'run failed to execute'));
    }
  }

  /** The next look: at the next moment this process knows of, or after `pollMs` at the latest. */
  protected async nextDelayMs(failed: boolean): Promise<number> {
    if (failed) return this.pollMs;
    try {
      const next = await this.engine.store.nextDueAt();
      const untilNext = next === undefined ? Infinity : new Date(next).getTime() - this.engine.clock.now().getTime();
      return untilNext >= MIN_TIMER_MS && untilNext < this.pollMs ? untilNext : this.pollMs;
    } catch {
      // The look itself reports store trouble; the next one comes after pollMs.
      return this.pollMs;
    }
  }
}
