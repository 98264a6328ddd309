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
  triggers: CompiledTrigger[];
  /** Evaluated on the input ($input) when a run is started. */
  businessKey: CompiledValue | undefined;
  onDuplicate: 'skip' | 'start';
}

export type CompiledTrigger =
  | { kind: 'manual' }
  | { kind: 'event'; connection: string; event: string; when: CompiledValue | undefined }
  | { kind: 'cron'; schedule: string; timeZone: string; missed: 'skip' | 'once'; input: unknown }
  | { kind: 'hook'; secretEnv: string; respondWithinMs: number | undefined };
