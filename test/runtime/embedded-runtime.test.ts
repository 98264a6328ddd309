import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverConnectors } from '../../src/connector-kit/registry.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import { EmbeddedRuntime } from '../../src/runtime/embedded-runtime.js';
import type { RunRecord } from '../../src/store/records.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { runCli } from '../support/cli.js';
import { CountingServer } from '../support/counting-server.js';

describe('embedded runtime', () => {
  let dir: string;
  let server: CountingServer;
  let url: string;
  const open: { runtime: EmbeddedRuntime; store: SqliteStore }[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'staffwire-runtime-'));
    server = new CountingServer();
    url = await server.start();
  });
  afterEach(async () => {
    for (const { runtime, store } of open.splice(0)) {
      await runtime.stop();
      await store.close();
    }
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function boot(concurrency = 4, flows: FlowDefinition[] = []) {
    const store = new SqliteStore(join(dir, 'staffwire.db'));
    let runtime: EmbeddedRuntime | undefined;
    const engine = new Engine({
      store,
      connectors: await discoverConnectors(),
      connections: { svc: { connector: 'http', baseUrl: url } },
      flows: { get: async (id) => flows.find((f) => f.id === id) },
      log: pino({ level: 'silent' }),
      onWaiting: (run) => runtime?.runWaiting(run),
      onFinished: (run) => runtime?.runFinished(run),
    });
    runtime = new EmbeddedRuntime(engine, { concurrency, log: pino({ level: 'silent' }) });
    open.push({ runtime, store });
    return { store, engine, runtime };
  }

  async function until(read: () => Promise<RunRecord | undefined>, status: string): Promise<RunRecord> {
    for (let i = 0; i < 400; i++) {
      const run = await read();
      if (run?.status === status) return run;
      await sleep(25);
    }
    throw new Error(`run never became ${status}: ${JSON.stringify(await read())}`);
  }

  const waitThenCall: FlowDefinition = {
    id: 'wait-then-call',
    version: '1',
    steps: [
      { id: 'pause', kind: 'wait', for: '400ms' },
      { id: 'after', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/after' } },
    ],
  };

  it('parks a waiting run as a timer in the store, and fires it after a restart', async () => {
    const first = await boot();
    await first.runtime.start();
    const run = await first.engine.startRun(first.engine.compile(waitThenCall), {});
    const parked = await first.runtime.submit(run.id);
    expect(parked.status).toBe('waiting');
    expect(await first.store.nextTimer()).toEqual({ id: run.id, runId: run.id, fireAt: parked.waitingUntil });
    // The process goes away before the timer fires.
    await first.runtime.stop();
    await first.store.close();
    open.length = 0;
    expect(server.calls('/after')).toHaveLength(0);

    await sleep(500);
    const second = await boot();
    await second.runtime.start();
    const done = await until(() => second.store.getRun(run.id), 'succeeded');
    expect(server.calls('/after')).toHaveLength(1);
    expect(done.waitingUntil).toBeUndefined();
    expect(await second.store.nextTimer()).toBeUndefined();
  });

  it('fires a timer while the process lives, without anyone asking', async () => {
    const { engine, runtime, store } = await boot();
    await runtime.start();
    const run = await engine.startRun(engine.compile(waitThenCall), {});
    expect((await runtime.submit(run.id)).status).toBe('waiting');
    await until(() => store.getRun(run.id), 'succeeded');
    expect(server.calls('/after')).toHaveLength(1);
  });

  it('never executes more runs at once than its concurrency limit', async () => {
    let inFlight = 0;
    let most = 0;
    server.onCall((_call, respond) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        respond();
      }, 30);
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

  it('wakes a parent waiting on a sub-flow when the sub-flow finishes', async () => {
    const child: FlowDefinition = { id: 'child', version: '1', steps: [{ id: 'nap', kind: 'wait', for: '300ms' }, { id: 'out', kind: 'return', output: { fromChild: true } }] };
    const { engine, runtime, store } = await boot(4, [child]);
    await runtime.start();
    const parent = await engine.startRun(
      engine.compile({ id: 'parent', version: '1', steps: [{ id: 'sub', kind: 'run', flow: 'child' }] }),
      {},
    );
    expect((await runtime.submit(parent.id)).status).toBe('waiting');
    const done = await until(() => store.getRun(parent.id), 'succeeded');
    expect(done.output).toEqual({ fromChild: true });
    const children = await store.listRuns({ parentRunId: parent.id });
    expect(children.map((c) => [c.flowId, c.status])).toEqual([['child', 'succeeded']]);
  });
});

describe('staffwire demo', () => {
  it('onboards an accepted offer end to end on a fresh data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'staffwire-demo-test-'));
    try {
      const result = await runCli(['demo'], { env: { STAFFWIRE_DATA_DIR: dataDir } });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/✓ succeeded pre_hire/);
      expect(result.stdout).toMatch(/✓ succeeded notify\[1\]\.message/);
      expect(result.stdout).toContain('"preHireId": "ph-1"');
      expect(result.stdout).toContain('"notified": 2');
      const declined = await runCli(['demo', '--offer', 'offer-1002'], { env: { STAFFWIRE_DATA_DIR: dataDir } });
      expect(declined.code).toBe(1);
      expect(declined.stdout).toContain('error OfferNotAccepted at not_accepted: offer offer-1002 is declined, not accepted: nothing to onboard');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
