import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.js';
import type { Store } from '../../store/store.js';
import { wakeUpJobId, type WakeUpQueue } from './wake-up-queue.js';

/** How long a wake-up this process added is not added again by a look at what is due. */
const RECENTLY_ADDED_MS = 60_000;
/** Due runs taken per look; the rest are taken by the next look. */
const BATCH = 500;

/**
 * Turns what the store says is due into jobs. `enqueueDue` is the fast path, called whenever
 * something may have become due (a run started, a parent woken, an event delivered): it adds the
 * wake-ups this process has not added lately. `sweep` is the safety net: it asks Redis about
 * every run that has been due for a while and adds what Redis lost (flushed, restarted empty, an
 * add that failed).
 */
export class DueRunEnqueuer {
  private readonly recent = new Map<string, number>();
  /** Wake-ups the sweeper found without a live job and added again: /metrics reports them. */
  reEnqueued = 0;

  constructor(
    private readonly store: Store,
    private readonly queue: WakeUpQueue,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Adds the job of one wake-up now (e.g. a run parked until `dueAt`). */
  async enqueue(runId: string, dueAt: string): Promise<void> {
    await this.queue.add(runId, dueAt);
    this.remember(wakeUpJobId(runId, dueAt));
  }

  /** Adds a job for every run due now that this process has not enqueued lately; returns how many it added. */
  async enqueueDue(): Promise<number> {
    const due = await this.store.dueRuns(this.clock.now().toISOString(), BATCH);
    const fresh = due.filter((run) => !this.isRecent(wakeUpJobId(run.id, run.dueAt)));
    await Promise.all(fresh.map((run) => this.enqueue(run.id, run.dueAt)));
    return fresh.length;
  }

  /**
   * Adds a job for every run due for longer than `graceMs` whose wake-up has no live job in
   * Redis. The grace leaves alone what its maker is enqueueing right now.
   */
  async sweep(graceMs: number): Promise<number> {
    const before = new Date(this.clock.now().getTime() - graceMs).toISOString();
    const due = await this.store.dueRuns(before, BATCH);
    const live = await Promise.all(due.map((run) => this.queue.isLive(run.id, run.dueAt)));
    const lost = due.filter((_, i) => !live[i]);
    await Promise.all(lost.map((run) => this.enqueue(run.id, run.dueAt)));
    if (lost.length > 0) {
      this.reEnqueued += lost.length;
      this.log.warn({ runs: lost.length, first: lost[0]!.id }, 'due runs had no job in Redis (lost or never added): enqueued them again');
    }
    return lost.length;
  }

  private isRecent(jobId: string): boolean {
    const until = this.recent.get(jobId);
    return until !== undefined && until > this.clock.now().getTime();
  }

  private remember(jobId: string): void {
    const now = this.clock.now().getTime();
    if (this.recent.size >= 10_000) {
      for (const [id, until] of this.recent) if (until <= now) this.recent.delete(id);
    }
    this.recent.set(jobId, now + RECENTLY_ADDED_MS);
  }
}
