import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock, Sleep } from './clock.js';

/** Waiting in real time: the default of whatever takes a Sleep. */
export const realSleep: Sleep = (ms, signal) => sleep(Math.max(0, ms), undefined, signal ? { signal } : undefined);

/** Node's timers are limited to about 24.8 days; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The machine's clock. Its timers never keep the process alive on their own. */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return realSleep(ms, signal);
  }

  schedule(callback: () => void, ms: number): () => void {
    let timer: NodeJS.Timeout;
    const arm = (left: number) => {
      timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : callback()), Math.min(Math.max(0, left), MAX_TIMER_MS));
      timer.unref();
    };
    arm(ms);
    return () => clearTimeout(timer);
  }
}
