import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { ConnectorRegistry } from '../../src/connector-kit/registry.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import { EmbeddedRuntime } from '../../src/runtime/embedded-runtime.js';
import type { ListedFlowCatalog } from '../../src/scheduler/cron-triggers.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** One Staffwire process as far as the scheduler goes: its own store connection, engine, runtime and scheduler. */
export interface SchedulerProcess {
  store: SqliteStore;
  engine: Engine;
  runtime: EmbeddedRuntime;
  scheduler: Scheduler;
  /** Stops the scheduler and the runtime and closes the store, as a process exiting does. */
  exit(): Promise<void>;
}

/** A catalog over flows held in memory, edited by the test. */
export function catalogOf(flows: FlowDefinition[]): ListedFlowCatalog {
  return {
    get: async (id) => flows.find((f) => f.id === id),
    list: () => flows.map((definition) => ({ definition })),
  };
}

/**
 * Processes sharing one SQLite file and one manual clock. Time moves only when the test moves
 * it; what the processes do in between is awaited as a condition, never as a duration.
 */
export class SchedulerWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'staffwire-scheduler-'));
  readonly file = join(this.dir, 'staffwire.db');
  readonly clock = new ManualClock();
  /** Every log line the processes wrote, parsed. */
  readonly logs: Record<string, unknown>[] = [];
  private readonly processes: SchedulerProcess[] = [];

  async boot(options: { flows: ListedFlowCatalog; pollMs?: number; batchSize?: number; start?: boolean }): Promise<SchedulerProcess> {
    const log = pino(
      { level: 'info' },
      new Writable({
        write: (chunk, _encoding, done) => {
          for (const line of String(chunk).split('\n')) if (line) this.logs.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      }),
    );
    const store = new SqliteStore(this.file);
    const engine = new Engine({ store, connectors: new ConnectorRegistry(), flows: options.flows, log, clock: this.clock, limits: { leaseMs: 10_000 } });
    const runtime = new EmbeddedRuntime(engine, { concurrency: 4, log, pollMs: 1000 });
    const scheduler = new Scheduler({
      store,
      engine,
      flows: options.flows,
      clock: this.clock,
      log,
      pollMs: options.pollMs ?? 1000,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      onWork: () => void runtime.poll(),
    });
    let exited = false;
    const process: SchedulerProcess = {
      store,
      engine,
      runtime,
      scheduler,
      exit: async () => {
        if (exited) return;
        exited = true;
        await scheduler.stop();
        await runtime.stop();
        await store.close();
      },
    };
    this.processes.push(process);
    if (options.start !== false) {
      await runtime.start();
      await scheduler.start();
    }
    return process;
  }

  /** Moves time on in steps, letting what each step sets off finish before the next. */
  async advance(ms: number, stepMs = 100): Promise<void> {
    const settled = () => Promise.all(this.processes.flatMap((p) => [p.scheduler.settled(), p.runtime.settled()]));
    for (let moved = 0; moved < ms; moved += stepMs) {
      await this.clock.advance(Math.min(stepMs, ms - moved), settled);
      await settle();
      await settled();
    }
  }

  /** Log lines with this message. */
  logged(msg: string): Record<string, unknown>[] {
    return this.logs.filter((line) => line.msg === msg);
  }

  async close(): Promise<void> {
    for (const process of this.processes.splice(0)) await process.exit();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Lets I/O callbacks and the promise chains they start run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
