import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';

export interface PollingLoopOptions {
  /** One look at the store and what it does about what it found. */
  pass: () => Promise<void>;
  /** How long after a pass to look again; `failed` says the pass threw (the loop then waits its longest). */
  nextDelayMs: (failed: boolean) => Promise<number>;
  clock: Clock;
  log: Logger;
  /** The warning logged when a pass throws, e.g. `could not fire due schedules`; "trying again" is added. */
  failure: string;
}

/**
 * The loop every background task runs: a pass now when asked (a pass asked for while one is
 * under way runs once more after it, never twice at once), then a timer for the next look. A
 * pass that throws is logged and tried again at the next look, so a store that fails for a while
 * never stops the task. Stopping cancels the timer and waits for the pass under way.
 */
export class PollingLoop {
  private active = false;
  private current: Promise<void> | undefined;
  private again = false;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly options: PollingLoopOptions) {}

  /** Whether the loop runs: a pass checks it between items of work, to stop promptly. */
  get running(): boolean {
    return this.active;
  }

  start(): Promise<void> {
    this.active = true;
    return this.poll();
  }

  async stop(): Promise<void> {
    this.active = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.current;
  }

  /** A pass now, or once more after the one under way. */
  poll(): Promise<void> {
    if (!this.active) return Promise.resolve();
    if (this.current) {
      this.again = true;
      return this.current;
    }
    this.current = (async () => {
      let failed = false;
      try {
        do {
          this.again = false;
          await this.options.pass();
        } while (this.again && this.active);
      } catch (err) {
        failed = true;
        this.options.log.warn({ err: (err as Error).message }, `${this.options.failure}; trying again`);
      } finally {
        this.current = undefined;
        await this.arm(failed);
      }
    })();
    return this.current;
  }

  private async arm(failed: boolean): Promise<void> {
    if (!this.active) return;
    const delay = await this.options.nextDelayMs(failed);
    if (!this.active) return;
    this.cancelTimer?.();
    this.cancelTimer = this.options.clock.schedule(() => {
      this.cancelTimer = undefined;
      void this.poll();
    }, delay);
  }
}
