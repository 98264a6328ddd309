import { TERMINAL_STATUSES, type RunRecord, type RunStatus, type StepRecord, type Suspension } from './records.js';
import { RunFencedError } from './store.js';

/** The rules every Store implementation applies to runs the same way, whatever it keeps them in. */

export function applyPatch(run: RunRecord, patch: Partial<Omit<RunRecord, 'id'>>): RunRecord {
  const next = { ...run } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next as unknown as RunRecord;
}

/** Throws unless `owner` holds the run and it has not finished. */
export function checkFence(runId: string, owner: string, status: RunStatus | undefined, holder: string | undefined): void {
  if (status === undefined || holder !== owner || TERMINAL_STATUSES.includes(status)) {
    throw new RunFencedError(runId, owner, status, holder);
  }
}

/**
 * When a run next needs looking at through the due index: queued runs now (since they were
 * queued), waiting ones at their deadline or an earlier wake-up. A running run has no entry:
 * it is found by its lease (the few running runs, through the status index), so a run that
 * never waits never writes the due index. A wake-up for it waits in `wake_at` until it parks.
 */
export function dueAtOf(run: RunRecord, wakeAt: string | null): string | null {
  if (run.status === 'queued') return run.updatedAt;
  if (run.status !== 'waiting') return null;
  const until = run.waitingUntil ?? null;
  if (wakeAt === null) return until;
  return until === null || wakeAt < until ? wakeAt : until;
}

/** The business key a run holds exclusively: only while it is unfinished and its flow says so. */
export function exclusiveKeyOf(run: RunRecord): string | null {
  return run.exclusiveKey && run.businessKey !== undefined && !TERMINAL_STATUSES.includes(run.status) ? run.businessKey : null;
}

/** A wake-up kept for an unfinished run: the earlier of the one it has and `at`. */
export function earlierWake(wakeAt: string | null, at: string): string {
  return wakeAt !== null && wakeAt < at ? wakeAt : at;
}

export type EventWait = Extract<Suspension, { kind: 'event' }>;

export function eventWaits(waits: readonly Suspension[] | undefined): EventWait[] {
  return (waits ?? []).filter((w): w is EventWait => w.kind === 'event');
}

/**
 * What a run written over its stored version listens for, and whether its listens must be
 * rewritten: only when what it listens for changed (it parked, or stopped waiting).
 */
export function listensOf(stored: { status: RunStatus; body: string }, run: RunRecord): { listening: EventWait[]; changed: boolean } {
  const listening = run.status === 'waiting' ? eventWaits(run.waitingFor) : [];
  const listened = stored.status === 'waiting' && stored.body.includes('"kind":"event"');
  const changed =
    listening.length > 0 ? !listened || JSON.stringify(listening) !== JSON.stringify(eventWaits((JSON.parse(stored.body) as RunRecord).waitingFor)) : listened;
  return { listening, changed };
}

/** A step's JSON without its key, which the row holds already: a run's checkpoints take less room. */
export function stepBody(step: StepRecord): string {
  const { runId: _runId, path: _path, ...rest } = step;
  return JSON.stringify(rest);
}

export function stepOf(runId: string, path: string, body: string): StepRecord {
  return { runId, path, ...(JSON.parse(body) as object) } as StepRecord;
}
