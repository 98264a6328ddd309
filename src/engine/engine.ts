import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { SystemClock } from '../clock/system-clock.js';
import { InputError, RunInterruptedError, StoreUnavailableError, WaitSignal } from '../errors/index.js';
import type { ConnectionConfig } from '../connector-kit/connection.js';
import { ConnectionResources, type ResourceScope } from '../connector-kit/connection-resources.js';
import { resolveConnection } from '../connector-kit/connection.js';
import type { ResolvedConnection } from '../connector-kit/connector.js';
import type { ConnectorRegistry } from '../connector-kit/registry.js';
import { compileSchema, schemaValidator } from '../schemas.js';
import { TERMINAL_STATUSES, type JournalEntry, type RunRecord, type StepRecord } from '../store/records.js';
import { RunFencedError, type Store } from '../store/store.js';
import { findTooDeepPointerInValue, MAX_JSON_DEPTH } from '../json/json-depth.js';
import type { CompiledFlow } from './compiled-flow.js';
import { compileFlow } from './compile-flow.js';
import { schemaDiagnostics } from './validate/schema-errors.js';
import { DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from './expressions/expression.js';
import type { FlowDefinition } from './flow-types.js';
import { FlowInvalidError } from './flow-invalid-error.js';
import { RunExecution, toErrorRecord, type ExecutionServices } from './run-execution.js';
import { CancelledSignal } from './signals.js';
import { resumesOnRetry } from './steps/index.js';
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
  /** Per-connection tokens, clients and limiters; one per process. Default a fresh set. */
  connectionResources?: ConnectionResources;
  flows?: FlowCatalog;
  limits?: Partial<EngineLimits>;
  log: Logger;
  /** Business time: waits, retries, leases. Default the system clock. */
  clock?: Clock;
  /** Told of step checkpoints once they are written, for progress output. */
  onCheckpoint?: (step: StepRecord) => void;
}

/** Who asked for something, as the journal records it: `cli`, `api:<token name>`, `schedule`, `event:<id>`. */
export interface Actor {
  actor?: string;
}

export interface StartRunOptions {
  runId?: string;
  /** Create the run already claimed by this process and running (see runNow). */
  claimed?: boolean;
  parentRunId?: string;
  parentStepPath?: string;
  /** The sub-flow versions the run is pinned to; a child inherits its parent's. */
  subFlows?: Record<string, string>;
  businessKey?: string;
  /** Who started it; default `engine`. */
  actor?: string;
}

/**
 * Executes flows durably over a Store. Knows no runtime: embedded and queue runtimes decide when
 * `executeRun` is called; the engine guarantees what happens inside it.
 */
export class Engine {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly limits: EngineLimits;
  private readonly compiled = new Map<string, CompiledFlow>();
  /** Sub-flows as the catalog hands them out: the same object until their file changes, so compiled once per version. */
  private readonly compiledSubFlows = new WeakMap<FlowDefinition, CompiledFlow>();
  /** Flow hashes this process has written to the store already. */
  private readonly storedFlows = new Set<string>();
  private readonly executing = new Map<string, { promise: Promise<RunRecord>; abort: AbortController }>();
  private readonly services: ExecutionServices;
  private cancelLeaseRenewal: (() => void) | undefined;
  private readonly connectionResources: ConnectionResources;
  private readonly resolvedConnections = new Map<string, { connection: ResolvedConnection; resources: ResourceScope }>();
  readonly clock: Clock;

  constructor(private readonly options: EngineOptions) {
    this.limits = { ...DEFAULT_ENGINE_LIMITS, ...options.limits };
    const clock = (this.clock = options.clock ?? new SystemClock());
    this.connectionResources = options.connectionResources ?? new ConnectionResources();
    this.services = {
      store: options.store,
      connectors: options.connectors,
      connections: options.connections ?? {},
      connection: (name) => this.connection(name),
      log: options.log,
      owner: this.owner,
      now: () => clock.now(),
      inlineRetryMaxMs: this.limits.inlineRetryMaxMs,
      leaseMs: this.limits.leaseMs,
      newRunId: () => newRunId(clock.now()),
      subFlow: (id, run) => this.subFlow(id, run),
      startRun: (flow, input, opts) => this.startRun(flow, input, opts),
      executeRun: (id) => this.executeRun(id),
      written: (steps) => this.written(steps),
      sleep: (ms, signal) => clock.sleep(ms, signal).catch(() => { throw new CancelledSignal(); }),
    };
  }

  get store(): Store {
    return this.options.store;
  }

  /** Validates and compiles a flow definition; throws FlowInvalidError listing every problem. */
  compile(definition: FlowDefinition, source = definition.id): CompiledFlow {
    // Flows reach here from files, the store and the API, not all through `staffwire validate`;
    // the compiler assumes the schema's shape (a known kind for every step).
    const validate = schemaValidator('flow');
    if (!validate(definition)) throw new FlowInvalidError(source, schemaDiagnostics(validate.errors ?? [], definition));
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
    const run = await this.prepareRun(flow, input, options);
    await this.store.createRun(run);
    return run;
  }

  /**
   * The run `startRun` would create, checked and with its flow stored, for a caller that creates
   * it in a write of its own (a schedule fires its run and marks itself fired in one). The input
   * must satisfy the flow's schema; the business key comes from the flow's `businessKey`.
   */
  async prepareRun(flow: CompiledFlow, input: unknown, options: StartRunOptions = {}): Promise<RunRecord> {
    const tooDeep = findTooDeepPointerInValue(input, MAX_JSON_DEPTH);
    if (tooDeep !== undefined) {
      throw new InputError(`input of flow ${flow.definition.id} is nested deeper than ${MAX_JSON_DEPTH} levels (at ${tooDeep})`, 'json.too_deep');
    }
    if (flow.definition.input) {
      const validate = compileSchema(flow.definition.input);
      if (!validate(input)) {
        const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
        throw new InputError(`input of flow ${flow.definition.id} is invalid: ${problems.join('; ')}`, 'flow.invalid_input');
      }
    }
    const businessKey = options.businessKey ?? (await this.businessKeyOf(flow, input));
    await this.storeFlow(flow);
    const subFlows = options.subFlows ?? (await this.pinSubFlows(flow));
    const now = this.services.now();
    const at = now.toISOString();
    return {
      id: options.runId ?? newRunId(now),
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
      ...(Object.keys(subFlows).length > 0 ? { subFlows } : {}),
      ...(businessKey !== undefined ? { businessKey, ...(flow.onDuplicate === 'skip' ? { exclusiveKey: true } : {}) } : {}),
      createdBy: options.actor ?? 'engine',
    };
  }

  /** The flow's business key for this input; a key that cannot be computed refuses the input. */
  private async businessKeyOf(flow: CompiledFlow, input: unknown): Promise<string | undefined> {
    if (!flow.businessKey) return undefined;
    let key: unknown;
    try {
      key = await flow.businessKey.evaluate({ input, steps: {}, run: { id: '', flowId: flow.definition.id, flowVersion: flow.definition.version, startedAt: '' } });
    } catch (err) {
      throw new InputError(`the business key of flow ${flow.definition.id} cannot be computed from this input: ${(err as Error).message}`, 'flow.invalid_business_key');
    }
    if (key === undefined || key === null || key === '') {
      throw new InputError(`the business key of flow ${flow.definition.id} is empty for this input (businessKey: ${flow.definition.businessKey})`, 'flow.invalid_business_key');
    }
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new InputError(`the business key of flow ${flow.definition.id} must be a string or number, got ${JSON.stringify(key)}`, 'flow.invalid_business_key');
    }
    return String(key);
  }

  /**
   * Executes (or continues) a run until it succeeds, fails, is cancelled or parks waiting.
   * Concurrent calls for one run in this process share one execution. A run held by a process
   * that died on this host is taken over; one held by a live process is returned untouched.
   */
  executeRun(runId: string): Promise<RunRecord> {
    return this.track(runId, (abort) => this.claimAndExecute(runId, abort));
  }

  /**
   * Starts a run and executes it here at once: the run is created already claimed by this
   * process, saving the claim's round trip. What `staffwire run` and the demo do. `onCreated`
   * hears of the run once it exists, before it executes.
   */
  async runNow(
    flow: CompiledFlow,
    input: unknown,
    options: Omit<StartRunOptions, 'claimed'> & { onCreated?: (run: RunRecord) => void } = {},
  ): Promise<RunRecord> {
    const { onCreated, ...start } = options;
    const run = await this.startRun(flow, input, { ...start, claimed: true });
    onCreated?.(run);
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

  private async claimAndExecute(runId: string, abort: AbortController): Promise<RunRecord> {
    const store = this.store;
    const now = this.services.now();
    const existing = await store.getRun(runId);
    if (!existing) throw new InputError(`no run with id ${runId}`, 'run.not_found');
    if (TERMINAL_STATUSES.includes(existing.status)) return existing;
    const takeOverFrom =
      existing.owner && existing.owner !== this.owner && ownerIsDeadOnThisHost(existing.owner) ? existing.owner : undefined;
    const at = now.toISOString();
    const leaseUntil = new Date(now.getTime() + this.limits.leaseMs).toISOString();
    const running = { status: 'running' as const, startedAt: existing.startedAt ?? at, updatedAt: at, waitingUntil: undefined, waitingFor: undefined };
    const woken =
      existing.status === 'waiting' || takeOverFrom || (existing.status === 'running' && existing.owner !== this.owner)
        ? [{ runId, at, type: 'run.woken' as const, actor: 'engine', data: { was: existing.status, owner: this.owner, ...(existing.waitingFor ? { waitedFor: existing.waitingFor } : {}), ...(existing.owner && existing.owner !== this.owner ? { previousOwner: existing.owner } : {}) } }]
        : [];
    const claimed = await store.claimRun(runId, { owner: this.owner, leaseUntil, now: at, ...(takeOverFrom ? { takeOverFrom } : {}), patch: running, journal: woken });
    if (!claimed) return existing;
    if (takeOverFrom) this.options.log.info({ runId, previousOwner: takeOverFrom }, 'took over a run whose process is gone');
    const run: RunRecord = { ...existing, ...running, owner: this.owner, leaseUntil };
    delete run.waitingUntil;
    delete run.waitingFor;
    try {
      const flow = await this.flowOf(run);
      return await this.executeOwned(run, flow, await store.listSteps(runId), abort);
    } catch (err) {
      await this.releaseQuietly(runId);
      if (err instanceof StoreUnavailableError) throw new RunInterruptedError(runId, err);
      throw err;
    }
  }

  /** Executes a run this process has claimed, and records how the pass ended. */
  private async executeOwned(claimed: RunRecord, flow: CompiledFlow, records: StepRecord[], abort: AbortController): Promise<RunRecord> {
    const runId = claimed.id;
    const execution = new RunExecution(claimed, flow, records, this.services, abort.signal);
    let outcome: { output: unknown } | { error: unknown };
    try {
      outcome = { output: await execution.execute() };
    } catch (err) {
      outcome = { error: err };
    }
    try {
      if ('error' in outcome) {
        const err = outcome.error;
        if (err instanceof StoreUnavailableError) throw err;
        // Another process took the run over, or it was cancelled: whatever this pass still
        // holds is not this process's to write.
        if (err instanceof RunFencedError) return await this.lost(runId, err);
      }
      // The outcome, the last checkpoints and the release of the claim are one write, fenced.
      const { steps, journal } = execution.takePending();
      const release = { owner: undefined, leaseUntil: undefined };
      const fenced = { steps, journal, owner: this.owner };
      if ('output' in outcome) return await this.finish(claimed, { status: 'succeeded', output: outcome.output ?? null, error: undefined, ...release }, fenced);
      const err = outcome.error;
      if (err instanceof WaitSignal) {
        const at = this.services.now().toISOString();
        const until = err.until?.toISOString();
        const parked = { runId, at, type: 'run.parked' as const, actor: 'engine', data: { waitingFor: err.waits, ...(until ? { until } : {}) } };
        const run = await this.store.updateRun(
          runId,
          { status: 'waiting', waitingUntil: until, waitingFor: [...err.waits], updatedAt: at, ...release },
          { ...fenced, journal: [...journal, parked] },
        );
        this.written(steps);
        return run;
      }
      if (err instanceof CancelledSignal) {
        // Cancelled here or by another process, or the claim was lost: the record says which.
        return await this.finish(
          claimed,
          { status: 'cancelled', error: { code: 'cancelled', message: 'run cancelled', category: 'cancelled' }, ...release },
          fenced,
        );
      }
      const error = err instanceof StepFailedError ? err.record : toErrorRecord(err, '');
      if (!(err instanceof StepFailedError)) execution.log.error({ err }, 'run failed outside any step');
      return await this.finish(claimed, { status: 'failed', error, ...release }, fenced);
    } catch (err) {
      if (err instanceof RunFencedError) return this.lost(runId, err);
      if (err instanceof StoreUnavailableError) {
        await this.releaseQuietly(runId);
        throw new RunInterruptedError(runId, err);
      }
      throw err;
    }
  }

  /** This process no longer holds the run: it stops, writes nothing, and reports the run as the store has it. */
  private async lost(runId: string, err: RunFencedError): Promise<RunRecord> {
    if (err.status !== 'cancelled') {
      this.options.log.warn({ runId, status: err.status, owner: err.owner }, 'lost the claim on a run; stopped before its next step');
    }
    const run = await this.store.getRun(runId);
    if (!run) throw new InputError(`run ${runId} no longer exists`, 'run.not_found');
    return run;
  }

  private async finish(
    run: RunRecord,
    patch: Partial<RunRecord> & { status: 'succeeded' | 'failed' | 'cancelled' },
    write: { steps: StepRecord[]; journal: JournalEntry[]; owner: string },
  ): Promise<RunRecord> {
    const now = this.services.now().toISOString();
    // A parent is woken through the store, so a parent parked by any process continues.
    const wake = run.parentRunId ? { runId: run.parentRunId, at: now } : undefined;
    const finished = await this.store.updateRun(
      run.id,
      { ...patch, finishedAt: now, updatedAt: now, waitingUntil: undefined, waitingFor: undefined },
      { ...write, ...(wake ? { wake } : {}) },
    );
    this.written(write.steps);
    return finished;
  }

  private written(steps: readonly StepRecord[]): void {
    const observer = this.options.onCheckpoint;
    if (observer) for (const step of steps) observer(step);
  }

  private async releaseQuietly(runId: string): Promise<void> {
    try {
      await this.store.releaseRun(runId, this.owner);
    } catch (err) {
      // The store is what failed; the lease lapses on its own, and a resume on this host sees the
      // process is gone.
      this.options.log.warn({ runId, err: (err as Error).message }, 'could not release the claim on a run');
    }
  }

  /**
   * Makes a failed run executable again from its failed step; completed steps stay completed.
   * A sub-flow is never started afresh: a failed one continues from its own failed step, a
   * cancelled one is continued, and a finished one's output is reused, so no call it made goes
   * out again under a new key.
   */
  async retryRun(runId: string, options: Actor = {}): Promise<RunRecord> {
    const run = await this.store.getRun(runId);
    if (!run) throw new InputError(`no run with id ${runId}`, 'run.not_found');
    if (run.status !== 'failed') {
      throw new InputError(`run ${runId} is ${run.status}; only failed runs can be retried`, 'run.not_failed');
    }
    return this.reopen(run, options.actor ?? 'engine');
  }

  private async reopen(run: RunRecord, actor: string): Promise<RunRecord> {
    const failed = (await this.store.listSteps(run.id)).filter((s) => s.status === 'failed');
    // Run steps keep their record, which names the child the step goes back to.
    const keep = new Set<string>();
    for (const step of failed) {
      if (resumesOnRetry(step.kind)) keep.add(step.path);
      const childRunId = step.state?.childRunId;
      if (typeof childRunId !== 'string') continue;
      const child = await this.store.getRun(childRunId);
      if (!child) continue;
      if (child.status === 'failed' || child.status === 'cancelled') await this.reopen(child, actor);
      keep.add(step.path);
    }
    // The failed checkpoints go so the steps run again; the journal keeps their history.
    await this.store.deleteSteps(run.id, failed.filter((s) => !keep.has(s.path)).map((s) => s.path));
    const at = this.services.now().toISOString();
    return this.store.updateRun(
      run.id,
      { status: 'queued', error: undefined, finishedAt: undefined, updatedAt: at },
      { journal: [{ runId: run.id, at, type: 'run.retried', actor, data: { was: run.status, steps: failed.map((s) => s.path), ...(run.error ? { error: run.error } : {}) } }] },
    );
  }

  /**
   * Cancels a run that has not finished, and the sub-flow runs it started. The record is what
   * counts: a process executing the run finds it at its next checkpoint and stops before its
   * next side effect; one in this process is stopped at once.
   */
  async cancelRun(runId: string, options: Actor = {}): Promise<RunRecord> {
    const run = await this.store.getRun(runId);
    if (!run) throw new InputError(`no run with id ${runId}`, 'run.not_found');
    if (TERMINAL_STATUSES.includes(run.status)) {
      throw new InputError(`run ${runId} already ${run.status}`, 'run.finished');
    }
    return this.cancelTree(run, options.actor ?? 'engine');
  }

  private async cancelTree(run: RunRecord, actor: string): Promise<RunRecord> {
    const now = this.services.now().toISOString();
    const cancelled = await this.store.updateRun(
      run.id,
      {
        status: 'cancelled',
        finishedAt: now,
        updatedAt: now,
        waitingUntil: undefined,
        waitingFor: undefined,
        owner: undefined,
        leaseUntil: undefined,
        error: { code: 'cancelled', message: 'run cancelled', category: 'cancelled' },
      },
      { journal: [{ runId: run.id, at: now, type: 'run.cancelled', actor, data: { was: run.status } }] },
    );
    this.executing.get(run.id)?.abort.abort();
    for (const child of await this.store.listRuns({ parentRunId: run.id, status: ['queued', 'running', 'waiting'] })) {
      await this.cancelTree(child, actor);
    }
    return cancelled;
  }

  /**
   * Runs another process left behind: queued, running with a lapsed claim or a claim by a
   * process on this host that no longer exists, and waiting runs already due.
   */
  async interruptedRuns(limit = 10_000, options: { abandoned?: boolean } = {}): Promise<string[]> {
    const due = await this.store.dueRuns(this.services.now().toISOString(), limit);
    if (options.abandoned === false) return due.map((d) => d.id);
    return [...new Set([...due.map((d) => d.id), ...(await this.abandonedRuns())])];
  }

  /** Running runs whose process on this host is gone, though their lease has not lapsed yet. */
  async abandonedRuns(): Promise<string[]> {
    const running = await this.store.listRuns({ status: ['running'] });
    return running.filter((run) => run.owner && run.owner !== this.owner && ownerIsDeadOnThisHost(run.owner)).map((run) => run.id);
  }

  async flowOf(run: Pick<RunRecord, 'id' | 'flowHash'>): Promise<CompiledFlow> {
    const cached = this.compiled.get(run.flowHash);
    if (cached) return cached;
    const content = await this.store.getFlowContent(run.flowHash);
    if (!content) throw new InputError(`flow content ${run.flowHash} of run ${run.id} is missing from the store`, 'run.flow_missing');
    return this.compile(JSON.parse(content) as FlowDefinition);
  }

  private async storeFlow(flow: CompiledFlow): Promise<void> {
    if (this.storedFlows.has(flow.hash)) return;
    await this.store.putFlowContent(flow.hash, flow.content);
    this.storedFlows.add(flow.hash);
  }

  /**
   * The versions of every sub-flow a new run can reach, as they are now, stored with their
   * content: editing a flow file never changes runs already under way, their children included.
   * A sub-flow not found now is left out; its run step then fails with a clear error.
   */
  private async pinSubFlows(flow: CompiledFlow): Promise<Record<string, string>> {
    const pinned: Record<string, string> = {};
    const pending = [...flow.subFlows];
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (Object.hasOwn(pinned, id)) continue;
      const definition = await this.options.flows?.get(id);
      if (!definition) continue;
      const child = this.compileSubFlow(definition, id);
      await this.storeFlow(child);
      pinned[id] = child.hash;
      pending.push(...child.subFlows);
    }
    return pinned;
  }

  private async subFlow(id: string, parent: RunRecord): Promise<CompiledFlow> {
    const hash = parent.subFlows?.[id];
    if (hash !== undefined) return this.flowOf({ id: parent.id, flowHash: hash });
    const definition = await this.options.flows?.get(id);
    if (!definition) throw new InputError(`sub-flow "${id}" was not found in the flow folders`, 'run.flow_not_found');
    return this.compileSubFlow(definition, id);
  }

  private compileSubFlow(definition: FlowDefinition, id: string): CompiledFlow {
    let compiled = this.compiledSubFlows.get(definition);
    if (!compiled) this.compiledSubFlows.set(definition, (compiled = this.compile(definition, id)));
    return compiled;
  }

  /** Resolved once per process: the configuration and the environment do not change under it. */
  private connection(name: string | undefined): { connection: ResolvedConnection | undefined; resources: ResourceScope } {
    if (name === undefined) return { connection: undefined, resources: this.connectionResources.scopeFor(undefined) };
    let found = this.resolvedConnections.get(name);
    if (!found) {
      const config = this.services.connections[name];
      if (!config) throw new InputError(`connection "${name}" is not configured`, 'call.unknown_connection');
      const connection = resolveConnection(name, config);
      found = { connection, resources: this.connectionResources.scopeFor(connection) };
      this.resolvedConnections.set(name, found);
    }
    return found;
  }

  private startLeaseRenewal(): void {
    if (this.cancelLeaseRenewal) return;
    const every = Math.max(250, this.limits.leaseMs / 3);
    let stopped = false;
    let cancelTimer = () => {};
    const round = () => {
      cancelTimer = this.clock.schedule(() => void this.renewLeases().finally(() => stopped || round()), every);
    };
    round();
    this.cancelLeaseRenewal = () => {
      stopped = true;
      cancelTimer();
    };
  }

  private stopLeaseRenewal(): void {
    this.cancelLeaseRenewal?.();
    this.cancelLeaseRenewal = undefined;
  }

  /**
   * Keeps this process's claims alive. A claim that cannot be renewed was lost (taken over, or
   * the run cancelled): its execution is stopped; fenced writes make sure it writes nothing
   * even if it is mid-call. A store that cannot be written now is tried again next round.
   */
  private async renewLeases(): Promise<void> {
    const leaseUntil = new Date(this.services.now().getTime() + this.limits.leaseMs).toISOString();
    for (const [runId, { abort }] of this.executing) {
      try {
        if (!(await this.store.renewLease(runId, this.owner, leaseUntil))) abort.abort();
      } catch (err) {
        this.options.log.warn({ runId, err: (err as Error).message }, 'could not renew the claim on a run; trying again');
      }
    }
  }
}

/** Ids sort by creation time, then are random: `run_<ms base 36><12 hex>`. */
export function newRunId(now: Date): string {
  return `run_${now.getTime().toString(36)}${randomUUID().replaceAll('-', '').slice(0, 12)}`;
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
