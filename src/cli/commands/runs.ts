import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../../errors/index.js';
import { RUN_STATUSES, TERMINAL_STATUSES, type StepRecord } from '../../store/records.js';
import { ApiAnswerError, type ApiClient } from '../api-client.js';
import { createContext } from '../context.js';
import { journalLine, runLine, stepLine, timeline } from '../format.js';
import { stepPrinter } from '../step-printer.js';
import { limitOption, listOption, momentOption, printChanged, printList, serverOf, withOperations, type TargetOptions } from '../open-operations.js';
import { remoteOperations } from '../remote-operations.js';
import { continueWhileDue, reportRun, staysFor } from './run.js';

interface Common extends TargetOptions {
  json?: boolean;
}

export interface RunsListOptions extends Common {
  flow?: string;
  status?: string;
  from?: string;
  to?: string;
  businessKey?: string;
  limit: string;
}

export async function runsListCommand(options: RunsListOptions): Promise<number> {
  const status = listOption(options.status, { one: 'status', many: 'statuses' }, RUN_STATUSES);
  const limit = limitOption(options.limit);
  const from = momentOption(options.from, '--from');
  const to = momentOption(options.to, '--to');
  const runs = await withOperations(options, { write: false }, (operations) =>
    operations.listRuns({
      ...(options.flow ? { flowId: options.flow } : {}),
      ...(status ? { status } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(options.businessKey ? { businessKey: options.businessKey } : {}),
      limit,
    }),
  );
  printList(runs, options.json, 'no runs', runLine);
  return 0;
}

export async function runsShowCommand(id: string, options: Common): Promise<number> {
  const detail = await withOperations(options, { write: false }, (operations) => operations.getRun(id));
  if (!detail) throw new UsageError(`no run with id ${id}`);
  const { run, steps, journal } = detail;
  if (options.json) {
    console.log(JSON.stringify({ ...run, steps: timeline(steps), journal }, null, 2));
    return 0;
  }
  console.log(runLine(run));
  if (run.parentRunId) console.log(`  sub-flow of ${run.parentRunId} (step ${run.parentStepPath})`);
  // Where each step stands, then how it got there.
  for (const step of timeline(steps)) console.log(stepLine(step));
  if (journal.length > 0) {
    console.log(`history (created ${run.createdAt}${run.createdBy ? ` by ${run.createdBy}` : ''}):`);
    for (const entry of journal) console.log(journalLine(entry));
  }
  if (run.status === 'succeeded') console.log(JSON.stringify(run.output, null, 2));
  if (run.status === 'waiting') console.log(run.waitingUntil ? `waits until ${run.waitingUntil}` : 'waits for an event');
  if (run.error) console.log(`error ${run.error.code} at ${run.error.step || 'the run'}: ${run.error.message}`);
  return 0;
}

export interface RunsRetryOptions extends Common {
  /** Stay and continue the run when it parks on a wait due within this many milliseconds (`--wait-up-to`). */
  waitUpTo: number;
}

/**
 * Retries a failed run from its failed step: in this process, or by the server with `--server`
 * (which then executes it; this command follows it). Either way it prints a line per step as
 * it finishes and stays while the run waits up to `--wait-up-to` seconds.
 */
export async function runsRetryCommand(id: string, options: RunsRetryOptions): Promise<number> {
  const client = serverOf(options);
  if (client) return retryOnServer(client, id, options.waitUpTo, options.json ?? false);
  const context = await createContext({
    ...(options.config ? { configFile: options.config } : {}),
    ...(options.json ? {} : { onCheckpoint: stepPrinter() }),
  });
  try {
    await context.engine.retryRun(id, { actor: 'cli' });
    const run = await continueWhileDue(context, await context.engine.executeRun(id), options.waitUpTo);
    return reportRun(run, await context.store.listSteps(id), options.json ?? false);
  } finally {
    await context.close();
  }
}

/** How often a retry on a server is looked at while it runs. */
const FOLLOW_EVERY_MS = 200;

async function retryOnServer(client: ApiClient, id: string, waitUpToMs: number, json: boolean): Promise<number> {
  const operations = remoteOperations(client);
  const before = await operations.getRun(id);
  if (!before) throw new UsageError(`no run with id ${id}`);
  // Steps are printed once each time their checkpoint changes, as the local retry prints them as written.
  const printed = new Map<string, string>(before.steps.map((s) => [s.path, stamp(s)]));
  await client.call('POST', `/api/v1/runs/${encodeURIComponent(id)}/retry`).catch((err: unknown) => {
    throw err instanceof ApiAnswerError ? err.asLocalError() : err;
  });
  for (;;) {
    const detail = await operations.getRun(id);
    if (!detail) throw new UsageError(`no run with id ${id}`);
    if (!json) {
      for (const step of timeline(detail.steps)) {
        if (step.status === 'running' || printed.get(step.path) === stamp(step)) continue;
        printed.set(step.path, stamp(step));
        console.log(stepLine(step));
      }
    }
    const run = detail.run;
    const settled = TERMINAL_STATUSES.includes(run.status) || (run.status === 'waiting' && !staysFor(run, waitUpToMs));
    if (settled) return reportRun(run, detail.steps, json);
    await sleep(FOLLOW_EVERY_MS);
  }
}

function stamp(step: StepRecord): string {
  return `${step.status}:${step.attempts}:${step.updatedAt}`;
}

/** Continues runs a stopped process left behind, and waiting runs that are due. */
export async function runsResumeCommand(options: Common): Promise<number> {
  if (serverOf(options)) {
    throw new UsageError('a running `staffwire serve` resumes interrupted runs and continues due waits by itself; `runs resume` works on the local store (drop --server and STAFFWIRE_SERVER)');
  }
  const context = await createContext({ ...(options.config ? { configFile: options.config } : {}), ...(options.json ? {} : { onCheckpoint: stepPrinter() }) });
  try {
    const interrupted = await context.engine.interruptedRuns();
    const results = await Promise.all(interrupted.map((runId) => context.runtime.submit(runId)));
    if (options.json) console.log(JSON.stringify(results, null, 2));
    else if (results.length === 0) console.log('no interrupted runs');
    else for (const run of results) console.log(runLine(run));
    return results.some((r) => r.status === 'failed') ? 1 : 0;
  } finally {
    await context.close();
  }
}

export async function runsCancelCommand(id: string, options: Common): Promise<number> {
  const run = await withOperations(options, { write: true }, (operations) => operations.cancelRun(id));
  return printChanged(run, options.json, runLine);
}
