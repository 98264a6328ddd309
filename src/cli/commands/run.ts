import { setTimeout as sleep } from 'node:timers/promises';
import type { RunRecord } from '../../store/records.js';
import { createContext, type CliContext } from '../context.js';
import { runLine, timeline } from '../format.js';
import { stepPrinter } from '../step-printer.js';
import { loadFlow } from './load-flow.js';
import { readInput } from './read-input.js';

export interface RunOptions {
  input?: string;
  json?: boolean;
  config?: string;
  /** Stay and continue a waiting run when it is due within this many milliseconds (`--wait-up-to`). */
  waitUpTo: number;
}

/** Runs one flow in this process: a line per step as it finishes, then the output. */
export async function runCommand(target: string, options: RunOptions): Promise<number> {
  const input = readInput(options.input);
  const printStep = options.json ? undefined : stepPrinter();
  const context = await createContext({ ...(options.config ? { configFile: options.config } : {}), ...(printStep ? { onCheckpoint: printStep } : {}) });
  try {
    const flow = loadFlow(context, target);
    // The id is printed once the run exists: input the flow refuses creates no run.
    const started = await context.engine.runNow(flow, input, {
      actor: 'cli',
      onCreated: (created) => {
        if (!options.json) console.log(`run ${created.id}  ${flow.definition.id}@${flow.definition.version}`);
      },
    });
    const run = await continueWhileDue(context, started, options.waitUpTo);
    return report(run, await context.store.listSteps(run.id), options.json ?? false);
  } finally {
    await context.close();
  }
}

/** How long until a waiting run is due; undefined when it does not wait for a moment. */
export function dueIn(run: RunRecord, now = Date.now()): number | undefined {
  if (run.status !== 'waiting' || !run.waitingUntil) return undefined;
  return new Date(run.waitingUntil).getTime() - now;
}

/** Whether to stay with a run that waits: when it is due within `waitUpToMs`; never with 0, which leaves every wait to `staffwire serve`. */
export function staysFor(run: RunRecord, waitUpToMs: number): boolean {
  const delay = dueIn(run);
  return delay !== undefined && waitUpToMs > 0 && delay <= waitUpToMs;
}

/** Stays with a run in this process while it parks on waits due within `waitUpToMs`, continuing it each time. */
export async function continueWhileDue(context: CliContext, run: RunRecord, waitUpToMs: number): Promise<RunRecord> {
  while (staysFor(run, waitUpToMs)) {
    await sleep(Math.max(0, dueIn(run)!));
    run = await context.engine.executeRun(run.id);
  }
  return run;
}

function report(run: RunRecord, steps: Parameters<typeof timeline>[0], json: boolean): number {
  if (json) {
    console.log(JSON.stringify({ ...run, steps: timeline(steps) }, null, 2));
  } else {
    console.log(runLine(run));
    if (run.status === 'succeeded') console.log(JSON.stringify(run.output, null, 2));
    if (run.status === 'waiting') {
      console.log(
        run.waitingUntil
          ? `waits until ${run.waitingUntil}; \`staffwire serve\` continues it then, or \`staffwire runs resume\` once it is due`
          : 'waits for an event; `staffwire serve` continues it when one arrives',
      );
    }
    if (run.error) console.error(`error ${run.error.code} at ${run.error.step || 'the run'}: ${run.error.message}`);
  }
  return run.status === 'failed' || run.status === 'cancelled' ? 1 : 0;
}

export { report as reportRun };
