import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock/clock.js';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { discoverConnectors } from '../../src/connector-kit/registry.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import { EmbeddedRuntime } from '../../src/runtime/embedded-runtime.js';
import type { RunRecord } from '../../src/store/records.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { CountingServer } from '../support/counting-server.js';

describe('embedded runtime', () => {
  let dir: string;
  let server: CountingServer;
  let url: string;
  let clock: ManualClock;
  const open: { runtime: EmbeddedRuntime; store: SqliteStore }[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'staffwire-runtime-'));
    server = new CountingServer();
    url = await server.start();
    clock = new ManualClock();
  });
  afterEach(async () => {
    for (const { runtime, store } of open.splice(0)) {
      await runtime.stop();
      await store.close();
    }
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One process: its own store connection, engine and runtime on the shared file and clock. */
  async function boot(concurrency = 4, flows: FlowDefinition[] = [], processClock: Clock = clock) {
    const store = new SqliteStore(join(dir, 'staffwire.db'));
    const engine = new Engine({
      store,
      connectors: await discoverConnectors(),
      connections: { svc: { connector: 'http', baseUrl: url } },
      flows: { get: async (id) => flows.find((f) => f.id === id) },
      log: pino({ level: 'silent' }),
      clock: processClock,
      limits: { leaseMs: 10_000 },
    });
    const runtime = new EmbeddedRuntime(engine, { concurrency, log: pino({ level: 'silent' }), pollMs: 1000 });
    open.push({ runtime, store });
    return { store, engine, runtime };
  }

  /** Moves time on in small steps until the run has this status: nothing here sleeps on the wall clock for it. */
  async function advanceUntil(read: () => Promise<RunRecord | undefined>, status: string, stepMs = 100, maxMs = 60_000): Promise<RunRecord> {
    for (let moved = 0; moved <= maxMs; moved += stepMs) {
      const run = await read();
      if (run?.status === status) return run;
      await clock.advance(stepMs);
      await settleIo();
    }
    throw new Error(`run never became ${status}: ${JSON.stringify(await read())}`);
  }

  const waitThenCall: FlowDefinition = {
    id: 'wait-then-call',
    version: '1',
    steps: [
      { id: 'pause', kind: 'wait', for: '5s' },
      { id: 'after', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/after' } },
    ],
  };

  it('fires a wait at its moment while the process lives, without anyone asking', async () => {
    const { engine, runtime, store } = await boot();
    await runtime.start();
    const run = await engine.startRun(engine.compile(waitThenCall), {});
    expect((await runtime.submit(run.id)).status).toBe('waiting');
    await clock.advance(4_900);
    await settleIo();
    expect((await store.getRun(run.id))?.status).toBe('waiting');
    const done = await advanceUntil(() => store.getRun(run.id), 'succeeded');
    expect(server.calls('/after')).toHaveLength(1);
    expect(done.waitingUntil).toBeUndefined();
    expect(await store.nextDueAt()).toBeUndefined();
  });

  it('picks up a wait another process parked, and a run another process queued, without a restart', async () => {
    const watcher = await boot();
    await watcher.runtime.start();
    const other = await boot();
    const parked = await other.engine.startRun(other.engine.compile(waitThenCall), {});
    expect((await other.engine.executeRun(parked.id)).status).toBe('waiting');
    const queued = await other.engine.startRun(other.engine.compile({ ...waitThenCall, id: 'just-call', steps: [waitThenCall.steps[1]!] }), {});
    await advanceUntil(() => watcher.store.getRun(queued.id), 'succeeded');
    await advanceUntil(() => watcher.store.getRun(parked.id), 'succeeded');
    expect(server.calls('/after')).toHaveLength(2);
  });

  it('takes over a run whose process stopped renewing its lease, once the lease lapses', async () => {
    let release!: () => void;
    server.onCall((c, respond) => (c.path === '/after' && server.calls('/after').length === 1 ? (release = () => respond()) : respond()));
    // The other process has a clock of its own that stops: it never renews.
    const stopped = await boot(4, [], new TestClockWithoutTimers(clock.now()));
    const run = await stopped.engine.startRun(stopped.engine.compile({ ...waitThenCall, id: 'call-only', steps: [waitThenCall.steps[1]!] }), {});
    void stopped.engine.executeRun(run.id).catch(() => undefined);
    for (let i = 0; i < 500 && server.calls('/after').length === 0; i++) await settleIo();
    const watcher = await boot();
    await watcher.runtime.start();
    const done = await advanceUntil(() => watcher.store.getRun(run.id), 'succeeded', 500);
    expect(done.owner).toBeUndefined();
    const calls = server.calls('/after');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.idempotencyKey).toBe(calls[0]!.idempotencyKey);
    release();
  });

  it('picks up, after a restart, a wait that fell due while no process ran', async () => {
    const first = await boot();
    await first.runtime.start();
    const run = await first.engine.startRun(first.engine.compile(waitThenCall), {});
    expect((await first.runtime.submit(run.id)).status).toBe('waiting');
    await first.runtime.stop();
    await first.store.close();
    open.length = 0;
    await clock.advance(60_000);
    const second = await boot();
    await second.runtime.start();
    await advanceUntil(() => second.store.getRun(run.id), 'succeeded');
    expect(server.calls('/after')).toHaveLength(1);
  });

  it('never executes more runs at once than its concurrency limit', async () => {
    let inFlight = 0;
    let most = 0;
    // Calls are answered two at a time: the limit is reached on every round, and a third call in
    // flight would show.
    let held: (() => void)[] = [];
    server.onCall((_call, respond) => {
      inFlight++;
      most = Math.max(most, inFlight);
      held.push(() => {
        inFlight--;
        respond();
      });
      if (held.length === 2) {
        const answer = held;
        held = [];
        for (const release of answer) release();
      }
    });
    const { engine, runtime } = await boot(2);
    const flow = engine.compile({
      id: 'one-call',
      version: '1',
      steps: [{ id: 'call', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/work' } }],
    });
    const runs = await Promise.all(Array.from({ length: 8 }, () => engine.startRun(flow, {})));
    const results = await Promise.all(runs.map((r) => runtime.submit(r.id)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill('succeeded'));
    expect(server.calls('/work')).toHaveLength(8);
    expect(most).toBe(2);
  });

  it('fetches only as many due runs as it has room for, and the rest as room frees', async () => {
    const { engine, runtime, store } = await boot(1);
    const flow = engine.compile({ id: 'quick', version: '1', steps: [{ id: 'x', kind: 'set', values: { ok: true } }] });
    const runs = await Promise.all(Array.from({ length: 10 }, () => engine.startRun(flow, {})));
    await runtime.start();
    for (const run of runs) await advanceUntil(() => store.getRun(run.id), 'succeeded');
  });

  it('wakes a parent waiting on a sub-flow when the sub-flow finishes', async () => {
    const child: FlowDefinition = { id: 'child', version: '1', steps: [{ id: 'nap', kind: 'wait', for: '3s' }, { id: 'out', kind: 'return', output: { fromChild: true } }] };
    const { engine, runtime, store } = await boot(4, [child]);
    await runtime.start();
    const parent = await engine.startRun(engine.compile({ id: 'parent', version: '1', steps: [{ id: 'sub', kind: 'run', flow: 'child' }] }), {});
    const parked = await runtime.submit(parent.id);
    expect(parked).toMatchObject({ status: 'waiting', waitingFor: [{ kind: 'child', step: 'sub' }] });
    const done = await advanceUntil(() => store.getRun(parent.id), 'succeeded');
    expect(done.output).toEqual({ fromChild: true });
    const children = await store.listRuns({ parentRunId: parent.id });
    expect(children.map((c) => [c.flowId, c.status])).toEqual([['child', 'succeeded']]);
  });
});

/** Lets HTTP and store work started by fired timers go on (the loopback server answers on the event loop). */
function settleIo(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

/** A process whose clock stands still: it never renews what it holds. */
class TestClockWithoutTimers implements Clock {
  constructor(private readonly at: Date) {}
  now(): Date {
    return this.at;
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
  schedule(): () => void {
    return () => undefined;
  }
}
