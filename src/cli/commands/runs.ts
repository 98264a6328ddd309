import { RUN_STATUSES, type RunStatus } from '../../store/records.js';
import { UsageError } from '../../errors/index.js';
import { createContext } from '../context.js';
import { journalLine, runLine, stepLine, timeline } from '../format.js';
import { reportRun } from './run.js';

interface Common {
  config?: string;
  json?: boolean;
}

export async function runsListCommand(options: Common & { flow?: string; status?: string; limit: string }): Promise<number> {
  const statuses = options.status?.split(',').map((s) => s.trim());
  const unknown = statuses?.filter((s) => !RUN_STATUSES.includes(s as RunStatus)) ?? [];
  if (unknown.length > 0) throw new UsageError(`unknown status ${unknown.join(', ')} (statuses: ${RUN_STATUSES.join(', ')})`);
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, got "${options.limit}"`);
  const context = await createContext({ ...(options.config ? { configFile: options.config } : {}), readonly: true });
  try {
    const runs = await context.store.listRuns({
      ...(options.flow ? { flowId: options.flow } : {}),
      ...(statuses ? { status: statuses as RunStatus[] } : {}),
      limit,
    });
    if (options.json) console.log(JSON.stringify(runs, null, 2));
    else if (runs.length === 0) console.log('no runs');
    else for (const run of runs) console.log(runLine(run));
    return 0;
  } finally {
    await context.close();
  }
}

export async function runsShowCommand(id: string, options: Common): Promise<number> {
  const context = await createContext({ ...(options.config ? { configFile: options.config } : {}), readonly: true });
  try {
    const run = await context.store.getRun(id);
    if (!run) throw new UsageError(`no run with id ${id}`);
    const journal = await context.store.listJournal(id);
    if (options.json) {
      console.log(JSON.stringify({ ...run, steps: timeline(await context.store.listSteps(id)), journal }, null, 2));
      return 0;
    }
    console.log(runLine(run));
    if (run.parentRunId) console.log(`  sub-flow of ${run.parentRunId} (step ${run.parentStepPath})`);
    // Where each step stands, then how it got there.
    for (const step of timeline(await context.store.listSteps(id))) console.log(stepLine(step));
    if (journal.length > 0) {
      console.log(`history (created ${run.createdAt}${run.createdBy ? ` by ${run.createdBy}` : ''}):`);
      for (const entry of journal) console.log(journalLine(entry));
    }
    if (run.status === 'succeeded') console.log(JSON.stringify(run.output, null, 2));
    if (run.status === 'waiting') console.log(run.waitingUntil ? `waits until ${run.waitingUntil}` : 'waits for an event');
    if (run.error) console.log(`error ${run.error.code} at ${run.error.step || 'the run'}: ${run.error.message}`);
    return 0;
  } finally {
    await context.close();
  }
}

/** Retries a failed run from its failed step, in this process. */
export async function runsRetryCommand(id: string, options: Common): Promise<number> {
  const context = await createContext({
    ...(options.config ? { configFile: options.config } : {}),
    ...(options.json ? {} : { onCheckpoint: (s) => s.status !== 'running' && console.log(stepLine(s)) }),
  });
  try {
    await context.engine.retryRun(id, { actor: 'cli' });
    const run = await context.engine.executeRun(id);
    return reportRun(run, await context.store.listSteps(id), options.json ?? false);
  } finally {
    await context.close();
  }
}

/** Continues runs a stopped process left behind, and waiting runs that are due. */
export async function runsResumeCommand(options: Common): Promise<number> {
  const context = await createContext(options.config ? { configFile: options.config } : {});
  try {
    const interrupted = await context.engine.interruptedRuns();
    const results = await Promise.all(
      interrupted.map((runId) => context.runtime.submit(runId)),
    );
    if (options.json) console.log(JSON.stringify(results, null, 2));
    else if (results.length === 0) console.log('no interrupted runs');
    else for (const run of results) console.log(runLine(run));
    return results.some((r) => r.status === 'failed') ? 1 : 0;
  } finally {
    await context.close();
  }
}

export async function runsCancelCommand(id: string, options: Common): Promise<number> {
  const context = await createContext(options.config ? { configFile: options.config } : {});
  try {
    const run = await context.engine.cancelRun(id, { actor: 'cli' });
    console.log(options.json ? JSON.stringify(run, null, 2) : runLine(run));
    return 0;
  } finally {
    await context.close();
  }
}
