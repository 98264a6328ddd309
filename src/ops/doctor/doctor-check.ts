/**
 * What `staffwire doctor` found about one thing: `ok`; `warn`, which works but deserves a look;
 * `fail`, which keeps Staffwire from working as configured; `skip`, which does not apply here
 * (Redis in embedded mode) or could not be looked at because something it needs failed first.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** The parts of an installation doctor looks at, in the order it reports them. */
export type CheckGroup = 'config' | 'store' | 'redis' | 'connection';

export interface DoctorCheck {
  group: CheckGroup;
  /** What was checked, e.g. `flows`, `redis eviction policy`, `connection lark`. */
  name: string;
  status: CheckStatus;
  /** One line: what was found. */
  finding: string;
  /** What to do about it, when the status is not ok. */
  fix?: string;
  /** The individual problems behind the finding, one per line (e.g. `file:line:col  pointer  message`). */
  details?: string[];
}

export interface DoctorSummary {
  ok: number;
  warn: number;
  fail: number;
  skip: number;
}

export interface DoctorReport {
  /** The configuration file read, or undefined when running on defaults (or it could not be read). */
  configFile: string | undefined;
  checks: DoctorCheck[];
  summary: DoctorSummary;
}

export function summarize(checks: readonly DoctorCheck[]): DoctorSummary {
  const summary: DoctorSummary = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) summary[check.status]++;
  return summary;
}

/** An error's message alone: doctor reports what went wrong, never a stack. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `1 flow`, `3 flows`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
