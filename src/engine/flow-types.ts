/**
 * TypeScript view of schemas/flow.schema.json, which is the definition. test/engine/flow-schema.test.ts
 * fails when the two disagree on the step kinds or their fields.
 */
import type { ErrorCategory } from '../errors/index.js';

export type Duration = number | string;

export interface RetryPolicy {
  maxAttempts?: number;
  initialDelay?: Duration;
  backoffFactor?: number;
  maxDelay?: Duration;
  jitter?: boolean;
  on?: ErrorCategory[];
}

export type Trigger =
  | { kind: 'manual' }
  | { kind: 'event'; connection: string; event: string; when?: string };

interface StepBase {
  id: string;
  description?: string;
}

/** `raise` and `return` cannot fail transiently: the schema gives them no retry policy. */
interface RetryableStepBase extends StepBase {
  retry?: RetryPolicy;
}

export interface CallStep extends RetryableStepBase {
  kind: 'call';
  action: string;
  connection?: string;
  with?: unknown;
}
export interface SetStep extends RetryableStepBase {
  kind: 'set';
  values: Record<string, unknown>;
}
export interface SwitchStep extends RetryableStepBase {
  kind: 'switch';
  cases: { when: string; steps: Step[] }[];
  default?: Step[];
}
export interface ForStep extends RetryableStepBase {
  kind: 'for';
  each: string | unknown[];
  concurrency?: number;
  onFailure?: 'stop' | 'collect';
  steps: Step[];
}
export interface ParallelStep extends RetryableStepBase {
  kind: 'parallel';
  branches: Record<string, Step[]>;
}
export interface TryStep extends RetryableStepBase {
  kind: 'try';
  steps: Step[];
  catch: Step[];
}
export interface WaitStep extends RetryableStepBase {
  kind: 'wait';
  for?: Duration;
  until?: string;
}
export interface RunStep extends RetryableStepBase {
  kind: 'run';
  flow: string;
  input?: unknown;
}
export interface RaiseStep extends StepBase {
  kind: 'raise';
  error: string;
  message?: string;
}
export interface ReturnStep extends StepBase {
  kind: 'return';
  output?: unknown;
}

export type Step =
  | CallStep
  | SetStep
  | SwitchStep
  | ForStep
  | ParallelStep
  | TryStep
  | WaitStep
  | RunStep
  | RaiseStep
  | ReturnStep;

export type StepKind = Step['kind'];

export const STEP_KINDS: readonly StepKind[] = [
  'call',
  'set',
  'switch',
  'for',
  'parallel',
  'try',
  'wait',
  'run',
  'raise',
  'return',
];

export interface FlowDefinition {
  $schema?: string;
  id: string;
  name?: string;
  description?: string;
  version: string;
  input?: Record<string, unknown>;
  triggers?: Trigger[];
  retry?: RetryPolicy;
  output?: unknown;
  steps: Step[];
}
