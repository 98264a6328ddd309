import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { InputError, WaitSignal } from '../errors/index.js';
import type { ConnectionConfig } from '../connector-kit/connection.js';
import type { ConnectorRegistry } from '../connector-kit/registry.js';
import { compileSchema } from '../schemas.js';
import { TERMINAL_STATUSES, type RunRecord, type StepRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { CompiledFlow } from './compiled-flow.js';
import { compileFlow } from './compile-flow.js';
import { DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from './expressions/expression.js';
import type { FlowDefinition } from './flow-types.js';
import { FlowInvalidError } from './flow-invalid-error.js';
import { RunExecution, toErrorRecord, type ExecutionServices } from './run-execution.js';
import { CancelledSignal } from './signals.js';
import { StepFailedError } from './step-failed-error.js';

export interface EngineLimits {
  expression: ExpressionLimits;
  leaseMs: number;
  inlineRetryMaxMs: number;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = { expression: DEFAULT_EXPRESSION_LIMITS, leaseMs: 30_000, inlineRetryMaxMs: 2000 };

/** Finds flows by id, for sub-flows. */
export interface FlowCatalog {
  get(id: string): Promise<FlowDefinition | undefined>;
}

export interface EngineOptions {
  store: Store;
  connectors: ConnectorRegistry;
  connections?: Record<string, ConnectionConfig>;
  flows?: FlowCatalog;
  limits?: Partial<EngineLimits>;
  log: Logger;
  now?: () => Date;
  /** Told when a run parks until a moment, so a runtime can wake it. */
  onWaiting?: (run: RunRecord) => void;
  /** Told when a run ends, so a runtime can wake a waiting parent. */
  onFinished?: (run: RunRecord) => void;
  /** Told of every step checkpoint, for progress output. */
  onCheckpoint?: (step: StepRecord) => void;
}

export interface StartRunOptions {
  runId?: string;
  /** Create the run already claimed by this process and running (see runNow). */
  claimed?: boolean;
  parentRunId?: string;
  parentStepPath?: string;
}

/**
 * Executes flows durably over a Store. Knows no runtime: embedded and queue runtimes decide when
 * `executeRun` is called; the engine guarantees what happens inside it.
 */
export class Engine {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly limits: EngineLimits;
  private readonly compiled = new Map<string, CompiledFlow>();
  /** Flow hashes this process has written to the store already. */
  private readonly storedFlows = new Set<string>();
  private readonly executing = new Map<string, { promise: Promise<RunRecord>; abort: AbortController }>();
  private readonly services: ExecutionServices;
  private leaseTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EngineOptions) {
    this.limits = { ...DEFAULT_ENGINE_LIMITS, ...options.limits };
    this.services = {
      store: options.store,
      connectors: options.connectors,
      connections: options.connections ?? {},
      log: options.log,
      now: options.now ?? (() => new Date()),
      inlineRetryMaxMs: this.limits.inlineRetryMaxMs,
      newRunId,
      subFlow: (id) => this.subFlow(id),
      startRun: (flow, input, opts) => this.startRun(flow, input, opts),
      executeRun: (id) => this.executeRun(id),
      onCheckpoint: options.onCheckpoint,
      sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => { throw new CancelledSignal(); }),
    };
  }

  get store(): Store {
    return this.options.store;
  }

  /** Validates and compiles a flow definition; throws FlowInvalidError listing every problem. */
  compile(definition: FlowDefinition, source = definition.id): CompiledFlow {
    const result = compileFlow(definition, {
      connectors: this.options.connectors,
      connections: this.services.connections,
      limits: this.limits.expression,
    });
    if (!result.flow) throw new FlowInvalidError(source, result.diagnostics);
    this.compiled.set(result.flow.hash, result.flow);
    return result.flow;
  }

  /** Records a queued run pinned to this exact flow content. Bad input fails here, creating nothing. */
  async startRun(flow: CompiledFlow, input: unknown, options: StartRunOptions = {}): Promise<RunRecord> {
    if (flow.definition.input) {
      const validate = compileSchema(flow.definition.input);
      if (!validate(input)) {
        const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
        throw new InputError(`input of flow ${flow.definition.id} is invalid: ${problems.join('; ')}`, 'flow.invalid_input');
      }
    }
    if (!this.storedFlows.has(flow.hash)) {
      await this.store.putFlowContent(flow.hash, flow.content);
      this.storedFlows.add(flow.hash);
    }
    const now = this.services.now();
    const at = now.toISOString();
    const run: RunRecord = {
      id: options.runId ?? newRunId(),
      flowId: flow.definition.id,
      flowVersion: flow.definition.version,
      flowHash: flow.hash,
      status: options.claimed ? 'running' : 'queued',
      input: input ?? null,
      createdAt: at,
      updatedAt: at,
      ...(options.claimed
        ? { startedAt: at, owner: this.owner, leaseUntil: new Date(now.getTime() + this.limits.leaseMs).toISOString() }
        : {}),
      ...(options.parentRunId ? { parentRunId: options.parentRunId, parentStepPath: options.parentStepPath } : {}),
    };
    await this.store.createRun(run);
    return run;
  }

  /**
   * Executes (or continues) a run until it succeeds, fails, is cancelled or parks waiting.
   * Concurrent calls for one run in this process share one execution; another process's live
   * claim makes this return the run untouched.
   */
  executeRun(runId: string, options: { takeOverFrom?: string } = {}): Promise<RunRecord> {
    return this.track(runId, (abort) => this.claimAndExecute(runId, abort, options.takeOverFrom));
  }

  /**
   * Starts a run and executes it here at once: the run is created already claimed by this
   * process, saving the claim's round trip. What `staffwire run` and the demo do.
   */
  async runNow(flow: CompiledFlow, input: unknown, options: Omit<StartRunOptions, 'claimed'> = {}): Promise<RunRecord> {
    const run = await this.startRun(flow, input, { ...options, claimed: true });
    return this.track(run.id, (abort) => this.executeOwned(run, flow, [], abort));
  }

  private track(runId: string, execute: (abort: AbortController) => Promise<RunRecord>): Promise<RunRecord> {
    const current = this.executing.get(runId);
    if (current) return current.promise;
    const abort = new AbortController();
    const promise = execute(abort).finally(() => {
      this.executing.delete(runId);
      if (this.executing.size === 0) this.stopLeaseRenewal();
    });
    this.executing.set(runId, { promise, abort });
    this.startLeaseRenewal();
    return promise;
  }

  private async claimAndExecute(runId: string, abort: AbortController, takeOverFrom?: string): Promise<RunRecord> {
    const store = this.store;
    const now = this.services.now();
    const existing = await store.getRun(runId);
    if (!existing) throw new InputError(`no run with id ${runId}`, 'run.not_found');
    if (TERMINAL_STATUSES.includes(existing.status)) return existing;
    const leaseUntil = new Date(now.getTime() + this.limits.leaseMs).toISOString();
    const running = { status: 'running' as const, startedAt: existing.startedAt ?? now.toISOString(), updatedAt: now.toISOString(), waitingUntil: undefined };
    if (!(await store.claimRun(runId, this.owner, leaseUntil, now.toISOString(), takeOverFrom, running))) return existing;
    const run: RunRecord = { ...existing, ...running, owner: this.owner, leaseUntil };
    delete run.waitingUntil;
    try {
      if (existing.status === 'waiting') await store.deleteTimer(runId);
      const flow = await this.flowOf(run);
      return await this.executeOwned(run, flow, await store.listSteps(runId), abort);
    } catch (err) {
      await store.releaseRun(runId, this.owner);
      throw err;
    }
  }

  /** Executes a run this process has claimed, and records how the pass ended. */
  private async executeOwned(claimed: RunRecord, flow: CompiledFlow, records: StepRecord[], abort: AbortController): Promise<RunRecord> {
    const store = this.store;
    const runId = claimed.id;
    let run = claimed;
    let released = false;
    try {
      const execution = new RunExecution(run, flow, records, this.services, abort.signal);
      let outcome: { output: unknown } | { error: unknown };
      try {
        outcome = { output: await execution.execute() };
      } catch (err) {
        outcome = { error: err };
      }
      // The outcome, the last checkpoints and the release of the claim are one write.
      const steps = execution.takePending();
      const release = { owner: undefined, leaseUntil: undefined };
      released = true;
      if ('output' in outcome) {
        return await this.finish(runId, { status: 'succeeded', output: outcome.output ?? null, error: undefined, ...release }, steps);
      }
      const err = outcome.error;
      if (err instanceof WaitSignal) {
        const until = err.until.toISOString();
        await store.setTimer({ id: runId, runId, fireAt: until });
        run = await store.updateRun(runId, { status: 'waiting', waitingUntil: until, updatedAt: this.services.now().toISOString(), ...release }, steps);
        this.options.onWaiting?.(run);
        return run;
      }
      if (err instanceof CancelledSignal) {
        return await this.finish(
          runId,
          { status: 'cancelled', error: { code: 'cancelled', message: 'run cancelled', category: 'cancelled' }, ...release },
          steps,
        );
      }
      const error = err instanceof StepFailedError ? err.record : toErrorRecord(err, '');
      if (!(err instanceof StepFailedError)) execution.log.error({ err }, 'run failed outside any step');
      return await this.finish(runId, { status: 'failed', error, ...release }, steps);
    } finally {
      if (!released) await store.releaseRun(runId, this.owner);
    }
  }

  private async finish(runId: string, patch: Partial<RunRecord>, steps: StepRecord[]): Promise<RunRecord> {
    const current = await this.store.getRun(runId);
    // A cancellation recorded by another process while this one executed wins.
    if (current?.status === 'cancelled') return this.store.updateRun(runId, { owner: undefined, leaseUntil: undefined }, steps);
    const now = this.services.now().toISOString();
    const run = await this.store.updateRun(runId, { ...patch, finishedAt: now, updatedAt: now, waitingUntil: undefined }, steps);
    this.options.onFinished?.(run);
    return run;
  }

  /** Makes a failed run executable again from its failed step; completed steps stay completed. */
  async retryRun(runId: string): Promise<RunRecord> {
    const run = await this.store.getRun(runId);
    if (!run) throw new InputError(`no run with id ${runId}`, 'run.not_found');
    if (run.status !== 'failed') {
      throw new InputError(`run ${runId} is ${run.status}; only failed runs can be retried`, 'run.not_failed');
    }
    const failed = (await this.store.listSteps(runId)).filter((s) => s.status === 'failed');
    // A failed sub-flow continues from its own failed step: a fresh child would repeat the calls
    // it completed, under new idempotency keys. Its run step keeps the record naming the child.
    const continued = new Set<string>();
    for (const step of failed) {
      const childRunId = step.state?.childRunId;
      if (typeof childRunId === 'string' && (await this.store.getRun(childRunId))?.status === 'failed') {
        await this.retryRun(childRunId);
        continued.add(step.path);
      }
    }
    await this.store.deleteSteps(runId, failed.filter((s) => !continued.has(s.path)).map((s) => s.path));
    return this.store.updateRun(runId, {
      status: 'queued',
      error: undefined,
      finishedAt: undefined,
      updatedAt: this.services.now().toISOString(),
    });
  }

  /** Cancels a run that has not finished; an execution in this process stops at its next step. */
  async cancelRun(runId: string): Promise<RunRecord> {
    const run = await this.store.getRun(runId);
    if (!run) throw new InputError(`no run with id ${runId}`, 'run.not_found');
    if (TERMINAL_STATUSES.includes(run.status)) {
      throw new InputError(`run ${runId} already ${run.status}`, 'run.finished');
    }
    this.executing.get(runId)?.abort.abort();
    await this.store.deleteTimer(runId);
    const now = this.services.now().toISOString();
    return this.store.updateRun(runId, {
      status: 'cancelled',
      finishedAt: now,
      updatedAt: now,
      waitingUntil: undefined,
      error: { code: 'cancelled', message: 'run cancelled', category: 'cancelled' },
    });
  }

  /**
   * Runs another process left behind: queued or running with a lapsed claim or a claim by a
   * process on this host that no longer exists, and waiting runs already due. Returns them with
   * the owner to take over from.
   */
  async interruptedRuns(): Promise<{ run: RunRecord; takeOverFrom?: string }[]> {
    const now = this.services.now().toISOString();
    const candidates = await this.store.listRuns({ status: ['queued', 'running', 'waiting'] });
    const found: { run: RunRecord; takeOverFrom?: string }[] = [];
    for (const run of candidates.reverse()) {
      if (run.status === 'waiting') {
        if (run.waitingUntil !== undefined && run.waitingUntil <= now && !run.owner) found.push({ run });
      } else if (!run.owner || !run.leaseUntil || run.leaseUntil < now) found.push({ run });
      else if (ownerIsDeadOnThisHost(run.owner)) found.push({ run, takeOverFrom: run.owner });
    }
    return found;
  }

  async flowOf(run: RunRecord): Promise<CompiledFlow> {
    const cached = this.compiled.get(run.flowHash);
    if (cached) return cached;
    const content = await this.store.getFlowContent(run.flowHash);
    if (!content) throw new InputError(`flow content ${run.flowHash} of run ${run.id} is missing from the store`, 'run.flow_missing');
    return this.compile(JSON.parse(content) as FlowDefinition);
  }

  private async subFlow(id: string): Promise<CompiledFlow> {
    const definition = await this.options.flows?.get(id);
    if (!definition) throw new InputError(`sub-flow "${id}" was not found in the flow folders`, 'run.flow_not_found');
    return this.compile(definition, id);
  }

  private startLeaseRenewal(): void {
    if (this.leaseTimer) return;
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(250, this.limits.leaseMs / 3));
    this.leaseTimer.unref();
  }

  private stopLeaseRenewal(): void {
    clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
  }

  private async renewLeases(): Promise<void> {
    const now = this.services.now();
    const leaseUntil = new Date(now.getTime() + this.limits.leaseMs).toISOString();
    for (const [runId, { abort }] of this.executing) {
      const run = await this.store.getRun(runId);
      if (run?.status === 'cancelled') abort.abort();
      else await this.store.claimRun(runId, this.owner, leaseUntil, now.toISOString());
    }
  }
}

export function newRunId(): string {
  return `run_${Date.now().toString(36)}${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

function ownerIsDeadOnThisHost(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
