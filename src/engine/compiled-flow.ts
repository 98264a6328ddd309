import type { CompiledValue } from './expressions/template.js';
import type { FlowDefinition } from './flow-types.js';
import type { CompiledStep } from './steps/step-kind.js';

export type { CompiledStep } from './steps/step-kind.js';

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
