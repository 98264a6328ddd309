import type { ConnectorRegistry } from '../../connector-kit/registry.js';
import type { ConnectionConfig } from '../../connector-kit/connection.js';
import type { ExpressionLimits } from '../expressions/expression.js';
import type { CompiledValue } from '../expressions/template.js';
import type { RetryPolicy } from '../flow-types.js';
import type { ResolvedRetryPolicy } from '../retry/retry-policy.js';
import type { StepExecutor } from './step-context.js';

/**
 * A step kind is one module: its definition (the TypeScript view of its schema fragment in
 * schemas/flow.schema.json), its compiled form, how it compiles, the blocks of steps it holds,
 * what it costs to repeat, and its executor. `steps/index.ts` lists them; nothing else in the
 * engine names a kind. A module adds its two types to the maps below:
 *
 *     declare module './step-kind.js' {
 *       interface StepDefinitions { wait: WaitStep }
 *       interface CompiledSteps { wait: CompiledWait }
 *     }
 */
export interface StepDefinitions {}
export interface CompiledSteps {}

export type StepKindName = keyof StepDefinitions & keyof CompiledSteps;
/** A step as written in a flow. */
export type Step = StepDefinitions[keyof StepDefinitions];
/** A step ready to execute: expressions compiled, actions resolved. */
export type CompiledStep = CompiledSteps[keyof CompiledSteps];

export interface StepBase {
  id: string;
  description?: string;
}

/** Steps that can fail transiently take a retry policy; `raise` and `return` cannot. */
export interface RetryableStepBase extends StepBase {
  retry?: RetryPolicy;
}

export interface CompiledStepBase<K extends string = string> {
  id: string;
  kind: K;
  /** JSON pointer of the step in the flow file, for messages. */
  pointer: string;
  retry: ResolvedRetryPolicy | undefined;
}

/**
 * What repeating a step costs, which decides its checkpoints:
 * - `pure`: cheap and harmless to evaluate again; only its result is checkpointed, batched into
 *   the next write.
 * - `tracked`: its start is checkpointed too (containers, waits, reads), batched likewise.
 * - `effect`: reaches beyond the run (a vendor call, a child run, a schedule); everything before
 *   it is written before it starts, and its result before anything after it.
 */
export type StepNature = 'pure' | 'tracked' | 'effect';

/** A block of steps a step holds. */
export interface ChildBlock {
  pointer: string;
  steps: Step[];
  /** Runs once per item: the steps inside are per iteration. */
  iterates?: boolean;
  /** How the step's blocks run relative to each other, when not one after another. */
  together?: 'concurrent' | 'exclusive';
}

export interface CompileEnvironment {
  connectors: ConnectorRegistry;
  connections: Record<string, ConnectionConfig>;
  limits: ExpressionLimits;
}

/** What a step kind's compile rule gets: checked compilation of its values and blocks, and a place for problems. */
export interface StepCompileContext {
  readonly env: CompileEnvironment;
  /** A JSON value with `${ … }` expressions, whose `$steps` references are checked against the steps visible here. */
  value(value: unknown, pointer: string): CompiledValue;
  /** A block of child steps. They see what this step sees, plus the ids of `sees` (a catch sees its try). */
  block(steps: Step[], pointer: string, options?: { sees?: Step[] }): CompiledStep[];
  /** A moment: an expression, or an ISO 8601 timestamp with a zone. */
  timestamp(value: string, pointer: string): CompiledValue;
  problem(pointer: string, message: string): void;
}

export interface StepKind<D extends StepBase & { kind: string }, C extends CompiledStepBase> {
  kind: D['kind'];
  nature(step: C): StepNature;
  /** Takes the flow's retry policy when the step has none of its own. */
  usesFlowRetry?: boolean;
  /** Ends the run with its output, from any depth. */
  endsRun?: boolean;
  /**
   * A failed step retried (`runs retry`) continues from the state it saved instead of starting
   * afresh: a sync goes on at the batch it stopped at, resending an unanswered batch under the
   * same idempotency key rather than writing its records again under a new one.
   */
  resumesOnRetry?: boolean;
  children?(step: D, pointer: string): ChildBlock[];
  /** Ids of the flows the step starts, so a run can pin their versions when it starts. */
  startsFlows?(step: D): string[];
  /** The JSON Schema of the step's output where one is known (an action's declared output), for checking `$steps.<id>.<field>` reads. */
  outputSchema?(step: D, env: CompileEnvironment): Record<string, unknown> | undefined;
  compile(step: D, pointer: string, context: StepCompileContext): Omit<C, keyof CompiledStepBase>;
  execute: StepExecutor<C>;
}
