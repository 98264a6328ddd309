import { describe, expect, it } from 'vitest';
import { CronSchedule } from '../../src/scheduler/cron-schedule.js';
import { ticksToFire } from '../../src/scheduler/cron-ticks.js';

const GRACE = 60_000;

describe('ticksToFire', () => {
  // [case, schedule, timeZone, through, now, missed, fire, latestMissed]
  const table: [string, string, string, string, string, 'skip' | 'once', string[], string | undefined][] = [
    ['nothing due yet', '0 9 * * *', 'UTC', '2030-01-01T08:00:00.000Z', '2030-01-01T08:59:59.999Z', 'skip', [], undefined],
    ['a tick at the moment of the look', '0 9 * * *', 'UTC', '2030-01-01T08:59:59.000Z', '2030-01-01T09:00:00.000Z', 'skip', ['2030-01-01T09:00:00.000Z'], undefined],
    ['a tick found a little late is on time', '0 9 * * *', 'UTC', '2030-01-01T08:59:59.000Z', '2030-01-01T09:00:59.000Z', 'skip', ['2030-01-01T09:00:00.000Z'], undefined],
    ['a tick handled already does not fire again', '0 9 * * *', 'UTC', '2030-01-01T09:00:00.000Z', '2030-01-01T09:00:30.000Z', 'skip', [], undefined],
    ['a tick at `through` counts as handled', '0 9 * * *', 'UTC', '2030-01-01T09:00:00.000Z', '2030-01-01T09:00:00.500Z', 'once', [], undefined],
    ['missed ticks are skipped', '0 * * * *', 'UTC', '2030-01-01T00:30:00.000Z', '2030-01-01T05:30:00.000Z', 'skip', [], '2030-01-01T05:00:00.000Z'],
    ['missed ticks fire once, for the latest', '0 * * * *', 'UTC', '2030-01-01T00:30:00.000Z', '2030-01-01T05:30:00.000Z', 'once', ['2030-01-01T05:00:00.000Z'], '2030-01-01T05:00:00.000Z'],
    ['a tick older than the grace is missed', '0 9 * * *', 'UTC', '2030-01-01T08:59:00.000Z', '2030-01-01T09:01:00.001Z', 'skip', [], '2030-01-01T09:00:00.000Z'],
    ['with ticks on time, once adds no catch-up', '0 * * * *', 'UTC', '2030-01-01T00:30:00.000Z', '2030-01-01T05:00:10.000Z', 'once', ['2030-01-01T05:00:00.000Z'], '2030-01-01T04:00:00.000Z'],
    ['every on-time tick of a seconds cron fires, in order', '*/10 * * * * *', 'UTC', '2030-01-01T00:00:00.000Z', '2030-01-01T00:00:30.000Z', 'skip', ['2030-01-01T00:00:10.000Z', '2030-01-01T00:00:20.000Z', '2030-01-01T00:00:30.000Z'], undefined],
    ['09:00 in Shanghai is 01:00Z', '0 9 * * *', 'Asia/Shanghai', '2030-01-01T00:00:00.000Z', '2030-01-01T01:00:00.000Z', 'skip', ['2030-01-01T01:00:00.000Z'], undefined],
    ['02:30 skipped by spring-forward in Los Angeles fires at 03:30 PDT', '30 2 * * *', 'America/Los_Angeles', '2024-03-10T09:00:00.000Z', '2024-03-10T10:30:00.000Z', 'skip', ['2024-03-10T10:30:00.000Z'], undefined],
    ['01:30 repeated by fall-back in Los Angeles fires once, at the first', '30 1 * * *', 'America/Los_Angeles', '2024-11-03T08:00:00.000Z', '2024-11-03T09:30:00.000Z', 'skip', [], '2024-11-03T08:30:00.000Z'],
    ['02:30 repeated by fall-back in Auckland fires at the first (NZDT)', '30 2 * * *', 'Pacific/Auckland', '2024-04-06T13:00:00.000Z', '2024-04-06T13:30:00.000Z', 'skip', ['2024-04-06T13:30:00.000Z'], undefined],
  ];

  it.each(table)('%s', (_case, schedule, timeZone, through, now, missed, fire, latestMissed) => {
    const decision = ticksToFire(new CronSchedule(schedule, timeZone), new Date(through), new Date(now), GRACE, missed);
    expect(decision.fire.map((d) => d.toISOString())).toEqual(fire);
    expect(decision.latestMissed?.toISOString()).toBe(latestMissed);
    expect(decision.handledThrough.toISOString()).toBe(now);
  });

  it('takes at most a bounded number of ticks in one look, and says how far it got', () => {
    const decision = ticksToFire(new CronSchedule('* * * * * *', 'UTC'), new Date('2030-01-01T00:00:00.000Z'), new Date('2030-01-01T00:10:00.000Z'), 600_000, 'skip');
    expect(decision.fire).toHaveLength(100);
    expect(decision.handledThrough).toEqual(decision.fire.at(-1));
  });

  it('steps on over a clock change from wherever it is asked', () => {
    // A live process asks often (here every 30 s); through the night of each change in Los Angeles.
    const walk = (expression: string, from: string, to: string) => {
      const schedule = new CronSchedule(expression, 'America/Los_Angeles');
      const fired: string[] = [];
      let through = new Date(from);
      for (let now = through.getTime() + 30_000; now <= Date.parse(to); now += 30_000) {
        const decision = ticksToFire(schedule, through, new Date(now), GRACE, 'skip');
        fired.push(...decision.fire.map((d) => d.toISOString()));
        through = decision.handledThrough;
      }
      return fired;
    };
    expect(walk('30 2 * * *', '2024-03-10T08:00:00.000Z', '2024-03-10T12:00:00.000Z')).toEqual(['2024-03-10T10:30:00.000Z']);
    expect(walk('0 2 * * *', '2024-03-10T08:00:00.000Z', '2024-03-10T12:00:00.000Z')).toEqual(['2024-03-10T10:00:00.000Z']);
    expect(walk('30 1 * * *', '2024-11-03T07:00:00.000Z', '2024-11-03T11:00:00.000Z')).toEqual(['2024-11-03T08:30:00.000Z']);
    expect(walk('*/20 * * * *', '2024-11-03T07:50:00.000Z', '2024-11-03T10:10:00.000Z')).toEqual([
      '2024-11-03T08:00:00.000Z',
      '2024-11-03T08:20:00.000Z',
      '2024-11-03T08:40:00.000Z',
      '2024-11-03T10:00:00.000Z',
    ]);
  });
});

describe('CronSchedule', () => {
  it('finds the next tick strictly after, and the latest at or before, a moment', () => {
    const schedule = new CronSchedule('0 9 * * *', 'UTC');
    expect(schedule.next(new Date('2030-01-01T09:00:00.000Z'))?.toISOString()).toBe('2030-01-02T09:00:00.000Z');
    expect(schedule.next(new Date('2030-01-01T08:59:59.999Z'))?.toISOString()).toBe('2030-01-01T09:00:00.000Z');
    expect(schedule.latestAtOrBefore(new Date('2030-01-01T09:00:00.000Z'))?.toISOString()).toBe('2030-01-01T09:00:00.000Z');
    expect(schedule.latestAtOrBefore(new Date('2030-01-01T08:59:59.999Z'))?.toISOString()).toBe('2029-12-31T09:00:00.000Z');
  });

  it('never answers with a moment already past in a repeated hour, nor loses a tick a gap shifted', () => {
    const repeated = new CronSchedule('30 1 * * *', 'America/Los_Angeles');
    // 09:00Z is 01:00 PST, the second 01:00 of 2024-11-03; croner alone answers 08:30Z.
    expect(repeated.next(new Date('2024-11-03T09:00:00.000Z'))?.toISOString()).toBe('2024-11-04T09:30:00.000Z');
    const shifted = new CronSchedule('30 2 * * *', 'America/Los_Angeles');
    // 10:15Z is 03:15 PDT, after the gap; croner alone answers the next day.
    expect(shifted.next(new Date('2024-03-10T10:15:00.000Z'))?.toISOString()).toBe('2024-03-10T10:30:00.000Z');
    expect(shifted.next(new Date('2024-03-10T10:30:00.000Z'))?.toISOString()).toBe('2024-03-11T09:30:00.000Z');
  });
});
