import { Cron } from 'croner';

/** True for a zone name the runtime's time-zone data knows (IANA, e.g. Asia/Shanghai, or UTC). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron expression cannot be used, or undefined when it can. */
export function cronProblem(schedule: string, timeZone: string): string | undefined {
  try {
    const cron = new Cron(schedule, { paused: true, ...(isTimeZone(timeZone) ? { timezone: timeZone } : {}) });
    if (!cron.nextRun()) return `cron "${schedule}" never fires`;
    return undefined;
  } catch (err) {
    return `"${schedule}" is not a cron expression: ${(err as Error).message}`;
  }
}
