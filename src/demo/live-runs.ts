import type { Store } from '../store/store.js';
import type { StepRecord } from '../store/records.js';
import { duration, status } from '../cli/format.js';
import { progressText } from '../cli/step-printer.js';
import type { SyncCounts } from '../engine/steps/sync/sync-execution.js';

/**
 * Prints each step of every run as it finishes — time, flow, step, status, duration — whichever
 * process part started the run (a webhook, a schedule, the demo itself), and a sync's counts
 * when it ends. Lines come out in the order their checkpoints were written.
 */
export class LiveRuns {
  private readonly flows = new Map<string, Promise<string>>();
  private printing: Promise<void> = Promise.resolve();
  private store: Store | undefined;

  constructor(private readonly write: (line: string) => void = (line) => console.log(line)) {}

  /** Where run records are read from, once the app is up (checkpoints may come before). */
  attach(store: Store): void {
    this.store = store;
  }

  /** For the app's onCheckpoint. */
  readonly onCheckpoint = (step: StepRecord): void => {
    if (step.status === 'running') return;
    const flow = this.flowOf(step.runId);
    this.printing = this.printing.then(async () => this.write(line(await flow, step)));
  };

  /** Resolves when every line asked for so far is out. */
  flushed(): Promise<void> {
    return this.printing;
  }

  private flowOf(runId: string): Promise<string> {
    let flow = this.flows.get(runId);
    if (!flow) {
      flow = (this.store?.getRun(runId) ?? Promise.resolve(undefined)).then((run) => run?.flowId ?? '?', () => '?');
      this.flows.set(runId, flow);
    }
    return flow;
  }
}

function line(flowId: string, step: StepRecord): string {
  const at = (step.finishedAt ?? step.updatedAt).slice(11, 19);
  const mark = step.status === 'succeeded' ? '✓' : step.status === 'failed' ? '✗' : step.status === 'waiting' ? '…' : '·';
  const counts = (step.state?.sync as { counts?: SyncCounts } | undefined)?.counts;
  const detail = step.error && step.status !== 'succeeded' ? `  ${step.error.code}: ${step.error.message}` : counts ? `  ${progressText(counts)}` : '';
  return `  ${at}  ${flowId.padEnd(33)} ${mark} ${status(step.status)} ${step.path.padEnd(22)} ${duration(step.startedAt, step.finishedAt ?? step.updatedAt).padStart(6)}${detail}`;
}
