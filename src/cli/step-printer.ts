import type { StepRecord } from '../store/records.js';
import type { SyncCounts } from '../engine/steps/sync/sync-execution.js';
import { stepLine } from './format.js';

/** How often a sync's progress is printed when stderr is not a terminal (a log file, CI). */
const LOG_EVERY_MS = 5000;

/**
 * What the CLI prints as a run checkpoints: a line on stdout per step as it finishes, and for a
 * long sync a progress line on stderr — redrawn in place on a terminal, every few seconds
 * otherwise — so stdout stays the run's story and a pipe of it stays clean.
 */
export function stepPrinter(stderr: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): (step: StepRecord) => void {
  let lastLogged = 0;
  let drawn = false;
  return (step) => {
    const counts = (step.state?.sync as { counts?: SyncCounts } | undefined)?.counts;
    if (step.status === 'running') {
      if (!counts) return;
      const line = `  ⟳ ${step.path.padEnd(28)} ${progressText(counts)}`;
      if (stderr.isTTY) {
        stderr.write(`\r${line}\u001b[K`);
        drawn = true;
      } else if (now() - lastLogged >= LOG_EVERY_MS) {
        lastLogged = now();
        stderr.write(`${line}\n`);
      }
      return;
    }
    if (drawn) {
      stderr.write('\r\u001b[K');
      drawn = false;
    }
    console.log(stepLine(step));
  };
}

export function progressText(c: SyncCounts): string {
  const parts = [`read ${c.read.toLocaleString('en')}`, `created ${c.created.toLocaleString('en')}`, `updated ${c.updated.toLocaleString('en')}`, `unchanged ${c.unchanged.toLocaleString('en')}`];
  if (c.deleted > 0) parts.push(`deleted ${c.deleted.toLocaleString('en')}`);
  if (c.marked > 0) parts.push(`marked ${c.marked.toLocaleString('en')}`);
  parts.push(`failed ${c.failed.toLocaleString('en')}`);
  return parts.join(' · ');
}
