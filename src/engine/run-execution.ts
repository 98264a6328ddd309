import type { Logger } from 'pino';
import { setOwn } from '../json/set-own.js';
import { ExpressionError, StaffwireError, StoreUnavailableError, WaitSignal } from '../errors/index.js';
import type { ConnectorRegistry } from '../connector-kit/registry.js';
import type { ConnectionConfig } from '../connector-kit/connection.js';
import type { ResourceScope } from '../connector-kit/connection-resources.js';
import type { ResolvedConnection } from '../connector-kit/connector.js';
import type { ErrorRecord, JournalEntry, RunRecord, StepRecord } from '../store/records.js';
import { RunFencedError, type StateChange, type Store } from '../store/store.js';
import type { CompiledFlow, CompiledStep } from './compiled-flow.js';
import type { Scope } from './expressions/scope.js';
import type { CompiledValue } from './expressions/template.js';
import type { Frame } from './frame.js';
import { retryDelayMs } from './retry/retry-policy.js';
import { ReturnSignal, CancelledSignal } from './signals.js';
import { StepFailedError } from './step-failed-error.js';
import { stepKind } from './steps/index.js';
import type { StepContext } from './steps/step-context.js';

/** What executing steps needs from the engine, without the engine's own bookkeeping. */
export interface ExecutionServices {
  store: Store;
  connectors: ConnectorRegistry;
  connections: Record<string, ConnectionConfig>;
  /**
   * A configured connection with its secrets resolved, and its resources (tokens, clients,
   * limiters) shared by every run of this process; undefined name: the shared unconnected scope.
   */
  connection(name: string | undefined): { connection: ResolvedConnection | undefined; resources: ResourceScope };
  log: Logger;
  /** This process's name as a run's owner: every checkpoint is fenced on it. */
  owner: string;
  now(): Date;
  /** Retry delays up to this are slept in place; longer ones park the run. */
  inlineRetryMaxMs: number;
  /** How long a claim holds: a sub-flow held by another process is looked at again after this. */
  leaseMs: number;
  newRunId(): string;
  /** The flow a `run` step of `parent` starts: the version the parent was pinned to. */
  subFlow(id: string, parent: RunRecord): Promise<CompiledFlow>;
  startRun(
    flow: CompiledFlow,
    input: unknown,
    options: { runId: string; parentRunId: string; parentStepPath: string; subFlows?: Record<string, string> },
  ): Promise<RunRecord>;
  executeRun(runId: string): Promise<RunRecord>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Told of checkpoints once they are written, for progress output. */
  written(steps: readonly StepRecord[]): void;
}

/**
 * One pass of one run: walks the flow, skipping every step whose checkpoint says it succeeded,
 * checkpointing each step before the next begins.
 */
export class RunExecution {
  readonly log: Logger;
  private readonly records: Map<string, StepRecord>;
  /** Checkpoints not yet written: see `checkpoint`. */
  private pending: StepRecord[] = [];
  /** Journal entries not yet written: they go with the next checkpoints. */
  private pendingJournal: JournalEntry[] = [];
  /**
   * A side effect's completion is among the pending checkpoints: it must be durable before the
   * next step begins. The next side effect's start writes it anyway (one commit, not two), the
   * run's outcome writes it when nothing follows, and any other step writes it first.
   */
  private effectCompletionPending = false;

  constructor(
    readonly run: RunRecord,
    readonly flow: CompiledFlow,
    records: StepRecord[],
    readonly services: ExecutionServices,
    readonly signal: AbortSignal,
  ) {
    this.records = new Map(records.map((r) => [r.path, r]));
    this.log = services.log.child({ runId: run.id, flowId: run.flowId });
  }

  /** Runs the whole flow; resolves with its output, or throws WaitSignal / StepFailedError. */
  async execute(): Promise<unknown> {
    const scope: Scope = {
      input: this.run.input,
      steps: {},
      run: { id: this.run.id, flowId: this.run.flowId, flowVersion: this.run.flowVersion, startedAt: this.run.startedAt ?? this.run.createdAt },
    };
    try {
      const last = await this.block(this.flow.steps, { scope, prefix: '' });
      return this.flow.output ? await this.evaluate(this.flow.output, scope) : last;
    } catch (err) {
      if (err instanceof ReturnSignal) return err.output;
      throw err;
    }
  }

  async block(steps: CompiledStep[], frame: Frame): Promise<unknown> {
    let last: unknown;
    for (const step of steps) {
      last = await this.step(step, frame);
      setOwn(frame.scope.steps, step.id, last);
    }
    return last;
  }

  evaluate(value: CompiledValue, scope: Scope): Promise<unknown> {
    return value.evaluate(scope);
  }

  private async step(step: CompiledStep, frame: Frame): Promise<unknown> {
    if (this.signal.aborted) throw new CancelledSignal();
    const path = frame.prefix + step.id;
    const previous = this.records.get(path);
    if (previous?.status === 'succeeded') {
      if (stepKind(step.kind).endsRun || previous.state?.returned === true) throw new ReturnSignal(previous.output);
      return previous.output;
    }
    const kind = stepKind(step.kind);
    if (this.effectCompletionPending && kind.nature(step) !== 'effect') await this.flush();
    const startedAt = previous?.startedAt ?? this.services.now().toISOString();
    let attempt = previous?.attempts ?? 0;
    let state = previous?.state;
    let input = previous?.input;
    const retryAt = state?.retryAt as string | undefined;
    if (previous?.status === 'waiting' && retryAt !== undefined && new Date(retryAt) > this.services.now()) {
      throw new WaitSignal([{ kind: 'moment', until: retryAt, step: path, reason: 'retry' }]);
    }

    const record = (status: StepRecord['status'], extra: Partial<StepRecord> = {}): StepRecord => ({
      runId: this.run.id,
      path,
      stepId: step.id,
      kind: step.kind,
      status,
      attempts: attempt,
      startedAt,
      updatedAt: this.services.now().toISOString(),
      ...(state ? { state } : {}),
      ...(input !== undefined ? { input } : {}),
      ...extra,
    });
    const context: StepContext = {
      execution: this,
      path,
      attempt,
      state,
      saveState: async (next, options) => {
        state = { ...state, ...next };
        context.state = state;
        const changes = options?.changes ?? [];
        await this.checkpoint(record('running'), (options?.durable ?? false) || changes.length > 0, changes);
      },
      recordInput: (value) => {
        input = value;
      },
    };

    for (;;) {
      attempt++;
      context.attempt = attempt;
      if (state?.retryAt !== undefined) {
        const { retryAt: _done, ...rest } = state;
        state = Object.keys(rest).length ? rest : undefined;
        context.state = state;
      }
      const nature = kind.nature(step);
      const effect = nature === 'effect';
      if (nature !== 'pure') {
        this.journal({ type: 'step.started', step: path, attempt });
        await this.checkpoint(record('running'), effect);
      }
      try {
        const output = await kind.execute(step, frame, context);
        const now = this.services.now().toISOString();
        // Pure steps (set, raise, return) are in the journal only when they fail: their results
        // are in their checkpoints, and a line per loop iteration would drown the timeline.
        if (nature !== 'pure') this.journal({ type: 'step.succeeded', step: path, attempt, data: { ms: Date.parse(now) - Date.parse(startedAt) } });
        await this.checkpoint(record('succeeded', { finishedAt: now, output }), false);
        if (effect) this.effectCompletionPending = true;
        if (kind.endsRun) throw new ReturnSignal(output);
        return output;
      } catch (err) {
        if (err instanceof ReturnSignal && !kind.endsRun) {
          // A return inside ends this container too; a resumed run must meet the return again here.
          state = { ...state, returned: true };
          this.journal({ type: 'step.succeeded', step: path, attempt });
          await this.checkpoint(record('succeeded', { finishedAt: this.services.now().toISOString(), output: err.output }), false);
          throw err;
        }
        // Not the step's failure: the run was cancelled, lost to another process, or the store
        // cannot be written. The step stays as its last checkpoint says.
        if (err instanceof ReturnSignal || err instanceof CancelledSignal || err instanceof RunFencedError || err instanceof StoreUnavailableError) throw err;
        if (err instanceof WaitSignal) {
          const own = err.waits.filter((w) => w.step === path);
          if (own.length > 0) this.journal({ type: 'step.waiting', step: path, attempt, data: { waitingFor: own } });
          await this.checkpoint(record('waiting'), true);
          throw err;
        }
        if (err instanceof StepFailedError) {
          // A nested step already failed for good; this container fails with the same error.
          if (!step.retry || !this.retries(step, err.record.category, attempt)) {
            this.journal({ type: 'step.failed', step: path, attempt, data: { error: err.record } });
            await this.checkpoint(record('failed', { finishedAt: this.services.now().toISOString(), error: err.record }), true);
            throw err;
          }
        }
        const error = err instanceof StepFailedError ? err.record : toErrorRecord(err, path);
        if (this.retries(step, error.category, attempt)) {
          const delay = retryDelayMs(step.retry!, attempt, err instanceof StaffwireError ? err.retryAfterMs : undefined);
          this.log.warn({ stepId: step.id, path, attempt, delayMs: delay, code: error.code }, 'step failed; retrying');
          if (delay <= this.services.inlineRetryMaxMs) {
            this.journal({ type: 'step.retrying', step: path, attempt, data: { error, delayMs: delay } });
            await this.checkpoint(record('running', { error }), true);
            await this.services.sleep(delay, this.signal);
            continue;
          }
          const at = new Date(this.services.now().getTime() + delay).toISOString();
          state = { ...state, retryAt: at };
          this.journal({ type: 'step.retrying', step: path, attempt, data: { error, delayMs: delay, until: at } });
          await this.checkpoint(record('waiting', { error }), true);
          throw new WaitSignal([{ kind: 'moment', until: at, step: path, reason: 'retry' }]);
        }
        this.journal({ type: 'step.failed', step: path, attempt, data: { error } });
        await this.checkpoint(record('failed', { finishedAt: this.services.now().toISOString(), error }), true);
        this.log.info({ stepId: step.id, path, code: error.code }, 'step failed');
        throw new StepFailedError(error);
      }
    }
  }

  private retries(step: CompiledStep, category: ErrorRecord['category'], attempt: number): boolean {
    return step.retry !== undefined && category !== 'cancelled' && step.retry.on.has(category) && attempt < step.retry.maxAttempts;
  }

  /**
   * Records a step's progress. Durable checkpoints are written at once together with every
   * pending one, in order. Others wait for the next durable one or the end of the pass: losing
   * them in a crash only means recomputing pure work, because every side effect (a call, a
   * sub-flow, parking) first makes everything before it durable, and its own completion is
   * written before the next step begins (see `effectCompletionPending`).
   */
  async checkpoint(record: StepRecord, durable: boolean, changes: readonly StateChange[] = []): Promise<void> {
    this.records.set(record.path, record);
    this.pending.push(record);
    if (durable) await this.flush(changes);
  }

  /** The checkpoint at `path` as this pass knows it. */
  recorded(path: string): StepRecord | undefined {
    return this.records.get(path);
  }

  /** Notes what happened for the run's journal; written with the next checkpoints. */
  journal(entry: Omit<JournalEntry, 'runId' | 'at' | 'actor'>): void {
    this.pendingJournal.push({ runId: this.run.id, at: this.services.now().toISOString(), actor: 'engine', ...entry });
  }

  /** Writes the pending checkpoints, fenced: a process that no longer holds the run writes nothing. */
  async flush(changes: readonly StateChange[] = []): Promise<void> {
    if (this.pending.length === 0) return;
    const { steps, journal } = this.takePending();
    await this.services.store.putSteps(steps, { owner: this.services.owner, journal, ...(changes.length > 0 ? { state: changes } : {}) });
    this.services.written(steps);
  }

  /** Checkpoints and journal entries not yet written; the engine writes them with the run's outcome. */
  takePending(): { steps: StepRecord[]; journal: JournalEntry[] } {
    // A step checkpointed twice since the last write (started, then finished) is written once.
    const latest = new Map(this.pending.map((step) => [step.path, step]));
    const steps = latest.size === this.pending.length ? this.pending : [...latest.values()];
    const taken = { steps, journal: collapseStarts(this.pendingJournal) };
    this.pending = [];
    this.pendingJournal = [];
    this.effectCompletionPending = false;
    return taken;
  }
}

/**
 * A step that started and succeeded within one write needs one journal line, not two: the
 * success carries when it started. A start stays on its own when the step is still running at
 * the write (a call about to go out), so a crash shows what was under way.
 */
function collapseStarts(entries: JournalEntry[]): JournalEntry[] {
  const finished = new Set(entries.filter((e) => e.type === 'step.succeeded').map((e) => `${e.step}\u0000${e.attempt}`));
  if (finished.size === 0) return entries;
  const startedAt = new Map<string, string>();
  const kept: JournalEntry[] = [];
  for (const entry of entries) {
    const key = `${entry.step}\u0000${entry.attempt}`;
    if (entry.type === 'step.started' && finished.has(key)) {
      startedAt.set(key, entry.at);
      continue;
    }
    const started = entry.type === 'step.succeeded' ? startedAt.get(key) : undefined;
    kept.push(started === undefined ? entry : { ...entry, data: { ...entry.data, startedAt: started } });
  }
  return kept;
}

export function toErrorRecord(err: unknown, step: string): ErrorRecord {
  if (err instanceof StaffwireError) {
    const message = err instanceof ExpressionError ? `${err.message} in \${${err.expression}}` : err.message;
    return { code: err.code, message, category: err.category, step, ...(err.details ? { details: err.details } : {}) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message, category: 'internal', step };
}
