import { InputError } from '../errors/index.js';
import type { ScheduleRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

/**
 * Cancelling and moving a schedule by hand, with the checks and messages the API and the CLI
 * share: a key with nothing under it (`schedule.not_found`), a schedule no longer pending
 * (`schedule.not_pending`), a moment already past (`schedule.moment_passed`).
 */
export async function cancelScheduleByHand(store: Store, key: string, now: Date): Promise<ScheduleRecord> {
  await scheduled(store, key);
  return (await store.cancelSchedule(key, now.toISOString())) ?? notPending(store, key, 'cancelled');
}

/** `at` as given (with its zone), for the message; `fireAt` the same moment in UTC. */
export async function moveScheduleByHand(store: Store, key: string, at: string, now: Date): Promise<ScheduleRecord> {
  const ms = Date.parse(at);
  if (!hasZone(at) || Number.isNaN(ms)) {
    throw new InputError(`${at} is not a moment with its zone: give ISO 8601 with Z or ±hh:mm, e.g. 2030-03-01T18:00:00+08:00`, 'schedule.invalid_moment');
  }
  await scheduled(store, key);
  if (ms <= now.getTime()) throw new InputError(`${at} has passed: move the schedule to a moment to come`, 'schedule.moment_passed');
  return (await store.moveSchedule(key, new Date(ms).toISOString(), now.toISOString())) ?? notPending(store, key, 'moved');
}

export async function scheduled(store: Store, key: string): Promise<ScheduleRecord> {
  const schedule = await store.getSchedule(key);
  if (!schedule) throw new InputError(`nothing is scheduled under key ${key}`, 'schedule.not_found');
  return schedule;
}

/** The store changed nothing: the schedule was not pending, or stopped being so meanwhile. */
async function notPending(store: Store, key: string, what: string): Promise<never> {
  const schedule = await scheduled(store, key);
  throw new InputError(`the schedule ${key} is ${schedule.status}${schedule.runId ? ` (run ${schedule.runId})` : ''}: only a pending schedule can be ${what}`, 'schedule.not_pending');
}

function hasZone(at: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(at);
}
