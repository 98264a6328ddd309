import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../src/errors/index.js';
import { compileExpression } from '../../src/engine/expressions/expression.js';
import type { Scope } from '../../src/engine/expressions/scope.js';

function evaluate(source: string, input: unknown = {}): Promise<unknown> {
  const scope = { input, steps: {}, run: { id: 'run_test', flowId: 'test', flowVersion: '1', startedAt: '2030-01-01T00:00:00.000Z' } };
  return compileExpression(source).evaluate(scope as unknown as Scope);
}

async function failure(source: string, input: unknown = {}): Promise<ExpressionError> {
  try {
    await evaluate(source, input);
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error(`${source} did not fail`);
}

describe('$zonedInstant', () => {
  // [case, localDate, localTime, timeZone, instant]
  const table: [string, string, string, string, string][] = [
    ['an ordinary winter morning in Los Angeles (PST, -08:00)', '2024-01-15', '09:00', 'America/Los_Angeles', '2024-01-15T17:00:00.000Z'],
    ['an ordinary summer morning in Los Angeles (PDT, -07:00)', '2024-07-15', '09:00', 'America/Los_Angeles', '2024-07-15T16:00:00.000Z'],
    ['seconds are kept', '2024-07-15', '09:00:15', 'America/Los_Angeles', '2024-07-15T16:00:15.000Z'],
    ['the last minute before the spring-forward gap in Los Angeles', '2024-03-10', '01:59', 'America/Los_Angeles', '2024-03-10T09:59:00.000Z'],
    ['02:00 on 2024-03-10 in Los Angeles does not exist: the end of the gap (03:00 PDT)', '2024-03-10', '02:00', 'America/Los_Angeles', '2024-03-10T10:00:00.000Z'],
    ['02:30 on 2024-03-10 in Los Angeles does not exist: the end of the gap (03:00 PDT)', '2024-03-10', '02:30', 'America/Los_Angeles', '2024-03-10T10:00:00.000Z'],
    ['02:59:59 on 2024-03-10 in Los Angeles does not exist: the end of the gap', '2024-03-10', '02:59:59', 'America/Los_Angeles', '2024-03-10T10:00:00.000Z'],
    ['03:00 on 2024-03-10 in Los Angeles, the first moment after the gap', '2024-03-10', '03:00', 'America/Los_Angeles', '2024-03-10T10:00:00.000Z'],
    ['01:30 on 2024-11-03 in Los Angeles exists twice: the earlier (PDT)', '2024-11-03', '01:30', 'America/Los_Angeles', '2024-11-03T08:30:00.000Z'],
    ['01:00 on 2024-11-03 in Los Angeles exists twice: the earlier (PDT)', '2024-11-03', '01:00', 'America/Los_Angeles', '2024-11-03T08:00:00.000Z'],
    ['00:59 on 2024-11-03 in Los Angeles, before the overlap', '2024-11-03', '00:59', 'America/Los_Angeles', '2024-11-03T07:59:00.000Z'],
    ['02:00 on 2024-11-03 in Los Angeles, after the overlap (PST)', '2024-11-03', '02:00', 'America/Los_Angeles', '2024-11-03T10:00:00.000Z'],
    ['Shanghai keeps +08:00 all year (no gap on 2024-03-10)', '2024-03-10', '02:30', 'Asia/Shanghai', '2024-03-09T18:30:00.000Z'],
    ['Shanghai in summer', '2024-07-01', '09:00', 'Asia/Shanghai', '2024-07-01T01:00:00.000Z'],
    ['02:30 on 2024-04-07 in Auckland exists twice: the earlier (NZDT, +13:00)', '2024-04-07', '02:30', 'Pacific/Auckland', '2024-04-06T13:30:00.000Z'],
    ['03:00 on 2024-04-07 in Auckland, after the overlap (NZST, +12:00)', '2024-04-07', '03:00', 'Pacific/Auckland', '2024-04-06T15:00:00.000Z'],
    ['02:30 on 2024-09-29 in Auckland does not exist: the end of the gap (03:00 NZDT)', '2024-09-29', '02:30', 'Pacific/Auckland', '2024-09-28T14:00:00.000Z'],
    ['01:59 on 2024-09-29 in Auckland, before the gap (NZST)', '2024-09-29', '01:59', 'Pacific/Auckland', '2024-09-28T13:59:00.000Z'],
    ['a whole skipped day: 2011-12-30 never happened in Apia', '2011-12-30', '12:00', 'Pacific/Apia', '2011-12-30T10:00:00.000Z'],
    ['24:00 is the start of the next day (an offboarding taking effect at the end of 2024-12-01)', '2024-12-01', '24:00', 'America/New_York', '2024-12-02T05:00:00.000Z'],
    ['24:00:00 is the same', '2024-12-01', '24:00:00', 'America/New_York', '2024-12-02T05:00:00.000Z'],
    ['24:00 across a month end in Los Angeles', '2024-01-31', '24:00', 'America/Los_Angeles', '2024-02-01T08:00:00.000Z'],
    ['24:00 across a leap day in Los Angeles', '2024-02-28', '24:00', 'America/Los_Angeles', '2024-02-29T08:00:00.000Z'],
    ['24:00 of a leap day in Auckland', '2024-02-29', '24:00', 'Pacific/Auckland', '2024-02-29T11:00:00.000Z'],
    ['24:00 across the year end in Shanghai', '2024-12-31', '24:00', 'Asia/Shanghai', '2024-12-31T16:00:00.000Z'],
    ['24:00 across the year end in Auckland (NZDT)', '2024-12-31', '24:00', 'Pacific/Auckland', '2024-12-31T11:00:00.000Z'],
    ['24:00 across the year end in Los Angeles', '2024-12-31', '24:00', 'America/Los_Angeles', '2025-01-01T08:00:00.000Z'],
    ['24:00 of the day before the spring-forward in Los Angeles', '2024-03-09', '24:00', 'America/Los_Angeles', '2024-03-10T08:00:00.000Z'],
    ['UTC', '2024-06-30', '23:59:59', 'UTC', '2024-06-30T23:59:59.000Z'],
  ];

  it.each(table)('%s', async (_case, localDate, localTime, timeZone, instant) => {
    await expect(evaluate(`$zonedInstant('${localDate}', '${localTime}', '${timeZone}')`)).resolves.toBe(instant);
  });

  it('reads its arguments from the input, and applies partially', async () => {
    const input = { leaver: { terminationDate: '2024-12-01', workLocation: { timeZone: 'America/New_York' } } };
    await expect(evaluate("$zonedInstant($input.leaver.terminationDate, '24:00', $input.leaver.workLocation.timeZone)", input)).resolves.toBe('2024-12-02T05:00:00.000Z');
    await expect(evaluate("$map(['2024-01-15', '2024-07-15'], $zonedInstant(?, '09:00', 'Europe/London'))")).resolves.toEqual([
      '2024-01-15T09:00:00.000Z',
      '2024-07-15T08:00:00.000Z',
    ]);
  });
});

describe('$plus', () => {
  const table: [string, string, string][] = [
    ['2024-12-02T05:00:00.000Z', '-24h', '2024-12-01T05:00:00.000Z'],
    ['2024-12-02T05:00:00.000Z', '2d', '2024-12-04T05:00:00.000Z'],
    ['2024-12-02T05:00:00.000Z', '30m', '2024-12-02T05:30:00.000Z'],
    ['2024-12-02T05:00:00.000Z', '+90s', '2024-12-02T05:01:30.000Z'],
    ['2024-12-02T05:00:00.000Z', '-500ms', '2024-12-02T04:59:59.500Z'],
    ['2024-12-02T05:00:00Z', 'PT1H', '2024-12-02T06:00:00.000Z'],
    ['2024-12-02T05:00:00Z', '-PT1H30M', '2024-12-02T03:30:00.000Z'],
    ['2024-12-02T05:00:00Z', 'P1DT12H', '2024-12-03T17:00:00.000Z'],
    ['2024-12-02T05:00:00Z', 'P1W', '2024-12-09T05:00:00.000Z'],
    ['2024-12-02T13:00:00+08:00', '1h', '2024-12-02T06:00:00.000Z'],
    // Exact time: 24 hours across the spring-forward in Los Angeles is 01:00 PST → 02:00 PDT.
    ['2024-03-09T09:00:00.000Z', '1d', '2024-03-10T09:00:00.000Z'],
  ];

  it.each(table)('%s plus %s is %s', async (instant, duration, result) => {
    await expect(evaluate(`$plus('${instant}', '${duration}')`)).resolves.toBe(result);
  });

  it('composes with $zonedInstant: 24 hours before 24:00 of the termination date', async () => {
    await expect(evaluate("$plus($zonedInstant('2024-12-01', '24:00', 'America/New_York'), '-24h')")).resolves.toBe('2024-12-01T05:00:00.000Z');
  });
});

describe('$localDate and $localTime', () => {
  // [instant, timeZone, date, time]
  const table: [string, string, string, string][] = [
    ['2024-12-01T16:30:00.000Z', 'Asia/Shanghai', '2024-12-02', '00:30:00'],
    ['2024-12-01T15:59:59.000Z', 'Asia/Shanghai', '2024-12-01', '23:59:59'],
    ['2024-03-10T10:00:00.000Z', 'America/Los_Angeles', '2024-03-10', '03:00:00'],
    ['2024-03-10T09:59:59.000Z', 'America/Los_Angeles', '2024-03-10', '01:59:59'],
    ['2024-11-03T08:30:00.000Z', 'America/Los_Angeles', '2024-11-03', '01:30:00'],
    ['2024-11-03T09:30:00.000Z', 'America/Los_Angeles', '2024-11-03', '01:30:00'],
    ['2024-04-06T13:30:00.000Z', 'Pacific/Auckland', '2024-04-07', '02:30:00'],
    ['2024-04-06T14:30:00.000Z', 'Pacific/Auckland', '2024-04-07', '02:30:00'],
    ['2024-12-31T11:00:00.000Z', 'Pacific/Auckland', '2025-01-01', '00:00:00'],
    ['2024-12-31T10:59:59.000Z', 'Pacific/Auckland', '2024-12-31', '23:59:59'],
    ['2025-01-01T00:00:00+13:00', 'UTC', '2024-12-31', '11:00:00'],
  ];

  it.each(table)('%s in %s is %s %s', async (instant, timeZone, date, time) => {
    await expect(evaluate(`$localDate('${instant}', '${timeZone}')`)).resolves.toBe(date);
    await expect(evaluate(`$localTime('${instant}', '${timeZone}')`)).resolves.toBe(time);
  });

  it('gives back the date $zonedInstant started from, for 24:00 the next day', async () => {
    await expect(evaluate("$localDate($zonedInstant('2024-12-31', '24:00', 'Pacific/Auckland'), 'Pacific/Auckland')")).resolves.toBe('2025-01-01');
    await expect(evaluate("$localDate($plus($zonedInstant('2024-12-31', '24:00', 'Pacific/Auckland'), '-1s'), 'Pacific/Auckland')")).resolves.toBe('2024-12-31');
  });
});

describe('time functions refuse bad arguments with an error naming the argument', () => {
  const table: [string, string, RegExp][] = [
    ["$zonedInstant('2024-13-01', '09:00', 'UTC')", 'a month that does not exist', /\$zonedInstant: localDate \(argument 1\) "2024-13-01" is not a day of the calendar/],
    ["$zonedInstant('2023-02-29', '09:00', 'UTC')", 'a leap day of a common year', /\$zonedInstant: localDate \(argument 1\) "2023-02-29" is not a day of the calendar/],
    ["$zonedInstant('1 Dec 2024', '09:00', 'UTC')", 'a date in another format', /\$zonedInstant: localDate \(argument 1\) must be a date like 2024-12-01, got "1 Dec 2024"/],
    ["$zonedInstant($input.missing, '09:00', 'UTC')", 'a date that is missing', /\$zonedInstant: localDate \(argument 1\) must be a date like 2024-12-01, got nothing/],
    ["$zonedInstant('2024-12-01', '24:30', 'UTC')", 'past 24:00', /\$zonedInstant: localTime \(argument 2\) "24:30" is not a time of day/],
    ["$zonedInstant('2024-12-01', '09:60', 'UTC')", 'minute 60', /\$zonedInstant: localTime \(argument 2\) "09:60" is not a time of day/],
    ["$zonedInstant('2024-12-01', '9am', 'UTC')", 'a time in another format', /\$zonedInstant: localTime \(argument 2\) must be a time like 09:30/],
    ["$zonedInstant('2024-12-01', '09:00', 'Mars/Olympus_Mons')", 'an unknown zone', /\$zonedInstant: timeZone \(argument 3\) "Mars\/Olympus_Mons" is not an IANA time zone/],
    ["$zonedInstant('2024-12-01', '09:00', 8)", 'a zone that is a number', /\$zonedInstant: timeZone \(argument 3\) must be an IANA time zone such as Asia\/Shanghai, got 8/],
    ["$plus('2024-12-02', '1h')", 'a date without a time', /\$plus: instant \(argument 1\) must be an ISO 8601 timestamp with its offset/],
    ["$plus('2024-12-02T05:00:00', '1h')", 'a reading without an offset', /\$plus: instant \(argument 1\) must be an ISO 8601 timestamp with its offset/],
    ["$plus('2024-02-30T05:00:00Z', '1h')", 'a moment not of the calendar', /\$plus: instant \(argument 1\) "2024-02-30T05:00:00Z" is not a moment of the calendar/],
    ["$plus('2024-12-02T05:00:00Z', '1 hour')", 'a duration in words', /\$plus: duration \(argument 2\) must be a duration like 30m, -24h, 2d or PT1H, got "1 hour"/],
    ["$plus('2024-12-02T05:00:00Z', 'P1M')", 'a month', /\$plus: duration \(argument 2\) "P1M" counts years or months/],
    ["$localDate('2024-12-02T05:00:00Z', 'Nowhere')", 'an unknown zone', /\$localDate: timeZone \(argument 2\) "Nowhere" is not an IANA time zone/],
    ["$localTime('yesterday', 'UTC')", 'an instant in words', /\$localTime: instant \(argument 1\) must be an ISO 8601 timestamp/],
  ];

  it.each(table)('%s (%s)', async (source, _case, message) => {
    const err = await failure(source);
    expect(err.message).toMatch(message);
    expect(err.code).toBe('expression.evaluation');
    expect(err.expression).toBe(source);
  });
});
