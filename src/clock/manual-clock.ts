import type { Clock } from './clock.js';

interface Pending {
  at: number;
  order: number;
  callback: () => void;
}

/**
 * A clock that moves only when told, for tests and benchmarks: `advance` fires what falls due,
 * in time order, letting each callback's promises settle before the next. `sleep` is time that
 * passes: it moves the clock itself, so retries and back-offs never wait for anyone.
 */
export class ManualClock implements Clock {
  private ms: number;
  private pending: Pending[] = [];
  private order = 0;

  constructor(start: Date | string = '2030-01-01T00:00:00.000Z') {
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** The moment `ms` from now, as timestamps are stored. */
  iso(ms = 0): string {
    return new Date(this.ms + ms).toISOString();
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.advance(ms);
    signal?.throwIfAborted();
  }

  schedule(callback: () => void, ms: number): () => void {
    const entry = { at: this.ms + Math.max(0, ms), order: this.order++, callback };
    this.pending.push(entry);
    return () => {
      this.pending = this.pending.filter((p) => p !== entry);
    };
  }

  /**
   * Moves time forward by `ms`, firing every callback that falls due on the way. `settled`, when
   * given, is waited for after each callback (e.g. the background tasks finishing the pass it
   * started), so that the clock never moves on while that work still reads the time.
   */
  async advance(ms: number, settled?: () => Promise<unknown>): Promise<void> {
    const target = this.ms + Math.max(0, ms);
    for (;;) {
      const next = this.pending.filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.ms = Math.max(this.ms, next.at);
      next.callback();
      await settle();
      if (settled) await settled();
    }
    this.ms = target;
  }

  /** Moves time to `at` (never backwards). */
  advanceTo(at: Date | string): Promise<void> {
    return this.advance(new Date(at).getTime() - this.ms);
  }

  /** How many callbacks are waiting for their moment. */
  get scheduled(): number {
    return this.pending.length;
  }
}

/** Lets promise chains started by a callback run before the next one fires. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
