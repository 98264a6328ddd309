import type { CronSchedule } from './cron-schedule.js';

/** Ticks one look may fire at most, so a seconds-level cron found long after cannot flood a pass. */
const MAX_TICKS_PER_LOOK = 100;

/** What to do with a cron trigger's ticks at one look, from what was handled before and the time now. */
export interface TickDecision {
  /** Ticks to fire now, earliest first. */
  fire: Date[];
  /** The latest tick that passed unhandled while no process ran, when there is one: missed. */
  latestMissed: Date | undefined;
  /** Every tick up to this moment is handled once `fire` has fired: `now`, or the last tick fired when a look could not take them all. */
  handledThrough: Date;
}

/**
 * Decides which ticks fire. Ticks up to `through` were handled (fired or skipped) already. A tick
 * is on time while no more than `graceMs` has passed since it: a live process looks at least every
 * second, so a tick older than that went by while no process ran — missed. On-time ticks always
 * fire. Missed ones follow the trigger's policy: `skip` fires none of them; `once` fires the latest
 * of them, unless an on-time tick fires anyway (that one is then the latest).
 */
export function ticksToFire(schedule: CronSchedule, through: Date, now: Date, graceMs: number, missed: 'skip' | 'once'): TickDecision {
  const onTimeFrom = now.getTime() - graceMs;
  const fire: Date[] = [];
  let tick = schedule.next(new Date(Math.max(through.getTime(), onTimeFrom - 1)));
  while (tick && tick.getTime() <= now.getTime() && fire.length < MAX_TICKS_PER_LOOK) {
    fire.push(tick);
    tick = schedule.next(tick);
  }
  const capped = fire.length === MAX_TICKS_PER_LOOK && tick !== undefined && tick.getTime() <= now.getTime();
  let latestMissed: Date | undefined;
  if (through.getTime() < onTimeFrom - 1) {
    const candidate = schedule.latestAtOrBefore(new Date(onTimeFrom - 1));
    if (candidate && candidate.getTime() > through.getTime()) latestMissed = candidate;
  }
  if (missed === 'once' && latestMissed && fire.length === 0) fire.push(latestMissed);
  return { fire, latestMissed, handledThrough: capped ? fire[fire.length - 1]! : now };
}
