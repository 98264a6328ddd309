/** A `return` step ends the run from any depth with this output. Internal to the engine. */
export class ReturnSignal extends Error {
  constructor(readonly output: unknown) {
    super('flow returned');
    this.name = 'ReturnSignal';
  }
}

/** The run was cancelled while it executed. */
export class CancelledSignal extends Error {
  constructor() {
    super('run cancelled');
    this.name = 'CancelledSignal';
  }
}
