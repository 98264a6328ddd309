/**
 * A `return` step ends the run from any depth with this output. Internal to the engine, thrown
 * on every run that returns: not an Error, so no stack trace is captured for it.
 */
export class ReturnSignal {
  constructor(readonly output: unknown) {}
}

/** The run was cancelled while it executed. */
export class CancelledSignal extends Error {
  constructor() {
    super('run cancelled');
    this.name = 'CancelledSignal';
  }
}
