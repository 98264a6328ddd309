import type { Histogram } from 'prom-client';
import type { App } from '../../app/create-app.js';
import type { FlowDefinition } from '../../engine/flow-types.js';
import type { StepRecord } from '../../store/records.js';

/** Runs whose flow is remembered, so a checkpoint costs a store read only for a run's first step. */
const REMEMBERED_RUNS = 2000;

/**
 * How long the call steps this process executes take, by action, from the checkpoints the engine
 * reports (`onCheckpoint` of createApp): a finished step's `finishedAt − startedAt`. Which action
 * a step calls is read from the flow version its run is pinned to.
 */
export class StepDurations {
  private histogram: Histogram<'action' | 'outcome'> | undefined;
  private app: Pick<App, 'store' | 'engine' | 'log'> | undefined;
  private readonly actionsByRun = new Map<string, Promise<Map<string, string>>>();
  private readonly actionsByFlow = new Map<string, Map<string, string>>();

  /** Starts observing into `histogram`, reading runs and flows through `app`. */
  attach(app: Pick<App, 'store' | 'engine' | 'log'>, histogram: Histogram<'action' | 'outcome'>): void {
    this.app = app;
    this.histogram = histogram;
  }

  /** For createApp's onCheckpoint: never throws, never delays the engine. */
  observe(step: StepRecord): void {
    if (!this.histogram || (step.status !== 'succeeded' && step.status !== 'failed') || !step.finishedAt || step.kind !== 'call') return;
    const seconds = (Date.parse(step.finishedAt) - Date.parse(step.startedAt)) / 1000;
    if (!Number.isFinite(seconds) || seconds < 0) return;
    void this.actionsOf(step.runId)
      .then((actions) => this.histogram?.observe({ action: actions.get(step.stepId) ?? 'unknown', outcome: step.status }, seconds))
      .catch((err: unknown) => this.app?.log.debug({ err: (err as Error).message, runId: step.runId }, 'step duration not recorded'));
  }

  private actionsOf(runId: string): Promise<Map<string, string>> {
    let actions = this.actionsByRun.get(runId);
    if (!actions) {
      actions = this.readActions(runId);
      if (this.actionsByRun.size >= REMEMBERED_RUNS) this.actionsByRun.delete(this.actionsByRun.keys().next().value!);
      this.actionsByRun.set(runId, actions);
    }
    return actions;
  }

  private async readActions(runId: string): Promise<Map<string, string>> {
    const app = this.app!;
    const run = await app.store.getRun(runId);
    if (!run) return new Map();
    let actions = this.actionsByFlow.get(run.flowHash);
    if (!actions) {
      actions = actionsByStep((await app.engine.flowOf(run)).definition);
      this.actionsByFlow.set(run.flowHash, actions);
    }
    return actions;
  }
}

/** Every call step's action by step id, at any depth (inside for, parallel, switch, try). */
export function actionsByStep(definition: FlowDefinition): Map<string, string> {
  const actions = new Map<string, string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (record.kind === 'call' && typeof record.id === 'string' && typeof record.action === 'string') actions.set(record.id, record.action);
    for (const child of Object.values(record)) if (child !== null && typeof child === 'object') visit(child);
  };
  visit(definition.steps);
  return actions;
}
