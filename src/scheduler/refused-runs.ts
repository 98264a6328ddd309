import type { Engine } from '../engine/engine.js';
import type { FlowDefinition } from '../engine/flow-types.js';
import type { ErrorRecord, RunRecord } from '../store/records.js';
import type { BusinessKeyTakenError } from '../store/store.js';

/**
 * Records for a schedule or cron tick that came due but could not start its flow, so that it is
 * neither tried forever nor dropped without a trace: the run it would have started exists under
 * its derived id, finished, with the reason as its error. It shows in run listings, the console
 * and the per-flow failure counts, and the schedule points at it.
 */

/** Why a due schedule or tick started nothing: a code and a message a person can act on. */
export interface Refusal {
  code: string;
  message: string;
}

const FLOW_ID = /^[a-z0-9][a-z0-9-]{0,79}$/;

/**
 * What a refused run is pinned to: a flow that fails at once with the same advice. A refused
 * run is retried like any failed run (`staffwire runs retry`), and a retry fails the same way
 * instead of executing the real flow on an input it refused; fix the flow or its input and
 * schedule again.
 */
function refusalFlow(flowId: string): FlowDefinition {
  return {
    id: FLOW_ID.test(flowId) ? flowId : 'unavailable-flow',
    version: 'refused',
    description: 'Stands for a schedule or cron tick whose flow could not be started; the run’s error (and its journal) says why.',
    steps: [
      {
        id: 'refused',
        kind: 'raise',
        error: 'ScheduleRefused',
        message: 'This run stands for a schedule or cron tick whose flow could not be started when it came due (the first error in its journal says why). Fix the flow or its input, then schedule it again.',
      },
    ],
  } as FlowDefinition;
}

/** A failed run for a due schedule or tick whose flow is gone, invalid, or refuses the input. */
export async function refusedRun(
  engine: Pick<Engine, 'compile' | 'prepareRun'>,
  due: { flowId: string; input: unknown; runId: string; actor: string },
  refusal: Refusal,
): Promise<RunRecord> {
  const flow = engine.compile(refusalFlow(due.flowId));
  const options = { runId: due.runId, actor: due.actor };
  // An input too deep to store is left out; the error says what was wrong with it.
  const prepared = await engine.prepareRun(flow, due.input, options).catch(() => engine.prepareRun(flow, null, options));
  const error: ErrorRecord = { code: refusal.code, message: refusal.message, category: 'validation' };
  return { ...prepared, flowId: due.flowId, status: 'failed', error, finishedAt: prepared.createdAt };
}

/**
 * A cancelled run for a due schedule whose flow admits one unfinished run per business key
 * (`onDuplicate: skip`) while another holds the key: skipped, naming the run that holds it.
 */
export function skippedRun(run: RunRecord, taken: BusinessKeyTakenError): RunRecord {
  const { exclusiveKey: _exclusive, ...rest } = run;
  return {
    ...rest,
    status: 'cancelled',
    finishedAt: run.createdAt,
    error: {
      code: 'schedule.duplicate',
      message: `skipped: run ${taken.runId} of flow ${taken.flowId} is still under way for business key ${taken.businessKey}`,
      category: 'cancelled',
      details: { existingRunId: taken.runId },
    },
  };
}
