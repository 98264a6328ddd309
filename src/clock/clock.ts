/**
 * Time as the engine, the runtime and the scheduler see it. One clock is injected everywhere, so
 * tests move time (ManualClock) instead of sleeping, and a 14-day timeout is tested in
 * milliseconds. Expression time limits are not business time and keep to the wall clock.
 */
export interface Clock {
  now(): Date;
  /** Resolves once `ms` have passed on this clock; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `callback` once `ms` have passed on this clock; returns a function that cancels it. */
  schedule(callback: () => void, ms: number): () => void;
}

/** A clock's sleep on its own: what a waiter (a rate limiter, a retry's back-off) is handed. */
export type Sleep = Clock['sleep'];
