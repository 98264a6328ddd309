import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import type { BackgroundTask } from './create-app.js';

export interface PollingTaskOptions {
  clock: Clock;
  log: Logger;
  /** The warning logged when a pass throws, e.g. `could not fire due schedules`; "trying again" is added. */
  failure: string;
}

/**
 * The loop every background task runs, as a base class: a pass now when asked (a pass asked for while one is
 * under way runs once more after it, never twice at once), then a timer for the next look. A
 * pass that throws is logged and tried again at the next look, so a store that fails for a while
 * never stops the task. Stopping cancels the timer and waits for the pass under way.
 */
export abstract class PollingTask implements BackgroundTask {
  private active = false;
  private current: Promise<void> | undefined;
  /** The pass under way and the arming of the timer after it. */
  private looking: Promise<void> | undefined;
  private again = false;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly settings: PollingTaskOptions) {}

  /** One look at the store and what it does about what it found. */
  protected abstract pass(): Promise<void>;

  /** How long after a pass to look again; `failed` says the pass threw (the task then waits its longest). */
  protected abstract nextDelayMs(failed: boolean): Promise<number>;

  /** Whether the task runs: a pass checks it between items of work, to stop promptly. */
  protected get running(): boolean {
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

  /** Resolves once no pass is under way: for a test that moves a manual clock and waits for what that set off. */
  async settled(): Promise<void> {
    while (this.looking) await this.looking;
  }

  /** A pass now, or once more after the one under way. */
  poll(): Promise<void> {
    if (!this.active) return Promise.resolve();
    if (this.current) {
      this.again = true;
      return this.current;
    }
    let looking: Promise<void> | undefined;
    looking = (async () => {
      let failed = false;
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && this.active);
      } catch (err) {
        failed = true;
        this.settings.log.warn({ err: (err as Error).message }, `${this.settings.failure}; trying again`);
      } finally {
        this.current = undefined;
        await this.arm(failed);
        if (this.looking === looking) this.looking = undefined;
      }
    })();
    this.current = looking;
    this.looking = looking;
    return looking;
  }

  private async arm(failed: boolean): Promise<void> {
    if (!this.active) return;
    const delay = await this.nextDelayMs(failed);
    if (!this.active) return;
    this.cancelTimer?.();
    this.cancelTimer = this.settings.clock.schedule(() => {
      this.cancelTimer = undefined;
      void this.poll();
    }, delay);
  }
}
