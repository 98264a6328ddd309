import type { Logger } from 'pino';
import { PollingTask } from '../../app/polling-task.js';
import type { Clock } from '../../clock/clock.js';
import { InputError } from '../../errors/index.js';
import type { RunRecord } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { Runtime } from '../runtime.js';
import type { DueRunEnqueuer } from './due-run-enqueuer.js';

/** Statuses a run waits in for a worker; `submit` resolves once the run has left them. */
const UNDER_WAY = new Set<RunRecord['status']>(['queued', 'running']);
/** How often `submit` looks at a run it waits for. */
const SUBMIT_POLL_MS = 25;

export interface QueueRuntimeOptions {
  store: Store;
  enqueuer: DueRunEnqueuer;
  clock: Clock;
  log: Logger;
  /** How often the store is looked at for due runs (the fast path, between pokes). */
  pollMs: number;
  /** How often due runs are checked against Redis for a live job (the sweeper). */
  sweepMs: number;
}

/**
 * The runtime of `staffwire serve` in queue mode: it executes nothing itself. Whatever falls
 * due is enqueued for the workers — at once when a caller pokes it (`poll`), else at the next
 * look — and every `sweepMs` the sweeper re-enqueues runs that have been due a while without a
 * live job, so a run accepted with a 200 is never lost to Redis.
 */
export class QueueRuntime extends PollingTask implements Runtime {
  private sweptAt = -Infinity;

  constructor(private readonly options: QueueRuntimeOptions) {
    super({ clock: options.clock, log: options.log, failure: 'could not enqueue due runs' });
  }

  /** Enqueues the run and resolves with its state once a worker finished it or parked it. */
  async submit(runId: string): Promise<RunRecord> {
    await this.poll();
    for (;;) {
      const run = await this.options.store.getRun(runId);
      if (!run) throw new InputError(`no run with id ${runId}`, 'run.not_found');
      if (!UNDER_WAY.has(run.status)) return run;
      await this.options.clock.sleep(SUBMIT_POLL_MS);
    }
  }

  /** Nothing executes in this process. */
  idle(): Promise<unknown> {
    return Promise.resolve();
  }

  protected async pass(): Promise<void> {
    await this.options.enqueuer.enqueueDue();
    const now = this.options.clock.now().getTime();
    if (now - this.sweptAt >= this.options.sweepMs) {
      this.sweptAt = now;
      // Due for longer than a sweep interval: whoever made it due has had time to enqueue it.
      await this.options.enqueuer.sweep(this.options.sweepMs);
    }
  }

  protected async nextDelayMs(): Promise<number> {
    return Math.min(this.options.pollMs, this.options.sweepMs);
  }
}
