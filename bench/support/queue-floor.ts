import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { HttpClient } from '../../src/connector-kit/http-client.js';
import { bullmqWorkers } from './bullmq-workers.js';

export interface QueueFloorOptions {
  runs: number;
  workers: number;
  concurrency: number;
  arrivingAtOnce: number;
  redisUrl: string;
  prefix: string;
  databaseUrl: string;
  schema: string;
  /** The no-op vendor the three calls go to. */
  baseUrl: string;
  calls: readonly string[];
  /** False stores nothing: the calls and the queue alone, what no durable run can beat. */
  persist: boolean;
}

/**
 * The least a queue-mode run of N side-effecting calls must pay, written by hand on the same
 * PostgreSQL, Redis and HTTP client as Staffwire, for bench:queue to set between raw BullMQ and
 * Staffwire. A run is committed before its job is added (so Redis losing it loses nothing);
 * a worker makes each call and commits its outcome before the next (so a worker killed after a
 * call does not repeat it), the last outcome in the same statement that finishes the run. No
 * engine, lease, journal or general schema: what it reaches is a ceiling for any durable
 * implementation of this work on this machine.
 */
export async function queueFloor(options: QueueFloorOptions): Promise<number> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, options: `-c search_path=${options.schema}` });
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
  await pool.query(`CREATE TABLE runs (id text PRIMARY KEY, status text NOT NULL, input text NOT NULL, output text);
                    CREATE TABLE steps (run_id text NOT NULL, step text NOT NULL, body text NOT NULL, PRIMARY KEY (run_id, step))`);
  const client = new HttpClient({ baseUrl: options.baseUrl });
  const last = options.calls.length - 1;
  const floor = bullmqWorkers(
    { name: 'floor', redisUrl: options.redisUrl, prefix: options.prefix, workers: options.workers, concurrency: options.concurrency, jobs: options.runs },
    async (job) => {
      const runId = job.id!;
      for (const [i, call] of options.calls.entries()) {
        const response = await client.send({ method: 'POST', url: `/${call}`, json: {}, headers: { 'idempotency-key': `${runId}:${call}` } });
        const body = JSON.stringify({ status: response.status, body: response.body });
        if (!options.persist) continue;
        if (i < last) {
          await pool.query({ name: 'floor_step', text: 'INSERT INTO steps (run_id, step, body) VALUES ($1, $2, $3)', values: [runId, call, body] });
        } else {
          await pool.query({
            name: 'floor_finish',
            text: `WITH step AS (INSERT INTO steps (run_id, step, body) VALUES ($1, $2, $3))
                   UPDATE runs SET status = 'succeeded', output = $3 WHERE id = $1`,
            values: [runId, call, body],
          });
        }
      }
    },
  );
  const started = performance.now();
  try {
    for (let i = 0; i < options.runs; i += options.arrivingAtOnce) {
      await Promise.all(
        Array.from({ length: Math.min(options.arrivingAtOnce, options.runs - i) }, async () => {
          const id = randomUUID();
          if (options.persist) await pool.query({ name: 'floor_run', text: "INSERT INTO runs (id, status, input) VALUES ($1, 'queued', '{}')", values: [id] });
          await floor.queue.add('run', {}, { jobId: id, removeOnComplete: true });
        }),
      );
    }
    await floor.finished;
    return options.runs / ((performance.now() - started) / 1000);
  } finally {
    await floor.close();
    await pool.query(`DROP SCHEMA ${options.schema} CASCADE`);
    await pool.end();
  }
}
