import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import httpConnector from '../../connectors/http/index.js';
import type { ActionContext, Connector } from '../../src/connector-kit/connector.js';
import type { ConnectorManifest } from '../../src/connector-kit/manifest.js';
import { ConnectorRegistry } from '../../src/connector-kit/registry.js';
import type { Clock } from '../../src/clock/clock.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowDefinition, Step } from '../../src/engine/flow-types.js';
import { StaffwireError, VendorError, type ErrorCategory } from '../../src/errors/index.js';
import type { RunRecord, StepRecord } from '../../src/store/records.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { openStoreData, type StoreKind } from '../support/store-kinds.js';

/** One call the probe connector received. */
export interface ProbeCall {
  action: string;
  input: Record<string, unknown>;
  idempotencyKey: string;
  attempt: number;
}

interface FailInput {
  key: string;
  /** Calls with this key that fail before one succeeds; every call fails when absent. */
  failures?: number;
  category?: ErrorCategory;
  code?: string;
  message?: string;
  retryAfterMs?: number;
  /** Throw a VendorError (code becomes `vendor.<code>`) instead of a plain StaffwireError. */
  vendor?: boolean;
}

const anyObject = { type: 'object' };

const probeManifest: ConnectorManifest = {
  id: 'probe',
  title: 'Test probe',
  description: 'Records what the engine hands to actions and fails on demand.',
  category: 'generic',
  connection: { required: false, schema: anyObject },
  actions: {
    echo: { title: 'Return the input', sideEffect: false, input: anyObject, output: anyObject },
    record: { title: 'Record the input, key and attempt', sideEffect: true, input: anyObject, output: anyObject },
    fail: {
      title: 'Fail the first N calls per key',
      sideEffect: true,
      input: {
        type: 'object',
        required: ['key'],
        properties: {
          key: { type: 'string' },
          failures: { type: 'integer', minimum: 0 },
          category: { type: 'string' },
          code: { type: 'string' },
          message: { type: 'string' },
          retryAfterMs: { type: 'integer', minimum: 0 },
          vendor: { type: 'boolean' },
        },
      },
      output: anyObject,
    },
    hold: {
      title: 'Stay in flight until `until` calls are, to observe overlap',
      sideEffect: false,
      input: { type: 'object', required: ['until'], properties: { until: { type: 'integer', minimum: 1 } } },
      output: anyObject,
    },
  },
};

/** Long enough for any machine to get the other calls in flight; reached only when they never come. */
const HOLD_FALLBACK_MS = 3000;

/**
 * A connector under test control: it remembers every call with its idempotency key and attempt,
 * fails on demand, and counts calls in flight at once.
 */
export class Probe {
  readonly calls: ProbeCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly failuresByKey = new Map<string, number>();
  private waitingHolders: { until: number; release: () => void }[] = [];

  readonly connector: Connector = {
    manifest: probeManifest,
    actions: {
      echo: async (input: Record<string, unknown>, context: ActionContext) => {
        this.note('echo', input, context);
        return input;
      },
      record: async (input: Record<string, unknown>, context: ActionContext) => {
        this.note('record', input, context);
        return { input, idempotencyKey: context.idempotencyKey, attempt: context.attempt };
      },
      fail: async (input: FailInput, context: ActionContext) => {
        this.note('fail', input as unknown as Record<string, unknown>, context);
        const seen = (this.failuresByKey.get(input.key) ?? 0) + 1;
        this.failuresByKey.set(input.key, seen);
        if (input.failures === undefined || seen <= input.failures) throw failure(input);
        return { key: input.key, calls: seen };
      },
      hold: async (input: { until: number }, context: ActionContext) => {
        this.note('hold', input, context);
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          await this.rendezvous(input.until);
          return { seen: this.inFlight };
        } finally {
          this.inFlight--;
        }
      },
    },
  };

  /** Calls of one action, optionally only those whose input has this `key`. */
  callsOf(action: string, key?: string): ProbeCall[] {
    return this.calls.filter((c) => c.action === action && (key === undefined || c.input.key === key));
  }

  private note(action: string, input: Record<string, unknown>, context: ActionContext): void {
    this.calls.push({ action, input, idempotencyKey: context.idempotencyKey, attempt: context.attempt });
  }

  private rendezvous(until: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, HOLD_FALLBACK_MS);
      this.waitingHolders.push({ until, release: () => (clearTimeout(timer), resolve()) });
      if (this.inFlight >= until) {
        for (const holder of this.waitingHolders) holder.release();
        this.waitingHolders = [];
      }
    });
  }
}

function failure(input: FailInput): StaffwireError {
  const category = input.category ?? 'server';
  const message = input.message ?? `probe failure of ${input.key}`;
  const retryAfter = input.retryAfterMs === undefined ? {} : { retryAfterMs: input.retryAfterMs };
  if (input.vendor) return new VendorError(message, { vendorCode: input.code ?? 500, category, ...retryAfter });
  return new StaffwireError(message, { code: input.code ?? 'probe.failed', category, ...retryAfter });
}

/**
 * A clock the test moves by hand, for waits and parked retries. Its timers never fire (tests
 * drive executions themselves, and a paused process renews nothing); a sleep is time passing.
 */
export class TestClock implements Clock {
  constructor(private ms = Date.parse('2030-01-01T00:00:00.000Z')) {}

  now = (): Date => new Date(this.ms);

  advance(ms: number): void {
    this.ms += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.ms += ms;
  }

  schedule(): () => void {
    return () => undefined;
  }

  /** The moment `ms` from now, as stored timestamps are written. */
  iso(ms = 0): string {
    return new Date(this.ms + ms).toISOString();
  }
}

/** A run as the store holds it after an execution, with its steps by path. */
export interface RunResult {
  run: RunRecord;
  steps: Map<string, StepRecord>;
  /** The record at `path`; fails the test when the step never ran. */
  step(path: string): StepRecord;
}

export interface HarnessOptions {
  /** Flows the `run` step can start, by id. */
  flows?: FlowDefinition[];
}

export interface Harness {
  engine: Engine;
  store: Store;
  probe: Probe;
  clock: TestClock;
  /** Compiles, starts and executes a flow once (until it ends or parks). */
  runFlow(definition: FlowDefinition, input?: unknown): Promise<RunResult>;
  /** Executes a run again (a timer fired, or after `retryRun`) and reads the outcome. */
  execute(runId: string): Promise<RunResult>;
  close(): Promise<void>;
}

export function createHarness(options: HarnessOptions = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'staffwire-engine-'));
  const store = new SqliteStore(join(dir, 'staffwire.db'));
  return harnessOn(store, options, async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** The same harness on a fresh store of the given kind. */
export async function createHarnessOn(kind: StoreKind, options: HarnessOptions = {}): Promise<Harness> {
  const data = await openStoreData(kind);
  return harnessOn(data.store, options, () => data.remove());
}

function harnessOn(store: Store, options: HarnessOptions, remove: () => Promise<void>): Harness {
  const probe = new Probe();
  const clock = new TestClock();
  const connectors = new ConnectorRegistry().register(httpConnector).register(probe.connector);
  const flows = new Map((options.flows ?? []).map((f) => [f.id, f]));
  const engine = new Engine({
    store,
    connectors,
    flows: { get: async (id) => flows.get(id) },
    log: pino({ level: 'silent' }),
    clock,
    // Retry delays of a few ms are slept in place; the tests park a run with delays of seconds.
    limits: { inlineRetryMaxMs: 50 },
  });

  const read = async (runId: string): Promise<RunResult> => {
    const run = await store.getRun(runId);
    if (!run) throw new Error(`run ${runId} is not in the store`);
    const steps = new Map((await store.listSteps(runId)).map((s) => [s.path, s]));
    return {
      run,
      steps,
      step(path) {
        const found = steps.get(path);
        if (!found) throw new Error(`run ${runId} has no step ${path}; it has ${[...steps.keys()].join(', ')}`);
        return found;
      },
    };
  };
  const execute = async (runId: string) => {
    await engine.executeRun(runId);
    return read(runId);
  };

  return {
    engine,
    store,
    probe,
    clock,
    async runFlow(definition, input = {}) {
      const run = await engine.startRun(engine.compile(definition), input);
      return execute(run.id);
    },
    execute,
    close: remove,
  };
}

let flowCount = 0;

/** A flow around `steps` with a fresh id, so compiled flows never collide between tests. */
export function defineFlow(steps: Step[], extra: Partial<FlowDefinition> = {}): FlowDefinition {
  flowCount++;
  return { id: `test-flow-${flowCount}`, version: '1', steps, ...extra };
}
