import type { Suspension } from '../store/records.js';

/**
 * Not a failure: steps ask to park the run until what they wait for happens (a moment, a child
 * run's end). The suspension is data the engine records with the run, in the same write as its
 * checkpoints, so any process can tell what would wake it; the worker is freed.
 */
export class WaitSignal extends Error {
  constructor(readonly waits: readonly Suspension[]) {
    super(`waiting for ${waits.map(describe).join(', ')}`);
    this.name = 'WaitSignal';
  }

  /** The earliest deadline of what it waits for; none when only an event can end the wait. */
  get until(): Date | undefined {
    const deadlines = this.waits.flatMap((w) => (w.until === undefined ? [] : [w.until])).sort();
    return deadlines[0] === undefined ? undefined : new Date(deadlines[0]);
  }

  /** Several branches waiting at once wait for everything any of them waits for. */
  static all(signals: readonly WaitSignal[]): WaitSignal {
    return new WaitSignal(signals.flatMap((s) => s.waits));
  }
}

function describe(wait: Suspension): string {
  switch (wait.kind) {
    case 'moment':
      return `${wait.reason} of ${wait.step} until ${wait.until}`;
    case 'child':
      return `sub-flow run ${wait.runId}`;
    case 'event':
      return `${wait.type} from ${wait.connection} with ${wait.path} = ${wait.value}${wait.until ? ` until ${wait.until}` : ''}`;
  }
}
