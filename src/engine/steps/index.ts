import { callStep } from './call-step.js';
import { listenStep } from './listen-step.js';
import { forStep } from './for-step.js';
import { parallelStep } from './parallel-step.js';
import { raiseStep } from './raise-step.js';
import { returnStep } from './return-step.js';
import { runStep } from './run-step.js';
import { scheduleStep } from './schedule-step.js';
import { setStep } from './set-step.js';
import type { CompiledStep, Step, StepKind, StepKindName } from './step-kind.js';
import { switchStep } from './switch-step.js';
import { syncStep } from './sync/sync-step.js';
import { tryStep } from './try-step.js';
import { unscheduleStep } from './unschedule-step.js';
import { waitStep } from './wait-step.js';

/** Every step kind. Adding one: its module, a line here, its fragment in schemas/flow.schema.json. */
const STEP_KIND_MODULES = [
  callStep,
  setStep,
  switchStep,
  forStep,
  parallelStep,
  tryStep,
  waitStep,
  runStep,
  raiseStep,
  returnStep,
  scheduleStep,
  unscheduleStep,
  listenStep,
  syncStep,
] as const;

type Listed = (typeof STEP_KIND_MODULES)[number]['kind'];
// A kind whose module declares its types but is missing above fails to compile here.
const everyKindListed: [Exclude<StepKindName, Listed>] extends [never] ? true : false = true;
void everyKindListed;

type AnyStepKind = StepKind<Step, CompiledStep>;

const BY_KIND = new Map<string, AnyStepKind>(STEP_KIND_MODULES.map((m) => [m.kind, m as unknown as AnyStepKind]));

export const STEP_KINDS: readonly StepKindName[] = STEP_KIND_MODULES.map((m) => m.kind);

/** The module of a step kind. The schema admits only listed kinds, so a miss is a bug. */
export function stepKind(kind: string): AnyStepKind {
  const found = BY_KIND.get(kind);
  if (!found) throw new Error(`no step kind "${kind}"`);
  return found;
}

/** Whether a failed step of this kind goes on from its saved state when its run is retried; false for records that are no step (a for-item marker). */
export function resumesOnRetry(kind: string): boolean {
  return BY_KIND.get(kind)?.resumesOnRetry === true;
}

/** The blocks of steps a step holds (none for a leaf). */
export function childBlocksOf(step: Step, pointer: string) {
  return stepKind(step.kind).children?.(step, pointer) ?? [];
}

export type { CompiledStep, Step, StepKindName } from './step-kind.js';
