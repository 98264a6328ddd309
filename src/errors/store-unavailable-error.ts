/** What kept the store from being read or written; `store.unreachable`: its database server could not be connected to. */
export type StoreProblem = 'store.busy' | 'store.readonly' | 'store.lost' | 'store.full' | 'store.io' | 'store.unreachable';

/**
 * The store could not be used: locked by another process too long, read-only, deleted under us,
 * out of disk, its database server unreachable. Never a step's failure: a run that meets it stops
 * where it is, interrupted, and is continued once the store works again (`staffwire runs resume`).
 */
export class StoreUnavailableError extends Error {
  constructor(
    readonly code: StoreProblem,
    message: string,
    /** The database the problem is about (a file path, or a server address). */
    readonly location: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
