import type { CompiledValue } from './expressions/template.js';
import type { FlowDefinition, StepKind } from './flow-types.js';
import type { ResolvedRetryPolicy } from './retry/retry-policy.js';

interface CompiledStepBase<K extends StepKind> {
  id: string;
  kind: K;
  /** JSON pointer of the step in the flow file, for messages. */
  pointer: string;
  retry: ResolvedRetryPolicy | undefined;
}

export interface CompiledCall extends CompiledStepBase<'call'> {
  connector: string;
  action: string;
  connection: string | undefined;
  sideEffect: boolean;
  input: CompiledValue;
}
export interface CompiledSet extends CompiledStepBase<'set'> {
  values: CompiledValue;
}
export interface CompiledSwitch extends CompiledStepBase<'switch'> {
  cases: { when: CompiledValue; steps: CompiledStep[] }[];
  otherwise: CompiledStep[] | undefined;
}
export interface CompiledFor extends CompiledStepBase<'for'> {
  each: CompiledValue;
  concurrency: number;
  onFailure: 'stop' | 'collect';
  steps: CompiledStep[];
}
export interface CompiledParallel extends CompiledStepBase<'parallel'> {
  branches: [name: string, steps: CompiledStep[]][];
}
export interface CompiledTry extends CompiledStepBase<'try'> {
  steps: CompiledStep[];
  catch: CompiledStep[];
}
export interface CompiledWait extends CompiledStepBase<'wait'> {
  forMs: number | undefined;
  until: CompiledValue | undefined;
}
export interface CompiledRun extends CompiledStepBase<'run'> {
  flow: string;
  input: CompiledValue;
}
export interface CompiledRaise extends CompiledStepBase<'raise'> {
  error: string;
  message: CompiledValue;
}
export interface CompiledReturn extends CompiledStepBase<'return'> {
  output: CompiledValue;
}

export type CompiledStep =
  | CompiledCall
  | CompiledSet
  | CompiledSwitch
  | CompiledFor
  | CompiledParallel
  | CompiledTry
  | CompiledWait
  | CompiledRun
  | CompiledRaise
  | CompiledReturn;

/** A flow ready to execute: expressions compiled, actions resolved, content pinned by hash. */
export interface CompiledFlow {
  definition: FlowDefinition;
  hash: string;
  /** Canonical JSON text stored with the run. */
  content: string;
  steps: CompiledStep[];
  output: CompiledValue | undefined;
  /** Ids of the flows its `run` steps start. */
  subFlows: string[];
}
