import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Client-side token bucket per connection, so a burst of runs stays under a vendor's documented
 * limit instead of collecting 429s. `acquire` resolves when a request may go.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly perMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = limit;
    this.last = now();
  }

  acquire(signal?: AbortSignal): Promise<void> {
    // Requests queue in arrival order so none starves.
    const turn = this.queue.then(() => this.take(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.now();
      this.tokens = Math.min(this.limit, this.tokens + ((now - this.last) * this.limit) / this.perMs);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) * this.perMs) / this.limit), undefined, signal ? { signal } : undefined);
    }
  }
}
