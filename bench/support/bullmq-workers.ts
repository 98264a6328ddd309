import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';

export interface BullmqWorkersOptions {
  name: string;
  redisUrl: string;
  prefix: string;
  workers: number;
  concurrency: number;
  /** Jobs to wait for: `finished` resolves once this many were processed, and rejects if one fails. */
  jobs: number;
}

/**
 * A queue and its workers, each on a connection of its own, for the queue benchmark's
 * hand-written baselines. `close` stops the workers and removes everything the queue left.
 */
export function bullmqWorkers(options: BullmqWorkersOptions, processJob: (job: Job) => Promise<void>) {
  const open = () => new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const connection = open();
  const queue = new Queue(options.name, { connection, prefix: options.prefix });
  let done = 0;
  let finish: () => void = () => {};
  let fail: (err: Error) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const workerConnections = Array.from({ length: options.workers }, open);
  const workers = workerConnections.map((workerConnection) => {
    const worker = new Worker(
      options.name,
      async (job) => {
        await processJob(job);
        if (++done === options.jobs) finish();
      },
      { connection: workerConnection, prefix: options.prefix, concurrency: options.concurrency },
    );
    // A job that fails would never be counted: the benchmark stops with its error instead of waiting forever.
    worker.on('failed', (job, err) => fail(new Error(`${options.name} job ${job?.id ?? '?'} failed: ${err.message}`)));
    return worker;
  });
  return {
    queue,
    finished,
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.close()));
      await queue.obliterate({ force: true });
      await queue.close();
      // BullMQ closes only the connections it made itself.
      for (const redis of [connection, ...workerConnections]) redis.disconnect();
    },
  };
}
