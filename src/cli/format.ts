import type { ErrorRecord, RunRecord, StepRecord, StoredJournalEntry } from '../store/records.js';

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
const STATUS_COLOR: Record<string, (t: string) => string> = {
  succeeded: paint(32),
  failed: paint(31),
  waiting: paint(33),
  running: paint(36),
  queued: paint(90),
  cancelled: paint(90),
};

export function status(text: string): string {
  return (STATUS_COLOR[text] ?? ((t: string) => t))(text.padEnd(9));
}

export function duration(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return '';
  const ms = new Date(to).getTime() - new Date(from).getTime();
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${(ms / 60_000).toFixed(1)}m`;
}

/** `  ✓ succeeded  create_pre_hire            12ms  (2 attempts)` */
export function stepLine(step: StepRecord): string {
  const mark = step.status === 'succeeded' ? '✓' : step.status === 'failed' ? '✗' : step.status === 'waiting' ? '…' : '·';
  const attempts = step.attempts > 1 ? `  (${step.attempts} attempts)` : '';
  const waiting = step.status === 'waiting' && step.state?.until ? `  until ${String(step.state.until)}` : '';
  const error = step.error && step.status !== 'succeeded' ? `  ${step.error.code}: ${step.error.message}` : '';
  return `  ${mark} ${status(step.status)} ${step.path.padEnd(28)} ${duration(step.startedAt, step.finishedAt ?? step.updatedAt).padStart(7)}${attempts}${waiting}${error}`;
}

export function runLine(run: RunRecord): string {
  return `${run.id}  ${status(run.status)} ${run.flowId}@${run.flowVersion}  ${run.createdAt}  ${duration(run.startedAt ?? run.createdAt, run.finishedAt ?? run.updatedAt)}`;
}

/** Steps in the order they started, which is the order they ran. */
export function timeline(steps: StepRecord[]): StepRecord[] {
  return [...steps].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.path.localeCompare(b.path));
}

/** One line of a run's journal: `  09:00:01.123  ✓ succeeded pre_hire   21ms`. */
export function journalLine(entry: StoredJournalEntry): string {
  const time = entry.at.slice(11, 23);
  const data = entry.data ?? {};
  const error = data.error as ErrorRecord | undefined;
  const failure = error ? `  ${error.code}: ${error.message}` : '';
  const attempt = entry.attempt !== undefined && entry.attempt > 1 ? `  attempt ${entry.attempt}` : '';
  const path = (entry.step ?? '').padEnd(28);
  const by = entry.actor === 'engine' ? '' : `  by ${entry.actor}`;
  const line = (() => {
    switch (entry.type) {
      case 'step.started':
        return `· ${status('running')} ${path}${attempt}`;
      case 'step.succeeded':
        return `✓ ${status('succeeded')} ${path} ${typeof data.ms === 'number' ? `${data.ms}ms`.padStart(7) : ''}${attempt}`;
      case 'step.failed':
        return `✗ ${status('failed')} ${path}${attempt}${failure}`;
      case 'step.retrying':
        return `↻ ${'retrying'.padEnd(9)} ${path}${attempt}${failure}  (again in ${duration('1970-01-01T00:00:00.000Z', new Date(Number(data.delayMs ?? 0)).toISOString())})`;
      case 'step.waiting':
        return `… ${status('waiting')} ${path}`;
      case 'run.parked':
        return `● parked    ${data.until ? `until ${String(data.until)}` : 'until an event arrives'}`;
      case 'run.woken':
        return `● woken${data.previousOwner ? `    (taken over from ${String(data.previousOwner)})` : ''}`;
      case 'run.retried':
        return `● retried  ${by}`;
      default:
        return `● ${entry.type.slice('run.'.length).padEnd(9)}${by}`;
    }
  })();
  return `  ${time}  ${line}`.trimEnd();
}
