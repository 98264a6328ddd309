import { createHash } from 'node:crypto';

/**
 * Run ids the scheduler derives instead of drawing: the same schedule generation or cron tick
 * gives the same id in every process, so the store's refusal of a taken id (or a fired schedule)
 * keeps it from ever running twice.
 */

/** The run one generation of a schedule fires: `run_sch_<24 hex>` of (key, generation). */
export function scheduleRunId(key: string, generation: number): string {
  return `run_sch_${digest(`${key}\u0000${generation}`)}`;
}

/** The run one tick of a flow's cron trigger fires: `run_cron_<24 hex>` of (flow id, trigger index, tick). */
export function cronRunId(flowId: string, triggerIndex: number, tick: string): string {
  return `run_cron_${digest(`${flowId}\u0000${triggerIndex}\u0000${tick}`)}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24);
}
