import { Queue, type JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../../clock/clock.js';

/** The BullMQ queue every wake-up goes through; its Redis keys start with the configured prefix. */
export const RUN_QUEUE = 'runs';

export interface WakeUpJob {
  runId: string;
}

/** States in which a job will still execute: a run with one of these needs no other. */
const LIVE_STATES = new Set<string>(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * The job of one wake-up of a run: its id and the moment it falls due. The same wake-up added
 * twice (by the process that made it due and by the sweeper) is one job; the next wake-up of the
 * run (parked again, until another moment) is another.
 */
export function wakeUpJobId(runId: string, dueAt: string): string {
  // BullMQ refuses ':' in custom ids; run ids have none, but a hand-made one might.
  return `${runId.replaceAll(':', '_')}.${Date.parse(dueAt)}`;
}

/**
 * Wake-ups in Redis. Only a carrier: every run it names is committed in the store first, and a
 * lost job is found again by the sweeper, so nothing here is the truth about a run.
 */
export class WakeUpQueue {
  readonly queue: Queue<WakeUpJob>;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly clock: Clock,
  ) {
    this.queue = new Queue<WakeUpJob>(RUN_QUEUE, {
      connection: redis,
      prefix,
      // The store keeps the history; Redis keeps only what is still to do.
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
    });
  }

  /** Adds the job of this wake-up, delayed until `dueAt`; adding one that exists changes nothing. */
  async add(runId: string, dueAt: string): Promise<void> {
    const delay = Math.max(0, Date.parse(dueAt) - this.clock.now().getTime());
    await this.queue.add('run', { runId }, { jobId: wakeUpJobId(runId, dueAt), ...(delay > 0 ? { delay } : {}) });
  }

  /** Whether the job of this wake-up is in Redis and will still execute. */
  async isLive(runId: string, dueAt: string): Promise<boolean> {
    return LIVE_STATES.has(await this.queue.getJobState(wakeUpJobId(runId, dueAt)));
  }

  async counts(): Promise<Record<'waiting' | 'active' | 'delayed' | 'failed', number>> {
    const types: JobType[] = ['waiting', 'active', 'delayed', 'failed'];
    const counts = await this.queue.getJobCounts(...types);
    return { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 };
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
