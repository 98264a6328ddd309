import type { DeliveryRecord, RunRecord, ScheduleRecord, StepRecord, StoredJournalEntry } from '../store/records.js';
import { ApiAnswerError, type ApiClient } from './api-client.js';
import type { Operations } from './operations.js';

/** The API's largest page. */
const PAGE = 200;

interface Page<T> {
  items: T[];
  next: string | null;
}

/** The operations against a running server; what is done is recorded as done by the token. */
export function remoteOperations(client: ApiClient): Operations {
  /** Every item of a listing up to `limit`, page after page. */
  const collect = async <T>(path: string, query: Record<string, string | undefined>, limit: number): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.call<Page<T>>('GET', path, { query: { ...query, limit: Math.min(PAGE, limit - items.length), cursor } }).catch(local);
      items.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor !== undefined && items.length < limit);
    return items;
  };
  const found = async <T>(path: string): Promise<T | undefined> => {
    try {
      return await client.call<T>('GET', path);
    } catch (err) {
      if (err instanceof ApiAnswerError && err.status === 404) return undefined;
      throw local(err);
    }
  };
  const change = <T>(path: string, body?: unknown): Promise<T> => client.call<T>('POST', path, body === undefined ? {} : { body }).catch(local);
  const list = (values: readonly string[] | undefined) => (values?.length ? values.join(',') : undefined);

  return {
    listRuns: (f) =>
      collect<RunRecord>('/api/v1/runs', { flow: f.flowId, status: list(f.status), from: f.from, to: f.to, businessKey: f.businessKey }, f.limit),
    async getRun(id) {
      const detail = await found<RunRecord & { steps: StepRecord[]; journal: StoredJournalEntry[] }>(`/api/v1/runs/${encodeURIComponent(id)}`);
      if (!detail) return undefined;
      const { steps, journal, ...run } = detail;
      return { run, steps, journal };
    },
    cancelRun: (id) => change<RunRecord>(`/api/v1/runs/${encodeURIComponent(id)}/cancel`),
    listSchedules: (f) =>
      collect<ScheduleRecord>('/api/v1/schedules', { status: list(f.status), flow: f.flowId, keyPrefix: f.keyPrefix, from: f.from, to: f.to }, f.limit),
    getSchedule: (key) => found<ScheduleRecord>(`/api/v1/schedules/${encodeURIComponent(key)}`),
    cancelSchedule: (key) => change<ScheduleRecord>(`/api/v1/schedules/${encodeURIComponent(key)}/cancel`),
    moveSchedule: (key, at) => change<ScheduleRecord>(`/api/v1/schedules/${encodeURIComponent(key)}/move`, { at }),
    listDeliveries: (f) => collect<DeliveryRecord>('/api/v1/deliveries', { source: f.source, outcome: list(f.outcome), since: f.since }, f.limit),
    getDelivery: (id) => found<DeliveryRecord>(`/api/v1/deliveries/${id}`),
    close: async () => undefined,
  };
}

/** An error answer as the local store would have failed. */
function local(err: unknown): never {
  throw err instanceof ApiAnswerError ? err.asLocalError() : err;
}
