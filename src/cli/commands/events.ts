import { UsageError } from '../../errors/index.js';
import type { DeliveryOutcome, DeliveryRecord } from '../../store/records.js';
import { limitOption, listOption, momentOption, printList, withOperations, type TargetOptions } from '../open-operations.js';

interface Common extends TargetOptions {
  json?: boolean;
}

const OUTCOMES: readonly DeliveryOutcome[] = ['accepted', 'duplicate', 'refused', 'challenge'];

/** What dispatching a delivery did: `started run_x (offer-to-onboard); woke run_y`, or that it waits in the outbox. */
function dispatchSummary(delivery: DeliveryRecord): string {
  if (delivery.outcome !== 'accepted') return '';
  if (!delivery.dispatchedAt) return 'not dispatched yet';
  const results = (delivery.dispatch ?? []).map((r) => {
    if ('woken' in r) return `woke ${r.runId} (${r.step})`;
    if (r.started) return `started ${r.runId} (${r.flowId})`;
    return `${r.flowId}: ${r.reason}${r.runId ? ` (${r.runId})` : ''}`;
  });
  return results.length > 0 ? results.join('; ') : 'started and woke nothing';
}

/** `    12  2030-01-01T09:00:00.000Z  lark             accepted  corehr.offboarding.updated  evt_1  started run_x (deactivate)` */
export function deliveryLine(delivery: DeliveryRecord): string {
  const event = delivery.event ? `  ${delivery.event.type}  ${delivery.event.id}` : '';
  const reason = delivery.reason ? `  ${delivery.reason.code}: ${delivery.reason.message}` : '';
  const dispatched = dispatchSummary(delivery);
  return `${String(delivery.id).padStart(6)}  ${delivery.receivedAt}  ${delivery.source.padEnd(16)} ${delivery.outcome.padEnd(9)}${event}${reason}${dispatched ? `  ${dispatched}` : ''}`;
}

export interface EventsListOptions extends Common {
  source?: string;
  outcome?: string;
  since?: string;
  limit: string;
}

/** Webhook deliveries, newest first, with what became of each. */
export async function eventsListCommand(options: EventsListOptions): Promise<number> {
  const outcome = listOption(options.outcome, { one: 'outcome', many: 'outcomes' }, OUTCOMES);
  const limit = limitOption(options.limit);
  const since = momentOption(options.since, '--since');
  const deliveries = await withOperations(options, { write: false }, (operations) =>
    operations.listDeliveries({
      ...(options.source ? { source: options.source } : {}),
      ...(outcome ? { outcome } : {}),
      ...(since ? { since } : {}),
      limit,
    }),
  );
  printList(deliveries, options.json, 'no webhook deliveries', deliveryLine);
  return 0;
}

export async function eventsShowCommand(idText: string, options: Common): Promise<number> {
  if (!/^\d+$/.test(idText) || Number(idText) < 1) throw new UsageError(`a delivery id is a positive whole number (\`staffwire events list\` shows them), got "${idText}"`);
  const delivery = await withOperations(options, { write: false }, (operations) => operations.getDelivery(Number(idText)));
  if (!delivery) throw new UsageError(`no delivery with id ${idText}`);
  if (options.json) {
    console.log(JSON.stringify(delivery, null, 2));
    return 0;
  }
  console.log(deliveryLine(delivery));
  if (delivery.dispatchedAt) console.log(`dispatched ${delivery.dispatchedAt}`);
  if (delivery.event) {
    console.log(`event ${delivery.event.id} of type ${delivery.event.type}, occurred ${delivery.event.occurredAt}${delivery.event.tenant ? `, tenant ${delivery.event.tenant}` : ''}:`);
    console.log(JSON.stringify(delivery.event.payload, null, 2));
  }
  return 0;
}
