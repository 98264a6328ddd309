import { Cron } from 'croner';
import { IANAZone } from 'luxon';

/** Longer than any clock change a zone makes at once, so a look back this far starts before it. */
const LOOK_BACK_MS = 3 * 3_600_000;
/** Steps taken past croner's answers that are not after the reference: a repeated hour of a seconds cron at most. */
const MAX_STEPS = 10_000;

/**
 * A cron expression read in an IANA time zone, computed by croner, with the answers croner gets
 * wrong around clock changes put right:
 * - A wall time a spring-forward skips fires shifted by the gap, as croner does when asked from
 *   before the gap (`30 2 * * *` fires at 03:30 PDT on 2024-03-10 in America/Los_Angeles). Asked
 *   from inside the hour after the change, croner no longer sees that tick; this asks again from
 *   just before the change.
 * - A wall time a fall-back repeats fires once, at its first occurrence (01:30 PDT, not 01:30 PST,
 *   on 2024-11-03). Asked from inside the repeated hour, croner answers with that first occurrence,
 *   a moment already past, and looking back it skips that day; this steps on from croner's answer.
 */
export class CronSchedule {
  private readonly cron: Cron;
  private readonly zone: IANAZone;

  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    this.cron = new Cron(expression, { timezone: timeZone, paused: true });
    this.zone = IANAZone.create(timeZone);
  }

  /** The first tick strictly after `after`. */
  next(after: Date): Date | undefined {
    let found = this.firstAfter(after, after);
    const change = this.springForwardJustBefore(after.getTime());
    if (change !== undefined) {
      const shifted = this.firstAfter(new Date(change - 2000), after);
      if (shifted && (!found || shifted < found)) found = shifted;
    }
    return found;
  }

  /** The latest tick at or before `at`. */
  latestAtOrBefore(at: Date): Date | undefined {
    // croner strips milliseconds and looks strictly before its reference: ask from a second later.
    let latest = this.cron.previousRuns(2, new Date(at.getTime() + 1000)).find((tick) => tick.getTime() <= at.getTime());
    if (!latest) return undefined;
    // Then forward, for the ticks croner's look back skips around a change.
    for (let tick = this.next(latest), steps = 0; tick && tick.getTime() <= at.getTime() && steps < MAX_STEPS; tick = this.next(tick), steps++) latest = tick;
    return latest;
  }

  /** The first tick after `bound`, asking croner from `from` (at or before `bound`) and stepping on. */
  private firstAfter(from: Date, bound: Date): Date | undefined {
    let tick = this.cron.nextRun(from);
    for (let steps = 0; tick && tick.getTime() <= bound.getTime(); steps++) {
      if (steps === MAX_STEPS) return undefined;
      tick = this.cron.nextRun(tick);
    }
    return tick ?? undefined;
  }

  /**
   * The moment clocks last sprang forward, when `at` is within the length of that jump after it
   * (where croner can lose the ticks the jump shifted); undefined otherwise, which is nearly always.
   */
  private springForwardJustBefore(at: number): number | undefined {
    const before = this.zone.offset(at - LOOK_BACK_MS);
    const now = this.zone.offset(at);
    if (now <= before) return undefined;
    let low = at - LOOK_BACK_MS;
    let high = at;
    while (high - low > 1000) {
      const middle = Math.floor((low + high) / 2);
      if (this.zone.offset(middle) === before) low = middle;
      else high = middle;
    }
    return at - high <= (now - before) * 60_000 ? high : undefined;
  }
}
