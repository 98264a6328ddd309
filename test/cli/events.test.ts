import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../src/store/records.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { withStoreFile } from '../support/store-file.js';

/** `staffwire events list|show` on the local store: webhook deliveries and what became of each. */

const ws = useCliWorkspace('events');

const at = (minute: number) => `2030-01-01T09:${String(minute).padStart(2, '0')}:00.000Z`;
const FAR = '2031-01-01T00:00:00.000Z';
const offerEvent = (id: string, minute: number) => ({ id, type: 'hire.offer.status_changed_v1', occurredAt: at(minute), payload: { offer_id: `of_${id}`, offer_status: 7 } });

/** Four deliveries as the intake records them: dispatched, refused, a duplicate of the first, and one still in the outbox. */
async function recordDeliveries(): Promise<DeliveryRecord[]> {
  return withStoreFile(ws.database, async (store: SqliteStore) => {
    const dispatched = await store.recordDelivery({ source: 'lark', receivedAt: at(1), outcome: 'accepted', event: offerEvent('ev_1', 1), dedupeUntil: FAR });
    await store.markDispatched(dispatched.id, at(1), [{ flowId: 'offer-accepted', runId: 'run_started', started: true }]);
    const refused = await store.recordDelivery({ source: 'esign', receivedAt: at(2), outcome: 'refused', reason: { code: 'webhook.bad_signature', message: 'signature does not match' } });
    const duplicate = await store.recordDelivery({ source: 'lark', receivedAt: at(3), outcome: 'accepted', event: offerEvent('ev_1', 1), dedupeUntil: FAR });
    const waiting = await store.recordDelivery({ source: 'lark', receivedAt: at(4), outcome: 'accepted', event: offerEvent('ev_2', 4), dedupeUntil: FAR });
    return [dispatched, refused, duplicate, waiting];
  });
}

const lines = (stdout: string) => stdout.trimEnd().split('\n');

describe('staffwire events', () => {
  it('lists deliveries newest first with their outcome, event and what dispatching them did, filtered on request', async () => {
    const [dispatched, refused, duplicate, waiting] = await recordDeliveries();
    const [all, onlyRefused, lark, since, json] = await Promise.all([
      ws.cli(['events', 'list']),
      ws.cli(['events', 'list', '--outcome', 'refused']),
      ws.cli(['events', 'list', '--source', 'lark', '--outcome', 'accepted,duplicate', '--limit', '2']),
      ws.cli(['events', 'list', '--since', '2030-01-01T09:03:00Z']),
      ws.cli(['events', 'list', '--json']),
    ]);
    expect(all.code).toBe(0);
    expect(lines(all.stdout)).toEqual([
      `${String(waiting!.id).padStart(6)}  ${at(4)}  lark             accepted   hire.offer.status_changed_v1  ev_2  not dispatched yet`,
      `${String(duplicate!.id).padStart(6)}  ${at(3)}  lark             duplicate  hire.offer.status_changed_v1  ev_1  duplicate: event ev_1 was delivered before`,
      `${String(refused!.id).padStart(6)}  ${at(2)}  esign            refused    webhook.bad_signature: signature does not match`,
      `${String(dispatched!.id).padStart(6)}  ${at(1)}  lark             accepted   hire.offer.status_changed_v1  ev_1  started run_started (offer-accepted)`,
    ]);
    expect(lines(onlyRefused.stdout)).toEqual([expect.stringContaining('esign            refused')]);
    expect(lines(lark.stdout).map((l) => l.trim().split(/\s+/)[0])).toEqual([String(waiting!.id), String(duplicate!.id)]);
    expect(lines(since.stdout)).toHaveLength(2);
    expect((JSON.parse(json.stdout) as DeliveryRecord[]).map((d) => d.outcome)).toEqual(['accepted', 'duplicate', 'refused', 'accepted']);
  });

  it('shows one delivery with its event payload, and refuses ids and outcomes that are not', async () => {
    const [dispatched] = await recordDeliveries();
    const [shown, json, missing, notAnId, badOutcome, none] = await Promise.all([
      ws.cli(['events', 'show', String(dispatched!.id)]),
      ws.cli(['events', 'show', String(dispatched!.id), '--json']),
      ws.cli(['events', 'show', '999']),
      ws.cli(['events', 'show', 'abc']),
      ws.cli(['events', 'list', '--outcome', 'lost']),
      ws.cli(['events', 'list', '--since', '2031-01-01']),
    ]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`dispatched ${at(1)}\n`);
    expect(shown.stdout).toContain(`event ev_1 of type hire.offer.status_changed_v1, occurred ${at(1)}:\n{\n  "offer_id": "of_ev_1",\n  "offer_status": 7\n}\n`);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: dispatched!.id, dispatch: [{ runId: 'run_started', started: true }] });
    expect([missing.code, missing.stderr]).toEqual([2, 'staffwire: no delivery with id 999\n']);
    expect([notAnId.code, notAnId.stderr]).toEqual([2, 'staffwire: a delivery id is a positive whole number (`staffwire events list` shows them), got "abc"\n']);
    expect([badOutcome.code, badOutcome.stderr]).toEqual([2, 'staffwire: unknown outcome lost (outcomes: accepted, duplicate, refused, challenge)\n']);
    expect(none.stdout).toBe('no webhook deliveries\n');
  });
});
