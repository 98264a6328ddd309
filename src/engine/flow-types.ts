/**
 * TypeScript view of schemas/flow.schema.json, which is the definition; each step kind's view is
 * in its module under steps/. test/engine/flow-schema.test.ts fails when the two disagree on the
 * step kinds or their fields.
 */
import type { ErrorCategory } from '../errors/index.js';
import type { Step } from './steps/step-kind.js';

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
  | { kind: 'event'; connection: string; event: string; when?: string }
  | { kind: 'cron'; schedule: string; timeZone?: string; missed?: 'skip' | 'once'; input?: unknown }
  | { kind: 'hook'; secret: { env: string }; respond?: { waitUpTo?: Duration } };

export type { Step, StepKindName as StepKind } from './steps/step-kind.js';
export { STEP_KINDS } from './steps/index.js';

export interface FlowDefinition {
  $schema?: string;
  id: string;
  name?: string;
  description?: string;
  version: string;
  input?: Record<string, unknown>;
  triggers?: Trigger[];
  /** A key from the business for each run, from $input (e.g. the offer id). */
  businessKey?: string;
  /** What a second trigger with the same business key does while a run with it is unfinished. Default skip. */
  onDuplicate?: 'skip' | 'start';
  retry?: RetryPolicy;
  output?: unknown;
  steps: Step[];
}
