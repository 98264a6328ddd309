import type { RunRecord } from '../../store/records.js';
import { createContext } from '../context.js';
import { runLine, stepLine, timeline } from '../format.js';
import { loadFlow } from './load-flow.js';
import { readInput } from './read-input.js';

export interface RunOptions {
  input?: string;
  json?: boolean;
  config?: string;
  /** Stay and continue a waiting run when it is due within this many seconds. */
  waitUpTo: string;
}

/** Runs one flow in this process: a line per step as it finishes, then the output. */
export async function runCommand(target: string, options: RunOptions): Promise<number> {
  const input = readInput(options.input);
  const printStep = options.json ? undefined : (step: Parameters<typeof stepLine>[0]) => {
    if (step.status !== 'running') console.log(stepLine(step));
  };
  const context = await createContext({ ...(options.config ? { configFile: options.config } : {}), ...(printStep ? { onCheckpoint: printStep } : {}) });
  try {
    const flow = loadFlow(context, target);
    const waitUpToMs = Number(options.waitUpTo) * 1000;
    // The id is printed once the run exists: input the flow refuses creates no run.
    let run = await context.engine.runNow(flow, input, {
      actor: 'cli',
      onCreated: (created) => {
        if (!options.json) console.log(`run ${created.id}  ${flow.definition.id}@${flow.definition.version}`);
      },
    });
    for (;;) {
      if (run.status !== 'waiting' || !run.waitingUntil) break;
      const delay = new Date(run.waitingUntil).getTime() - Date.now();
      if (delay > waitUpToMs) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, delay)));
      run = await context.engine.executeRun(run.id);
    }
    return report(run, await context.store.listSteps(run.id), options.json ?? false);
  } finally {
    await context.close();
  }
}

function report(run: RunRecord, steps: Parameters<typeof timeline>[0], json: boolean): number {
  if (json) {
    console.log(JSON.stringify({ ...run, steps: timeline(steps) }, null, 2));
  } else {
    console.log(runLine(run));
    if (run.status === 'succeeded') console.log(JSON.stringify(run.output, null, 2));
    if (run.status === 'waiting') {
      console.log(`waits until ${run.waitingUntil}; \`staffwire serve\` continues it then, or \`staffwire runs resume\` once it is due`);
    }
    if (run.error) console.error(`error ${run.error.code} at ${run.error.step || 'the run'}: ${run.error.message}`);
  }
  return run.status === 'failed' || run.status === 'cancelled' ? 1 : 0;
}

export { report as reportRun };
