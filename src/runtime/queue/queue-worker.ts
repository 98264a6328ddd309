import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BackgroundTask } from '../../app/create-app.js';
import type { Engine } from '../../engine/engine.js';
import type { RunRecord } from '../../store/records.js';
import type { DueRunEnqueuer } from './due-run-enqueuer.js';
import { RUN_QUEUE, type WakeUpJob } from './wake-up-queue.js';

export interface QueueWorkerOptions {
  engine: Engine;
  enqueuer: DueRunEnqueuer;
  /** A connection that waits for Redis to come back (BullMQ workers block on it). */
  redis: Redis;
  prefix: string;
  concurrency: number;
  stalledIntervalMs: number;
  log: Logger;
}

/**
 * `staffwire worker`: takes wake-ups from the queue and executes their runs. The engine's claim
 * decides who executes a run, so a job delivered twice, or re-delivered by BullMQ's stalled-job
 * recovery while another worker holds the run, does nothing. A run that parks gets a delayed
 * job for its deadline, and what a run made due (a parent its finish woke, a child it started)
 * is enqueued at once.
 */
export class QueueWorker implements BackgroundTask {
  private worker: Worker<WakeUpJob> | undefined;
  /** Jobs this process finished, for the worker's own metrics and logs. */
  processed = 0;

  constructor(private readonly options: QueueWorkerOptions) {}

  async start(): Promise<void> {
    const { redis, prefix, concurrency, stalledIntervalMs, log } = this.options;
    this.worker = new Worker<WakeUpJob>(RUN_QUEUE, (job) => this.process(job), {
      connection: redis,
      prefix,
      concurrency,
      stalledInterval: stalledIntervalMs,
      // A killed worker's jobs count as stalled once their lock lapses: as soon as the next check.
      lockDuration: stalledIntervalMs,
      // The claim makes a re-delivery harmless, so a job may stall a few times before it is given up (the sweeper re-enqueues it then).
      maxStalledCount: 5,
    });
    this.worker.on('error', (err) => log.warn({ err: err.message }, 'queue worker trouble; retrying'));
    await this.worker.waitUntilReady();
  }

  /** Takes no more jobs, waits for the runs under way to finish or park, then disconnects. */
  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  private async process(job: Job<WakeUpJob>): Promise<void> {
    const run = await this.options.engine.executeRun(job.data.runId);
    this.processed++;
    await this.followUp(run);
  }

  private async followUp(run: RunRecord): Promise<void> {
    if (run.status === 'waiting' && run.waitingUntil !== undefined) await this.options.enqueuer.enqueue(run.id, run.waitingUntil);
    if (run.parentRunId !== undefined || run.status === 'waiting') await this.options.enqueuer.enqueueDue();
  }
}
