import type { DeliveryRecord, DispatchResult } from './records.js';
import { BusinessKeyTakenError, type NewDelivery, type RunExistsError } from './store.js';

/** What a delivery's JSON body holds beside its indexed columns. */
export type DeliveryBody = Pick<DeliveryRecord, 'reason' | 'event' | 'dispatch'>;

/** A delivery's indexed columns, as both stores name them. */
export interface DeliveryColumns {
  id: number;
  source: string;
  received_at: string;
  outcome: DeliveryRecord['outcome'];
  dispatched_at: string | null;
}

export function deliveryWith(row: DeliveryColumns, body: DeliveryBody): DeliveryRecord {
  return {
    id: row.id,
    source: row.source,
    receivedAt: row.received_at,
    outcome: row.outcome,
    ...body,
    ...(row.dispatched_at === null ? {} : { dispatchedAt: row.dispatched_at }),
  };
}

/** The body with what a dispatch did added to what it held, each result once. */
export function withDispatch(body: DeliveryBody, results: readonly DispatchResult[]): DeliveryBody {
  const known = new Set((body.dispatch ?? []).map((r) => JSON.stringify(r)));
  const added = results.filter((r) => !known.has(JSON.stringify(r)));
  return { ...body, dispatch: [...(body.dispatch ?? []), ...added] };
}

/** Why a delivery counts as a duplicate. */
export function duplicateReason(eventId: string): { code: string; message: string } {
  return { code: 'duplicate', message: `event ${eventId} was delivered before` };
}

/**
 * What settling a delivery did (see `NewDelivery.settle`), given how creating its run went: a run
 * that existed already counts as started, as the outbox dispatcher counts it.
 */
export function settledDispatch(settle: NonNullable<NewDelivery['settle']>, refusal?: RunExistsError | BusinessKeyTakenError): DispatchResult {
  if (!('run' in settle)) return { flowId: settle.flowId, started: false, reason: settle.refused };
  const { run } = settle;
  if (refusal instanceof BusinessKeyTakenError) return { flowId: run.flowId, runId: refusal.runId, started: false, reason: refusal.message };
  return { flowId: run.flowId, runId: run.id, started: true };
}
