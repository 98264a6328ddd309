import type { RunDetail } from '../api/types';

export interface Segment {
  kind: 'attempt' | 'wait';
  from: number;
  to: number;
  attempt: number;
  status: 'running' | 'succeeded' | 'failed' | 'retrying' | 'waiting';
}

export interface TimelineRow {
  path: string;
  kind: string;
  segments: Segment[];
}

const ENDS_ATTEMPT: Record<string, Segment['status']> = {
  'step.succeeded': 'succeeded',
  'step.failed': 'failed',
  'step.retrying': 'retrying',
  'step.waiting': 'waiting',
};

/** Run entries after which a step goes on without a new `step.started` of its own. */
const RESUMES = new Set(['run.retried', 'run.woken']);

/**
 * A bar per step from the journal: each attempt from its `step.started` (or from the retry or
 * wake-up that resumed it) to what ended it, and the wait after a retry back-off or a wait step
 * until the step goes on. A step the journal says nothing of is one bar from its start to its end.
 */
export function timelineRows(run: RunDetail, now: number): { rows: TimelineRow[]; start: number; end: number } {
  const runEnd = run.finishedAt ? Date.parse(run.finishedAt) : now;
  const stepEnds = new Map(run.steps.map((step) => [step.path, step.finishedAt ? Date.parse(step.finishedAt) : runEnd]));
  const segmentsOf = new Map<string, Segment[]>();
  const open = new Map<string, Segment>();
  let resumedAt: number | undefined;
  for (const entry of run.journal) {
    const at = Date.parse(entry.at);
    if (RESUMES.has(entry.type)) resumedAt = at;
    if (entry.step === undefined || !stepEnds.has(entry.step)) continue;
    const path = entry.step;
    const segments = segmentsOf.get(path) ?? [];
    segmentsOf.set(path, segments);
    const current = open.get(path);
    if (entry.type === 'step.started') {
      if (current) current.to = at;
      const attempt: Segment = { kind: 'attempt', from: at, to: stepEnds.get(path)!, attempt: entry.attempt ?? 1, status: 'running' };
      segments.push(attempt);
      open.set(path, attempt);
      continue;
    }
    const status = ENDS_ATTEMPT[entry.type];
    if (status === undefined) continue;
    // A step continued after a retry or wake-up ends without having started again: its bar runs from the resumption.
    const attempt = current?.kind === 'attempt' ? current : { kind: 'attempt' as const, from: Math.max(current?.from ?? 0, resumedAt ?? at), to: at, attempt: entry.attempt ?? 1, status };
    if (current && current !== attempt) current.to = attempt.from;
    if (attempt !== current) segments.push(attempt);
    attempt.to = at;
    attempt.status = status;
    if (entry.type === 'step.retrying' || entry.type === 'step.waiting') {
      const wait: Segment = { kind: 'wait', from: at, to: stepEnds.get(path)!, attempt: attempt.attempt, status: 'waiting' };
      segments.push(wait);
      open.set(path, wait);
    } else {
      open.delete(path);
    }
  }
  const rows = run.steps.map((step): TimelineRow => {
    const segments = segmentsOf.get(step.path) ?? [];
    if (segments.length === 0) {
      segments.push({ kind: 'attempt', from: Date.parse(step.startedAt), to: stepEnds.get(step.path)!, attempt: step.attempts, status: step.status === 'cancelled' ? 'failed' : step.status });
    }
    return { path: step.path, kind: step.kind, segments };
  });
  const start = Math.min(Date.parse(run.createdAt), ...rows.flatMap((r) => r.segments.map((s) => s.from)));
  const end = Math.max(start + 1, runEnd, ...rows.flatMap((r) => r.segments.map((s) => s.to)));
  return { rows, start, end };
}
