import type { ErrorRecord } from '../store/records.js';

/** A step failed for good (retries exhausted or not retryable); carries what was recorded. */
export class StepFailedError extends Error {
  constructor(readonly record: ErrorRecord) {
    super(record.message);
    this.name = 'StepFailedError';
  }
}
