import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp } from '../../../src/app/create-app.js';
import { loadConfig } from '../../../src/config/config.js';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlowDefinition } from '../../../src/engine/flow-types.js';
import { QueueRuntime } from '../../../src/runtime/queue/queue-runtime.js';
import { TEST_REDIS_URL } from '../../support/redis-prefix.js';
import { waitFor } from '../../support/wait-for.js';
import { QueueWorld } from './queue-world.js';

const THREE_CALLS: FlowDefinition = {
  id: 'three-calls',
  version: '1',
  steps: [
    { id: 'one', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/one' } },
    { id: 'two', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/two' } },
    { id: 'three', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/three' } },
  ],
};

const PAUSED: FlowDefinition = {
  id: 'paused',
  version: '1',
  steps: [
    { id: 'pause', kind: 'wait', for: '300ms' },
    { id: 'after', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/after' } },
  ],
};

describe('queue mode', () => {
  let world: QueueWorld;

  beforeEach(async () => {
    world = new QueueWorld();
    await world.start([THREE_CALLS, PAUSED]);
  });
  afterEach(async () => {
    await world.close();
  });

  it('serve enqueues and executes nothing; a worker executes the run', async () => {
    const serve = await world.boot('serve');
    expect(serve.runtime).toBeInstanceOf(QueueRuntime);
    const flow = serve.engine.compile(THREE_CALLS);
    const run = await serve.engine.startRun(flow, {});
    await serve.runtime.poll();
    expect(await serve.queue!.wakeUps.counts()).toMatchObject({ waiting: 1 });
    expect((await serve.store.getRun(run.id))?.status).toBe('queued');

    const worker = await world.boot('worker');
    const done = await serve.runtime.submit(run.id);
    expect(done.status).toBe('succeeded');
    const journal = await serve.store.listJournal(run.id);
    expect(journal.find((e) => e.type === 'run.woken' || e.type === 'step.started')).toBeDefined();
    expect(world.server.calls('/one')).toHaveLength(1);
    expect(world.server.calls('/three')).toHaveLength(1);
    expect(worker.queue!.worker!.processed).toBe(1);
  });

  it('a parked run wakes at its moment through a delayed job, on a worker', async () => {
    const serve = await world.boot('serve');
    await world.boot('worker');
    const run = await serve.engine.startRun(serve.engine.compile(PAUSED), {});
    const done = await serve.runtime.submit(run.id);
    // submit resolves once the run left the worker: parked first, then woken by its delayed job.
    expect(['waiting', 'succeeded'], JSON.stringify(done.error)).toContain(done.status);
    await waitFor(async () => (await serve.store.getRun(run.id))?.status === 'succeeded', 'the paused run to succeed');
    expect(world.server.calls('/after')).toHaveLength(1);
  });

  it('the sweeper enqueues again a due run whose job Redis lost', async () => {
    const serve = await world.boot('serve');
    const run = await serve.engine.startRun(serve.engine.compile(THREE_CALLS), {});
    await serve.runtime.poll();
    // Redis restarted empty, as far as this queue is concerned.
    await serve.queue!.wakeUps.queue.obliterate({ force: true });
    expect(await serve.queue!.wakeUps.counts()).toMatchObject({ waiting: 0 });
    await world.boot('worker');
    await waitFor(async () => (await serve.store.getRun(run.id))?.status === 'succeeded', 'the lost run to be swept up and succeed');
    expect(serve.queue!.enqueuer.reEnqueued).toBeGreaterThanOrEqual(1);
    expect(world.server.calls('/one')).toHaveLength(1);
  });

  it('a job delivered twice executes the run once: the claim decides', async () => {
    const serve = await world.boot('serve');
    const runs = await Promise.all(Array.from({ length: 20 }, () => serve.engine.startRun(serve.engine.compile(THREE_CALLS), {})));
    // Both an old and a new wake-up of every run, as after a re-delivery.
    for (const run of runs) {
      await serve.queue!.wakeUps.add(run.id, run.createdAt);
      await serve.queue!.wakeUps.add(run.id, new Date(Date.parse(run.createdAt) - 1000).toISOString());
    }
    await world.boot('worker', 8);
    await world.boot('worker', 8);
    for (const run of runs) await waitFor(async () => (await serve.store.getRun(run.id))?.status === 'succeeded', `run ${run.id} to succeed`);
    await waitFor(async () => (await serve.queue!.wakeUps.counts()).waiting + (await serve.queue!.wakeUps.counts()).active === 0, 'the queue to drain');
    expect(world.server.calls('/two')).toHaveLength(20);
    expect(new Set(world.server.calls('/two').map((c) => c.idempotencyKey)).size).toBe(20);
  });

  it('a worker stopping lets its runs finish and takes no more jobs', async () => {
    const serve = await world.boot('serve');
    const worker = await world.boot('worker');
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    world.server.onCall((call, respond) => (call.path === '/two' ? void held.then(() => respond()) : respond()));
    const run = await serve.engine.startRun(serve.engine.compile(THREE_CALLS), {});
    await serve.runtime.poll();
    await waitFor(() => world.server.calls('/two').length === 1, 'the run to reach its second call');
    const stopping = world.stop(worker);
    release();
    await stopping;
    expect((await serve.store.getRun(run.id))?.status).toBe('succeeded');
    const later = await serve.engine.startRun(serve.engine.compile(THREE_CALLS), {});
    await serve.runtime.poll();
    expect((await serve.store.getRun(later.id))?.status).toBe('queued');
  });

  it('readiness: Redis answers', async () => {
    const serve = await world.boot('serve');
    await expect(serve.queue!.ping()).resolves.toBeUndefined();
    const redis = new Redis(TEST_REDIS_URL);
    expect(await redis.keys(`${world.prefix}:runs:*`)).toEqual(expect.any(Array));
    redis.disconnect();
  });
});

describe('queue mode without a shared store', () => {
  it('refuses to start, saying which store it needs and how to set it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'staffwire-queue-sqlite-'));
    try {
      const file = join(dir, 'staffwire.config.json');
      writeFileSync(file, JSON.stringify({ dataDir: 'data', queue: { redisUrl: TEST_REDIS_URL } }));
      await expect(createApp(loadConfig(file, {}), { log: pino({ level: 'silent' }), role: 'worker' })).rejects.toThrow(
        /queue mode .* needs a PostgreSQL store shared by every process: set STAFFWIRE_DATABASE_URL or store.url in .*staffwire.config.json/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
