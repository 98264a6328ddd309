import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActionContext, Connector } from '../../src/connector-kit/connector.js';
import { ConnectorRegistry } from '../../src/connector-kit/registry.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowDefinition, Step } from '../../src/engine/flow-types.js';
import { RunInterruptedError } from '../../src/errors/index.js';
import type { StepRecord } from '../../src/store/records.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { openStoreData, STORE_KINDS, type TestStoreData } from '../support/store-kinds.js';
import { TestClock } from './helpers.js';

/**
 * Several engines on one store file stand for several processes: what one process may write
 * once another took its run over, cancelled it, or holds its sub-flow.
 */

interface GateCall {
  key: string;
  idempotencyKey: string;
  engine: string;
}

/** A side-effecting action that records each call and, for keys told to, stays in flight until opened. */
class Gate {
  readonly calls: GateCall[] = [];
  private readonly held = new Map<string, { entered: () => void; open: () => void; entering: Promise<void>; opening: Promise<void> }>();
  readonly connector: Connector = {
    manifest: {
      id: 'gate',
      title: 'Test gate',
      category: 'generic',
      connection: { required: false, schema: { type: 'object' } },
      actions: {
        send: {
          title: 'Record a call; stay in flight while its key is held',
          sideEffect: true,
          input: { type: 'object', required: ['key'], properties: { key: { type: 'string' }, deep: { type: 'integer' } } },
          output: { type: 'object' },
        },
      },
    },
    actions: {
      send: async (input: { key: string; deep?: number }, context: ActionContext) => {
        this.calls.push({ key: input.key, idempotencyKey: context.idempotencyKey, engine: context.log.bindings().engine as string });
        const hold = this.held.get(input.key);
        if (hold) {
          this.held.delete(input.key);
          hold.entered();
          await hold.opening;
        }
        if (input.deep) {
          let answer: unknown = 'bottom';
          for (let i = 0; i < input.deep; i++) answer = { inner: answer };
          return { answer };
        }
        return { key: input.key, sent: this.callsOf(input.key).length };
      },
    },
  };

  /** The next call with this key stays in flight until `open()`; `entered` resolves when it arrives. */
  hold(key: string): { entered: Promise<void>; open: () => void } {
    let entered!: () => void;
    let open!: () => void;
    const entering = new Promise<void>((resolve) => (entered = resolve));
    const opening = new Promise<void>((resolve) => (open = resolve));
    this.held.set(key, { entered, open, entering, opening });
    return { entered: entering, open };
  }

  callsOf(key: string): GateCall[] {
    return this.calls.filter((c) => c.key === key);
  }
}

const send = (id: string, key = id): Step => ({ id, kind: 'call', action: 'gate.send', with: { key } });

let dir: string;
let clock: TestClock;
let gate: Gate;
let flows: Map<string, FlowDefinition>;
const stores: SqliteStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'staffwire-durability-'));
  clock = new TestClock();
  gate = new Gate();
  flows = new Map();
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One "process": its own store connection and engine on the shared file. */
function processNamed(name: string, options: { written?: StepRecord[]; busyTimeoutMs?: number } = {}): Engine {
  const store = new SqliteStore(join(dir, 'staffwire.db'), options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs });
  stores.push(store);
  return engineOn(store, name, options);
}

function engineOn(store: Store, name: string, options: { written?: StepRecord[] } = {}): Engine {
  return new Engine({
    store,
    connectors: new ConnectorRegistry().register(gate.connector),
    flows: { get: async (id) => flows.get(id) },
    log: pino({ level: 'silent' }).child({ engine: name }),
    clock,
    limits: { leaseMs: 10_000, inlineRetryMaxMs: 50 },
    ...(options.written ? { onCheckpoint: (step: StepRecord) => options.written!.push(step) } : {}),
  });
}

let flowCount = 0;
function flow(steps: Step[], id = `durability-${++flowCount}`): FlowDefinition {
  return { id, version: '1', steps };
}

describe.each(STORE_KINDS)('a process that lost its claim (%s)', (kind) => {
  let data: TestStoreData;

  beforeEach(async () => {
    data = await openStoreData(kind);
  });

  afterEach(async () => {
    await data.remove();
  });

  it('writes nothing and sends no further call once another process took the run over', async () => {
    const a = engineOn(data.store, 'a');
    const b = engineOn(await data.another(), 'b');
    const compiled = a.compile(flow([send('first'), send('second'), send('third')]));
    const run = await a.startRun(compiled, {});
    const first = gate.hold('first');
    const executingA = a.executeRun(run.id);
    await first.entered;

    // A's lease lapses (it was stopped, say) and B takes the run over and finishes it.
    clock.advance(11_000);
    const second = gate.hold('second');
    const executingB = b.executeRun(run.id);
    await second.entered;
    second.open();
    const finishedByB = await executingB;
    expect(finishedByB.status).toBe('succeeded');

    // A wakes up with the answer to its first call.
    first.open();
    const seenByA = await executingA;
    expect(seenByA.status).toBe('succeeded');
    expect(gate.callsOf('second').map((c) => c.engine)).toEqual(['b']);
    expect(gate.callsOf('third').map((c) => c.engine)).toEqual(['b']);
    // B re-sent the first call under the same key; A sent nothing after losing the run.
    expect(gate.callsOf('first').map((c) => c.engine)).toEqual(['a', 'b']);
    expect(new Set(gate.callsOf('first').map((c) => c.idempotencyKey)).size).toBe(1);
    const stored = await a.store.getRun(run.id);
    expect(stored).toMatchObject({ status: 'succeeded', output: { key: 'third', sent: 1 } });
    expect(stored).not.toHaveProperty('owner');
  });
});

describe('cancelling a run another process executes', () => {
  it('stops it before its next call, and the run stays cancelled', async () => {
    const a = processNamed('a');
    const b = processNamed('b');
    const run = await a.startRun(a.compile(flow([send('first'), send('second')])), {});
    const first = gate.hold('first');
    const executing = a.executeRun(run.id);
    await first.entered;
    expect((await b.cancelRun(run.id)).status).toBe('cancelled');
    first.open();
    expect((await executing).status).toBe('cancelled');
    expect(gate.callsOf('second')).toHaveLength(0);
    expect((await b.store.getRun(run.id))?.status).toBe('cancelled');
  });

  it('keeps it cancelled when its next step is a wait, with no timer left to wake it', async () => {
    const a = processNamed('a');
    const b = processNamed('b');
    const run = await a.startRun(a.compile(flow([send('first'), { id: 'pause', kind: 'wait', for: '1m' }, send('after')])), {});
    const first = gate.hold('first');
    const executing = a.executeRun(run.id);
    await first.entered;
    await b.cancelRun(run.id);
    first.open();
    expect((await executing).status).toBe('cancelled');
    clock.advance(120_000);
    expect(await a.store.dueRuns(clock.iso(), 10)).toEqual([]);
    expect((await b.executeRun(run.id)).status).toBe('cancelled');
    expect(gate.callsOf('after')).toHaveLength(0);
  });

  it('cancels the sub-flow runs it started, too', async () => {
    const a = processNamed('a');
    const b = processNamed('b');
    flows.set('child-flow', flow([send('in_child'), send('child_after')], 'child-flow'));
    const run = await a.startRun(a.compile(flow([{ id: 'sub', kind: 'run', flow: 'child-flow' }])), {});
    const inChild = gate.hold('in_child');
    const executing = a.executeRun(run.id);
    await inChild.entered;
    await b.cancelRun(run.id);
    inChild.open();
    await executing;
    const [child] = await a.store.listRuns({ parentRunId: run.id });
    expect(child?.status).toBe('cancelled');
    expect(gate.callsOf('child_after')).toHaveLength(0);
  });
});

describe('sub-flows across processes', () => {
  it('takes over a child whose owner is gone, instead of failing the parent', async () => {
    const a = processNamed('a');
    flows.set('child-flow', flow([send('in_child')], 'child-flow'));
    const parentFlow = a.compile(flow([{ id: 'sub', kind: 'run', flow: 'child-flow' }, send('after')]));
    const parent = await a.startRun(parentFlow, {});
    // A dead process on this host left both runs claimed with live leases.
    const dead = `${(await import('node:os')).hostname()}:999999999:deadbeef`;
    const childId = 'run_child_of_dead_parent';
    await a.store.claimRun(parent.id, { owner: dead, leaseUntil: clock.iso(10_000), now: clock.iso() });
    await a.store.putSteps([
      { runId: parent.id, path: 'sub', stepId: 'sub', kind: 'run', status: 'running', attempts: 1, startedAt: clock.iso(), updatedAt: clock.iso(), state: { childRunId: childId } },
    ]);
    await a.startRun(a.compile(flows.get('child-flow')!), {}, { runId: childId, parentRunId: parent.id, parentStepPath: 'sub' });
    await a.store.claimRun(childId, { owner: dead, leaseUntil: clock.iso(10_000), now: clock.iso() });

    const resumed = processNamed('resumer');
    const finished = await resumed.executeRun(parent.id);
    expect(finished.status).toBe('succeeded');
    expect((await resumed.store.getRun(childId))?.status).toBe('succeeded');
    expect(gate.callsOf('in_child')).toHaveLength(1);
  });

  it('parks the parent while another live process executes its child, and the child’s end wakes it', async () => {
    const a = processNamed('a');
    const b = processNamed('b');
    flows.set('child-flow', flow([send('in_child')], 'child-flow'));
    const parent = await a.startRun(a.compile(flow([{ id: 'sub', kind: 'run', flow: 'child-flow' }, send('after')])), {});
    const inChild = gate.hold('in_child');
    const executingA = a.executeRun(parent.id);
    await inChild.entered;
    const [child] = await a.store.listRuns({ parentRunId: parent.id });

    // A's claim on the parent lapses while its claim on the child it executes is renewed.
    clock.advance(11_000);
    expect(await a.store.renewLease(child!.id, a.owner, clock.iso(10_000))).toBe(true);
    const parked = await b.executeRun(parent.id);
    expect(parked.status).toBe('waiting');
    expect(parked.waitingUntil! > clock.iso()).toBe(true);

    // The child finishes in A, and wakes the parent through the store.
    inChild.open();
    await executingA;
    expect((await a.store.getRun(child!.id))?.status).toBe('succeeded');
    expect((await b.store.dueRuns(clock.iso(), 10)).map((d) => d.id)).toEqual([parent.id]);
    expect((await b.executeRun(parent.id)).status).toBe('succeeded');
    expect(gate.callsOf('in_child')).toHaveLength(1);
    expect(gate.callsOf('after')).toHaveLength(1);
  });
});

describe('retrying a parent whose sub-flow', () => {
  async function failedParent(childFlow: FlowDefinition) {
    const engine = processNamed('a');
    flows.set(childFlow.id, childFlow);
    const parent = await engine.startRun(
      engine.compile(flow([{ id: 'sub', kind: 'run', flow: childFlow.id }, { id: 'check', kind: 'call', action: 'gate.send', with: { key: 'after' } }])),
      {},
    );
    return { engine, parent };
  }

  it('succeeded reuses the child’s output and sends none of its calls again', async () => {
    const { engine, parent } = await failedParent(flow([send('in_child')], 'child-ok'));
    expect((await engine.executeRun(parent.id)).status).toBe('succeeded');
    const [child] = await engine.store.listRuns({ parentRunId: parent.id });
    // The parent failed at its run step although the child succeeded (as a lost claim used to make it).
    const sub = (await engine.store.listSteps(parent.id)).find((s) => s.path === 'sub')!;
    await engine.store.putSteps([{ ...sub, status: 'failed', error: { code: 'subflow.running', message: 'child running', category: 'internal' } }]);
    await engine.store.deleteSteps(parent.id, ['check']);
    await engine.store.updateRun(parent.id, { status: 'failed', error: { code: 'subflow.running', message: 'child running', category: 'internal' } });

    await engine.retryRun(parent.id);
    const retried = await engine.executeRun(parent.id);
    expect(retried.status).toBe('succeeded');
    expect(await engine.store.listRuns({ parentRunId: parent.id })).toEqual([expect.objectContaining({ id: child!.id, status: 'succeeded' })]);
    expect(gate.callsOf('in_child')).toHaveLength(1);
  });

  it('was cancelled continues that child from where it stopped, with the same keys', async () => {
    const { engine, parent } = await failedParent(flow([send('c1'), send('c2')], 'child-cancelled'));
    const c2 = gate.hold('c2');
    const executing = engine.executeRun(parent.id);
    await c2.entered;
    const [child] = await engine.store.listRuns({ parentRunId: parent.id });
    const other = processNamed('b');
    await other.cancelRun(child!.id);
    c2.open();
    const failed = await executing;
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'cancelled' } });

    await engine.retryRun(parent.id);
    expect((await engine.executeRun(parent.id)).status).toBe('succeeded');
    expect(await engine.store.listRuns({ parentRunId: parent.id })).toEqual([expect.objectContaining({ id: child!.id, status: 'succeeded' })]);
    expect(gate.callsOf('c1')).toHaveLength(1);
    const keys = gate.callsOf('c2').map((c) => c.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });
});

describe('pinned sub-flows', () => {
  it('runs the sub-flow version that existed when the parent started, though the file changed before the child started', async () => {
    const engine = processNamed('a');
    flows.set('pinned-child', flow([send('v1')], 'pinned-child'));
    const parent = await engine.startRun(engine.compile(flow([{ id: 'sub', kind: 'run', flow: 'pinned-child' }])), {});
    flows.set('pinned-child', flow([send('v2')], 'pinned-child'));
    expect((await processNamed('later').executeRun(parent.id)).status).toBe('succeeded');
    expect(gate.callsOf('v1')).toHaveLength(1);
    expect(gate.callsOf('v2')).toHaveLength(0);
  });

  it('compiles a sub-flow once per version of its file, not at every run start', async () => {
    const engine = processNamed('a');
    const compile = vi.spyOn(engine, 'compile');
    const v1 = flow([send('leaf_v1', 'leaf-v1')], 'leaf');
    flows.set('leaf', v1);
    const parent = engine.compile(flow([{ id: 'sub', kind: 'run', flow: 'leaf' }]));
    const first = await engine.startRun(parent, {});
    const second = await engine.startRun(parent, {});
    expect(compile.mock.calls.filter(([definition]) => definition === v1)).toHaveLength(1);
    expect(second.subFlows).toEqual(first.subFlows);
    flows.set('leaf', flow([send('leaf_v2', 'leaf-v2')], 'leaf'));
    const third = await engine.startRun(parent, {});
    expect(third.subFlows?.leaf).not.toBe(first.subFlows?.leaf);
  });

  it('pins sub-flows of sub-flows with the top-level run', async () => {
    const engine = processNamed('a');
    flows.set('middle', flow([{ id: 'inner', kind: 'run', flow: 'leaf' }], 'middle'));
    flows.set('leaf', flow([send('leaf_v1', 'leaf-v1')], 'leaf'));
    const parent = await engine.startRun(engine.compile(flow([{ id: 'sub', kind: 'run', flow: 'middle' }])), {});
    flows.set('leaf', flow([send('leaf_v2', 'leaf-v2')], 'leaf'));
    expect((await processNamed('later').executeRun(parent.id)).status).toBe('succeeded');
    expect(gate.callsOf('leaf-v1')).toHaveLength(1);
    expect(gate.callsOf('leaf-v2')).toHaveLength(0);
  });
});

describe('limits on what a run keeps', () => {
  it('collects failures of a for step in writes that grow linearly with the failures', async () => {
    const written: StepRecord[] = [];
    const engine = processNamed('a', { written });
    const sizeFor = async (n: number) => {
      written.length = 0;
      const run = await engine.startRun(
        engine.compile(
          flow([
            {
              id: 'each',
              kind: 'for',
              each: '${ [1..' + n + '] }',
              onFailure: 'collect',
              steps: [{ id: 'bad', kind: 'raise', error: 'item.bad', message: 'item ${ $item } is bad' }],
            },
          ]),
        ),
        {},
      );
      const done = await engine.executeRun(run.id);
      expect(done.status).toBe('succeeded');
      expect((done.output as { failures: unknown[] }).failures).toHaveLength(n);
      return written.reduce((bytes, step) => bytes + JSON.stringify(step).length, 0);
    };
    const small = await sizeFor(500);
    const large = await sizeFor(2000);
    // Quadratic bookkeeping (the whole failure list rewritten per failure) makes this ratio ≥ 16.
    expect(large / small).toBeLessThan(5);
  });

  it('fails the step with json.too_deep when a vendor answer is nested deeper than the limit', async () => {
    const engine = processNamed('a');
    const run = await engine.startRun(engine.compile(flow([{ id: 'deep', kind: 'call', action: 'gate.send', with: { key: 'deep', deep: 10_000 } }])), {});
    const failed = await engine.executeRun(run.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'json.too_deep', category: 'validation', step: 'deep' });
    expect(failed.error?.message).toContain('nested deeper than 1000 levels');
  });

  it('refuses a run input nested deeper than the limit, creating no run', async () => {
    const engine = processNamed('a');
    let input: unknown = 1;
    for (let i = 0; i < 5000; i++) input = [input];
    await expect(engine.startRun(engine.compile(flow([send('x')])), input)).rejects.toMatchObject({ code: 'json.too_deep' });
    expect(await engine.store.listRuns()).toEqual([]);
  });
});

describe('a store that cannot be written after a call', () => {
  it('leaves the run interrupted, not failed, and a resume sends the call again with the same key', async () => {
    const a = processNamed('a', { busyTimeoutMs: 50 });
    const run = await a.startRun(a.compile(flow([send('first'), send('second')])), {});
    const first = gate.hold('first');
    const executing = a.executeRun(run.id);
    await first.entered;
    // Another process holds the write lock while the call is answered: its checkpoint cannot be written.
    const lock = new Database(join(dir, 'staffwire.db'));
    lock.exec('BEGIN IMMEDIATE');
    first.open();
    const interrupted = await executing.catch((err: unknown) => err);
    lock.exec('ROLLBACK');
    lock.close();
    expect(interrupted).toBeInstanceOf(RunInterruptedError);
    expect(interrupted).toMatchObject({ runId: run.id, cause: { code: 'store.busy' } });
    expect((await a.store.getRun(run.id))?.status).toBe('running');
    expect(gate.callsOf('second')).toHaveLength(0);

    clock.advance(11_000);
    expect((await processNamed('resumer').executeRun(run.id)).status).toBe('succeeded');
    const keys = gate.callsOf('first').map((c) => c.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(gate.callsOf('second')).toHaveLength(1);
  });

  it('fails loudly, naming the file, when the store was deleted mid-run', async () => {
    const a = processNamed('a');
    const run = await a.startRun(a.compile(flow([send('first'), send('second')])), {});
    const first = gate.hold('first');
    const executing = a.executeRun(run.id);
    await first.entered;
    rmSync(join(dir, 'staffwire.db'));
    first.open();
    const interrupted = await executing.catch((err: unknown) => err);
    expect(interrupted).toBeInstanceOf(RunInterruptedError);
    expect((interrupted as RunInterruptedError).cause).toMatchObject({ code: 'store.lost', location: join(dir, 'staffwire.db') });
    expect(gate.callsOf('second')).toHaveLength(0);
  });
});
