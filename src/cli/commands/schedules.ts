import { DateTime } from 'luxon';
import { UsageError } from '../../errors/index.js';
import type { ScheduleRecord } from '../../store/records.js';
import { limitOption, listOption, momentOption, MOMENT_WITH_ZONE, printChanged, printList, withOperations, type TargetOptions } from '../open-operations.js';

interface Common extends TargetOptions {
  json?: boolean;
}

const SCHEDULE_STATUSES = ['pending', 'fired', 'cancelled'] as const;

/** The moment in the zone it was meant in: `2030-03-01 18:00 Asia/Shanghai`. */
function inItsZone(schedule: ScheduleRecord): string {
  if (!schedule.timeZone) return '';
  const local = DateTime.fromISO(schedule.fireAt, { zone: schedule.timeZone });
  return local.isValid ? `${local.toFormat('yyyy-MM-dd HH:mm')} ${schedule.timeZone}` : '';
}

/** `deactivate:E-1   pending   2030-03-01T10:00:00.000Z (2030-03-01 18:00 Asia/Shanghai)  deactivate-account` */
export function scheduleLine(schedule: ScheduleRecord): string {
  const zone = inItsZone(schedule);
  return `${schedule.key.padEnd(32)} ${schedule.status.padEnd(9)} ${schedule.fireAt}${zone ? ` (${zone})` : ''}  ${schedule.flowId}${schedule.runId ? `  run ${schedule.runId}` : ''}`;
}

export interface SchedulesListOptions extends Common {
  status: string;
  flow?: string;
  keyPrefix?: string;
  from?: string;
  to?: string;
  limit: string;
}

export async function schedulesListCommand(options: SchedulesListOptions): Promise<number> {
  const status = listOption(options.status, { one: 'status', many: 'statuses' }, SCHEDULE_STATUSES) ?? ['pending'];
  const limit = limitOption(options.limit);
  const from = momentOption(options.from, '--from');
  const to = momentOption(options.to, '--to');
  const schedules = await withOperations(options, { write: false }, (operations) =>
    operations.listSchedules({
      status,
      ...(options.flow ? { flowId: options.flow } : {}),
      ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      limit,
    }),
  );
  printList(schedules, options.json, `no ${status.join(' or ')} schedules`, scheduleLine);
  return 0;
}

export async function schedulesShowCommand(key: string, options: Common): Promise<number> {
  const schedule = await withOperations(options, { write: false }, (operations) => operations.getSchedule(key));
  if (!schedule) throw new UsageError(`nothing is scheduled under key ${key}`);
  if (options.json) {
    console.log(JSON.stringify(schedule, null, 2));
    return 0;
  }
  const zone = inItsZone(schedule);
  console.log(`key         ${schedule.key}`);
  console.log(`status      ${schedule.status} (generation ${schedule.generation})`);
  console.log(`fires at    ${schedule.fireAt}${zone ? `  (${zone})` : ''}`);
  console.log(`flow        ${schedule.flowId}`);
  console.log(`scheduled   ${schedule.createdAt} by ${schedule.createdBy}`);
  console.log(`updated     ${schedule.updatedAt}`);
  if (schedule.runId) console.log(`run         ${schedule.runId}`);
  console.log('input:');
  console.log(JSON.stringify(schedule.input ?? null, null, 2));
  return 0;
}

export async function schedulesCancelCommand(key: string, options: Common): Promise<number> {
  const schedule = await withOperations(options, { write: true }, (operations) => operations.cancelSchedule(key));
  return printChanged(schedule, options.json, scheduleLine);
}

export async function schedulesMoveCommand(key: string, options: Common & { at: string }): Promise<number> {
  if (!MOMENT_WITH_ZONE.test(options.at) || Number.isNaN(Date.parse(options.at))) {
    throw new UsageError(`--at must be a moment with its zone, e.g. 2030-03-01T18:00:00+08:00, got "${options.at}"`);
  }
  const schedule = await withOperations(options, { write: true }, (operations) => operations.moveSchedule(key, options.at));
  return printChanged(schedule, options.json, scheduleLine);
}
