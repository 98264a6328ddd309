import type { ScheduleRecord } from './records.js';
import type { NewSchedule } from './store.js';

/**
 * What scheduling `schedule` makes of what its key held: the same record when the same scheduler
 * puts the same moment and input again (a step repeated after a crash), else a new pending
 * generation.
 */
export function scheduled(previous: ScheduleRecord | undefined, schedule: NewSchedule): ScheduleRecord {
  const same =
    previous?.status === 'pending' &&
    previous.createdBy === schedule.createdBy &&
    previous.fireAt === schedule.fireAt &&
    previous.flowId === schedule.flowId &&
    JSON.stringify(previous.input) === JSON.stringify(schedule.input ?? null);
  if (previous && same) return previous;
  return {
    key: schedule.key,
    flowId: schedule.flowId,
    input: schedule.input ?? null,
    fireAt: schedule.fireAt,
    ...(schedule.timeZone ? { timeZone: schedule.timeZone } : {}),
    status: 'pending',
    generation: (previous?.generation ?? 0) + 1,
    createdAt: previous?.createdAt ?? schedule.at,
    updatedAt: schedule.at,
    createdBy: schedule.createdBy,
  };
}
