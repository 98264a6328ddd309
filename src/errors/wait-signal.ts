/**
 * Not a failure: a step asks to park the run until a moment (a wait step, a long retry
 * back-off, a sub-flow that is itself waiting). The engine records the timer and frees the worker.
 */
export class WaitSignal extends Error {
  readonly until: Date;

  constructor(until: Date, reason: string) {
    super(`waiting until ${until.toISOString()} (${reason})`);
    this.name = 'WaitSignal';
    this.until = until;
  }
}
