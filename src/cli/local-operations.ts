import type { App } from '../app/create-app.js';
import { cancelScheduleByHand, moveScheduleByHand } from '../server/schedule-changes.js';
import type { Operations } from './operations.js';

/** The operations on this machine's store, as the configuration names it; the actor is `cli`. */
export function localOperations(app: App): Operations {
  const { store, engine } = app;
  return {
    listRuns: (f) =>
      store.listRuns({
        ...(f.flowId ? { flowId: f.flowId } : {}),
        ...(f.status ? { status: f.status } : {}),
        ...(f.from ? { createdFrom: f.from } : {}),
        ...(f.to ? { createdBefore: f.to } : {}),
        ...(f.businessKey ? { businessKey: f.businessKey } : {}),
        limit: f.limit,
      }),
    async getRun(id) {
      const run = await store.getRun(id);
      if (!run) return undefined;
      const [steps, journal] = await Promise.all([store.listSteps(id), store.listJournal(id)]);
      return { run, steps, journal };
    },
    cancelRun: (id) => engine.cancelRun(id, { actor: 'cli' }),
    listSchedules: (f) =>
      store.listSchedules({
        status: f.status,
        ...(f.flowId ? { flowId: f.flowId } : {}),
        ...(f.keyPrefix ? { keyPrefix: f.keyPrefix } : {}),
        ...(f.from ? { fireFrom: f.from } : {}),
        ...(f.to ? { fireBefore: f.to } : {}),
        limit: f.limit,
      }),
    getSchedule: (key) => store.getSchedule(key),
    cancelSchedule: (key) => cancelScheduleByHand(store, key, app.clock.now()),
    moveSchedule: (key, at) => moveScheduleByHand(store, key, at, app.clock.now()),
    listDeliveries: (f) =>
      store.listDeliveries({
        ...(f.source ? { source: f.source } : {}),
        ...(f.outcome ? { outcome: f.outcome } : {}),
        ...(f.since ? { receivedFrom: f.since } : {}),
        limit: f.limit,
      }),
    getDelivery: (id) => store.getDelivery(id),
    close: () => app.close(),
  };
}
