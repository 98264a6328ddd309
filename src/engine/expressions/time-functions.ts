/*
 * Time-zone functions for expressions, so a flow can say "24:00 of the termination date in the
 * work location's time zone, less 24 hours" without arithmetic of its own:
 *
 *   $zonedInstant(localDate, localTime, timeZone)  wall-clock moment in a zone → ISO instant (UTC, …Z)
 *   $plus(instant, duration)                       instant moved by an exact duration → ISO instant
 *   $localDate(instant, timeZone)                  the calendar date (YYYY-MM-DD) of an instant in a zone
 *   $localTime(instant, timeZone)                  the wall-clock time (HH:mm:ss) of an instant in a zone
 *
 * Wall-clock rules, fixed so that the same flow gives the same moment everywhere:
 * - `24:00` (or `24:00:00`) is the start of the next day: `$zonedInstant('2024-12-31', '24:00', z)`
 *   is midnight of 2025-01-01 in `z`.
 * - A wall time that does not exist (clocks spring forward over it) resolves to the first moment
 *   after the gap: 02:30 on 2024-03-10 in America/Los_Angeles is 03:00 PDT (10:00Z). Every time
 *   inside the gap gives that same moment; nothing is "shifted by the gap's length". (Cron
 *   triggers, computed by croner, shift instead: `30 2 * * *` fires at 03:30 that day.)
 * - A wall time that exists twice (clocks fall back over it) resolves to the earlier of the two:
 *   01:30 on 2024-11-03 in America/Los_Angeles is 01:30 PDT (08:30Z), not 01:30 PST (09:30Z).
 *
 * Durations for `$plus` are exact elapsed time: `2d` is 48 hours, whatever a zone's clocks do in
 * between. Forms: `500ms`, `30s`, `30m`, `2h`, `2d` (as everywhere in flows) with an optional sign
 * (`-24h`), or ISO 8601 (`PT1H`, `-P1DT12H`, `P1W`); years and months have no fixed length and
 * are refused (use `$zonedInstant` on a computed date for calendar arithmetic).
 *
 * Bad arguments fail the expression with a message naming the function and the argument.
 */
import type jsonata from 'jsonata';
import { DateTime, Duration, IANAZone } from 'luxon';
import { describeValue, FunctionArgumentError } from './function-argument.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const SHORT_DURATION_MS = { ms: 1, s: 1000, m: MINUTE_MS, h: 3_600_000, d: DAY_MS } as const;


export function registerTimeFunctions(compiled: jsonata.Expression): void {
  // Plain functions with plain parameters: JSONata reads parameter names from a native function's
  // source to apply it partially (`$zonedInstant(?, '24:00', 'UTC')`).
  compiled.registerFunction('zonedInstant', function zonedInstantOf(localDate: unknown, localTime: unknown, timeZone: unknown) {
    return zonedInstant(localDate, localTime, timeZone);
  });
  compiled.registerFunction('plus', function plusOf(instant: unknown, duration: unknown) {
    return plus(instant, duration);
  });
  compiled.registerFunction('localDate', function localDateOf(instant: unknown, timeZone: unknown) {
    return localDate(instant, timeZone);
  });
  compiled.registerFunction('localTime', function localTimeOf(instant: unknown, timeZone: unknown) {
    return localTime(instant, timeZone);
  });
}

/** The instant (ISO 8601, UTC) of a wall-clock date and time in an IANA zone; see the rules above. */
export function zonedInstant(localDateArg: unknown, localTimeArg: unknown, timeZoneArg: unknown): string {
  const fn = 'zonedInstant';
  const date = dateArgument(fn, localDateArg, 1);
  const time = timeArgument(fn, localTimeArg, 2);
  const zone = zoneArgument(fn, timeZoneArg, 3);
  // The wall clock read as if it were UTC; 24:00 rolls over into the next day by itself.
  const wall = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute, time.second);
  return new Date(instantOfWallClock(wall, zone)).toISOString();
}

/** `instant` moved by `duration` (negative moves back), as an ISO 8601 instant in UTC. */
export function plus(instantArg: unknown, durationArg: unknown): string {
  const at = instantArgument('plus', instantArg, 1);
  const ms = durationArgument('plus', durationArg, 2);
  const moved = at + ms;
  if (!Number.isFinite(moved) || Math.abs(moved) > 8.64e15) throw new FunctionArgumentError('plus', 'duration', 2, 'moves the instant out of the representable range');
  return new Date(moved).toISOString();
}

/** The calendar date (`YYYY-MM-DD`) of `instant` on the wall clocks of `timeZone`. */
export function localDate(instantArg: unknown, timeZoneArg: unknown): string {
  const at = instantArgument('localDate', instantArg, 1);
  return DateTime.fromMillis(at, { zone: zoneArgument('localDate', timeZoneArg, 2) }).toFormat('yyyy-MM-dd');
}

/** The wall-clock time (`HH:mm:ss`, 00–23) of `instant` in `timeZone`. */
export function localTime(instantArg: unknown, timeZoneArg: unknown): string {
  const at = instantArgument('localTime', instantArg, 1);
  return DateTime.fromMillis(at, { zone: zoneArgument('localTime', timeZoneArg, 2) }).toFormat('HH:mm:ss');
}

/**
 * The instant a wall-clock reading (epoch ms of the reading taken as UTC) stands for in `zone`:
 * the earlier one when the reading occurs twice, the end of the gap when it never occurs.
 */
export function instantOfWallClock(wall: number, zone: IANAZone): number {
  // Offsets (minutes) that could be in force: those a day either side, and those at their guesses.
  const before = zone.offset(wall - DAY_MS);
  const after = zone.offset(wall + DAY_MS);
  const offsets = new Set([before, after, zone.offset(wall - before * MINUTE_MS), zone.offset(wall - after * MINUTE_MS)]);
  const readings = [...offsets].map((offset) => wall - offset * MINUTE_MS).filter((instant) => zone.offset(instant) * MINUTE_MS === wall - instant);
  if (readings.length > 0) return Math.min(...readings);
  // The reading falls in a gap: the clocks jumped from `before` to `after` somewhere between the
  // two guesses. The first instant on the new offset is the end of the gap.
  let low = Math.min(wall - before * MINUTE_MS, wall - after * MINUTE_MS);
  let high = Math.max(wall - before * MINUTE_MS, wall - after * MINUTE_MS);
  const offsetAtLow = zone.offset(low);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zone.offset(middle) === offsetAtLow) low = middle;
    else high = middle;
  }
  return high;
}

function zoneArgument(fn: string, value: unknown, position: number): IANAZone {
  if (typeof value !== 'string' || value === '') throw new FunctionArgumentError(fn, 'timeZone', position, `must be an IANA time zone such as Asia/Shanghai, got ${describeValue(value)}`);
  if (!IANAZone.isValidZone(value)) throw new FunctionArgumentError(fn, 'timeZone', position, `${describeValue(value)} is not an IANA time zone (such as Asia/Shanghai or America/Los_Angeles)`);
  return IANAZone.create(value);
}

function dateArgument(fn: string, value: unknown, position: number): { year: number; month: number; day: number } {
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!match) throw new FunctionArgumentError(fn, 'localDate', position, `must be a date like 2024-12-01, got ${describeValue(value)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    throw new FunctionArgumentError(fn, 'localDate', position, `${describeValue(value)} is not a day of the calendar`);
  }
  return { year, month, day };
}

function timeArgument(fn: string, value: unknown, position: number): { hour: number; minute: number; second: number } {
  const match = typeof value === 'string' ? /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value) : null;
  if (!match) throw new FunctionArgumentError(fn, 'localTime', position, `must be a time like 09:30, 09:30:15 or 24:00, got ${describeValue(value)}`);
  const [hour, minute, second] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  const endOfDay = hour === 24 && minute === 0 && second === 0;
  if (!endOfDay && (hour > 23 || minute > 59 || second > 59)) {
    throw new FunctionArgumentError(fn, 'localTime', position, `${describeValue(value)} is not a time of day (00:00 to 23:59:59, or 24:00 for the end of the day)`);
  }
  return { hour, minute, second };
}

/** An ISO 8601 timestamp with its offset or `Z` (a reading without one names no instant), or epoch milliseconds. */
function instantArgument(fn: string, value: unknown, position: number): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && Math.abs(value) <= 8.64e15) return value;
    throw new FunctionArgumentError(fn, 'instant', position, `must be a timestamp, got ${describeValue(value)}`);
  }
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    throw new FunctionArgumentError(fn, 'instant', position, `must be an ISO 8601 timestamp with its offset, like 2024-12-02T05:00:00Z, got ${describeValue(value)}`);
  }
  const parsed = DateTime.fromISO(value, { setZone: true });
  if (!parsed.isValid) throw new FunctionArgumentError(fn, 'instant', position, `${describeValue(value)} is not a moment of the calendar (${parsed.invalidExplanation ?? parsed.invalidReason})`);
  return parsed.toMillis();
}

function durationArgument(fn: string, value: unknown, position: number): number {
  const problem = `must be a duration like 30m, -24h, 2d or PT1H, got ${describeValue(value)}`;
  if (typeof value !== 'string') throw new FunctionArgumentError(fn, 'duration', position, problem);
  const short = /^([+-]?)(\d+)(ms|s|m|h|d)$/.exec(value);
  if (short) return (short[1] === '-' ? -1 : 1) * Number(short[2]) * SHORT_DURATION_MS[short[3] as keyof typeof SHORT_DURATION_MS];
  const iso = /^([+-]?)(P.*)$/i.exec(value);
  const duration = iso ? Duration.fromISO(iso[2]!.toUpperCase()) : undefined;
  if (!iso || !duration?.isValid) throw new FunctionArgumentError(fn, 'duration', position, problem);
  if (duration.years !== 0 || duration.quarters !== 0 || duration.months !== 0) {
    throw new FunctionArgumentError(fn, 'duration', position, `${describeValue(value)} counts years or months, which have no fixed length; use days, hours or minutes`);
  }
  return (iso[1] === '-' ? -1 : 1) * duration.toMillis();
}
