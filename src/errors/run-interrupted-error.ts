import type { StoreUnavailableError } from './store-unavailable-error.js';

/**
 * A run stopped because the store could not be written: it is neither failed nor lost. Its last
 * durable checkpoint stands, and `staffwire runs resume` continues it with the same idempotency
 * keys once the store works again.
 */
export class RunInterruptedError extends Error {
  constructor(
    readonly runId: string,
    override readonly cause: StoreUnavailableError,
  ) {
    super(`run ${runId} was interrupted: ${cause.message}`);
    this.name = 'RunInterruptedError';
  }
}
