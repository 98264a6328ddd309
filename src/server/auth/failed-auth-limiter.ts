/**
 * Counts failed authentications per client address in fixed windows. Once an address has failed
 * `max` times in a window, every request from it is refused until the window ends, a right token
 * included: otherwise a guesser would still learn which guess was right. @fastify/rate-limit
 * counts every request it sees and cannot be asked without counting, so this one is kept here.
 */
export class FailedAuthLimiter {
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();

  constructor(
    private readonly options: { max: number; windowMs: number; now?: () => number; maxAddresses?: number },
  ) {}

  /** Milliseconds until the address may try again, or 0 when it may now. */
  blockedFor(address: string): number {
    const window = this.current(address);
    if (!window || window.failures < this.options.max) return 0;
    return window.endsAt - this.now();
  }

  recordFailure(address: string): void {
    const window = this.current(address);
    if (window) {
      window.failures++;
      return;
    }
    if (this.windows.size >= (this.options.maxAddresses ?? 100_000)) this.dropEnded();
    this.windows.set(address, { failures: 1, endsAt: this.now() + this.options.windowMs });
  }

  private current(address: string): { failures: number; endsAt: number } | undefined {
    const window = this.windows.get(address);
    if (window && window.endsAt <= this.now()) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }

  private dropEnded(): void {
    const now = this.now();
    for (const [address, window] of this.windows) if (window.endsAt <= now) this.windows.delete(address);
    // Still full of live windows: forget the oldest rather than grow without bound.
    for (const address of this.windows.keys()) {
      if (this.windows.size < (this.options.maxAddresses ?? 100_000)) break;
      this.windows.delete(address);
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
