import type pg from 'pg';
import { eventKeys } from '../event-keys.js';
import { deliveryWith, duplicateReason, settledDispatch, withDispatch, type DeliveryBody, type DeliveryColumns } from '../delivery-rows.js';
import { prefixEnd } from '../key-prefix.js';
import {
  TERMINAL_STATUSES,
  type DeliveryQuery,
  type DeliveryRecord,
  type DispatchResult,
  type DueRun,
  type JournalEntry,
  type RunQuery,
  type RunRecord,
  type RunStatus,
  type ScheduleQuery,
  type ScheduleRecord,
  type StepRecord,
  type StoredJournalEntry,
} from '../records.js';
import { applyPatch, checkFence, listensOf, stepOf } from '../run-rules.js';
import { scheduled } from '../schedule-rules.js';
import {
  BusinessKeyTakenError,
  RunNotFoundError,
  type EventKeyQuery,
  type FiringOutcome,
  type NewDelivery,
  type NewSchedule,
  type RunClaim,
  type RunWrite,
  type ScheduleFiring,
  type StateChange,
  type Store,
} from '../store.js';
import { checkSchemaName, ConcurrentWriteError, openPool, PostgresConnection, type Queryable } from './connection.js';
import { redactedUrl } from '../../config/redacted-url.js';
import { migrate } from './migrate.js';
import {
  appendJournal,
  applyStateChanges,
  insertRun,
  lockListens,
  lockRun,
  putFencedSteps,
  readRun,
  upsertSteps,
  wakeRun,
  writeRun,
  writeRunIfUnchanged,
  type StoredRun,
  type VersionedRun,
} from './run-rows.js';
import { DEFAULT_POOL_SIZE } from './defaults.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** The PostgreSQL schema the store keeps its tables in, created when missing. Default `public`. */
  schema?: string;
  /** Connections the pool opens at most. Default 10. */
  poolSize?: number;
  /**
   * Every transaction of the store read-only (`default_transaction_read_only`): for commands that
   * only read. The schema is still brought up to date at open, so they work on a new database.
   */
  readonly?: boolean;
  /** Names the setting that chose the database, for messages. Default `store.url`. */
  setting?: string;
  /** Attempts of a write PostgreSQL aborts for a conflict (serialisation failure, deadlock) before it fails as `store.busy`. Default 5. */
  attempts?: number;
  /** How long opening a connection may take. Default 10000. */
  connectTimeoutMs?: number;
}

/**
 * The store on PostgreSQL, for several processes on several machines sharing one database: every
 * multi-row write is one transaction on one pooled connection, a run's writers take turns on its
 * row lock, and what SQLite's single writer gave for free (a delivery and a park seeing each
 * other) is an advisory lock. Records are JSON bodies beside indexed columns, as in SQLite.
 */
export class PostgresStore implements Store {
  private pendingDeliveries: { delivery: NewDelivery; resolve: (d: DeliveryRecord) => void; reject: (err: unknown) => void }[] = [];
  private closed = false;

  private constructor(private readonly db: PostgresConnection) {}

  /** Connects and migrates the schema: a database that cannot be used fails here, at start. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? 'public';
    checkSchemaName(schema);
    const setting = options.setting ?? 'store.url';
    const location = redactedUrl(options.url);
    const pool = openPool({
      url: options.url,
      schema,
      poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
      readonly: options.readonly ?? false,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    });
    const db = new PostgresConnection(pool, location, setting, options.attempts ?? 5);
    try {
      const client = await pool.connect();
      try {
        await migrate(client, schema, location, setting);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end();
      throw db.translate(err);
    }
    return new PostgresStore(db);
  }

  async putFlowContent(hash: string, content: string): Promise<void> {
    await this.db.statement((q) =>
      q.query({ name: 'sw_put_flow', text: 'INSERT INTO flows (hash, content) VALUES ($1, $2) ON CONFLICT DO NOTHING', values: [hash, content] }),
    );
  }

  async getFlowContent(hash: string): Promise<string | undefined> {
    const rows = await this.rows<{ content: string }>('sw_get_flow', 'SELECT content FROM flows WHERE hash = $1', [hash]);
    return rows[0]?.content;
  }

  async createRun(run: RunRecord, journal?: readonly JournalEntry[]): Promise<void> {
    const refused = journal?.length
      ? await this.db.transaction(async (client) => {
          const refusal = await insertRun(client, run);
          if (!refusal) await appendJournal(client, journal);
          return refusal;
        })
      : await this.db.statement((q) => insertRun(q, run));
    if (refused) throw refused;
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const rows = await this.rows<{ body: string }>('sw_get_run', 'SELECT body FROM runs WHERE id = $1', [id]);
    return rows[0] ? (JSON.parse(rows[0].body) as RunRecord) : undefined;
  }

  async updateRun(id: string, patch: Partial<Omit<RunRecord, 'id'>>, write: RunWrite = {}): Promise<RunRecord> {
    const update = (stored: StoredRun | undefined): RunRecord => {
      if (!stored) throw new RunNotFoundError(id);
      const current = JSON.parse(stored.body) as RunRecord;
      if (write.owner !== undefined) checkFence(id, write.owner, current.status, current.owner);
      return applyPatch(current, patch);
    };
    const read = await this.db.read((q) => readRun(q, id));
    const run = update(read);
    if (!write.wake && (await this.writeIfUnchanged(read!, run, read!.wake_at, write.steps ?? [], write.journal ?? []))) return run;
    return this.db.transaction(async (client) => {
      const stored = await lockRun(client, id);
      const locked = update(stored);
      await upsertSteps(client, write.steps ?? []);
      await writeRun(client, stored!, locked, stored!.wake_at);
      if (write.wake) await wakeRun(client, write.wake.runId, write.wake.at);
      await appendJournal(client, write.journal);
      return locked;
    });
  }

  /**
   * Most writes of a run are one statement over the row as read (see `writeRunIfUnchanged`); false
   * when the row changed meanwhile or the write parks on, or leaves, a listen: the caller then
   * locks the row and decides again.
   */
  private async writeIfUnchanged(read: VersionedRun, run: RunRecord, wakeAt: string | null, steps: readonly StepRecord[], journal: readonly JournalEntry[]): Promise<boolean> {
    if (listensOf(read, run).changed) return false;
    return this.db.statement((q) => writeRunIfUnchanged(q, read, run, wakeAt, steps, journal));
  }

  async listRuns(query: RunQuery = {}): Promise<RunRecord[]> {
    const where = new Conditions();
    if (query.flowId !== undefined) where.add('flow_id = ?', query.flowId);
    if (query.parentRunId !== undefined) where.add('parent_run_id = ?', query.parentRunId);
    if (query.businessKey !== undefined) where.add('business_key = ?', query.businessKey);
    if (query.status?.length) where.add('status = ANY(?::text[])', query.status);
    if (query.createdFrom !== undefined) where.add('created_at >= ?', query.createdFrom);
    if (query.createdBefore !== undefined) where.add('created_at < ?', query.createdBefore);
    if (query.after) where.add('(created_at, id) < (?, ?)', query.after.createdAt, query.after.id);
    const rows = await this.db.read((q) => q.query<{ body: string }>(where.select('SELECT body FROM runs', 'ORDER BY created_at DESC, id DESC', query.limit)));
    return rows.rows.map((row) => JSON.parse(row.body) as RunRecord);
  }

  // The body mirrors the owner columns so readers of the record see who holds it; both change in
  // one write so that another process never sees, or overwrites, one without the other.
  async claimRun(id: string, claim: RunClaim): Promise<boolean> {
    const claimed = (stored: StoredRun | undefined): RunRecord | undefined => {
      if (!stored || TERMINAL_STATUSES.includes(stored.status)) return undefined;
      const free =
        stored.owner === null ||
        stored.owner === claim.owner ||
        (stored.lease_until !== null && stored.lease_until < claim.now) ||
        stored.owner === claim.takeOverFrom;
      if (!free) return undefined;
      return { ...applyPatch(JSON.parse(stored.body) as RunRecord, claim.patch ?? {}), owner: claim.owner, leaseUntil: claim.leaseUntil };
    };
    const read = await this.db.read((q) => readRun(q, id));
    const run = claimed(read);
    if (!run) return false;
    if (await this.writeIfUnchanged(read!, run, null, [], claim.journal ?? [])) return true;
    return this.db.transaction(async (client) => {
      const stored = await lockRun(client, id);
      const locked = claimed(stored);
      if (!locked) return false;
      await writeRun(client, stored!, locked, null);
      await appendJournal(client, claim.journal);
      return true;
    });
  }

  async renewLease(id: string, owner: string, leaseUntil: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      const stored = await lockRun(client, id);
      if (!stored || stored.owner !== owner || TERMINAL_STATUSES.includes(stored.status)) return false;
      await writeRun(client, stored, { ...(JSON.parse(stored.body) as RunRecord), leaseUntil }, stored.wake_at);
      return true;
    });
  }

  async releaseRun(id: string, owner: string): Promise<void> {
    await this.db.transaction(async (client) => {
      const stored = await lockRun(client, id);
      if (!stored || stored.owner !== owner) return;
      const run = JSON.parse(stored.body) as RunRecord;
      delete run.owner;
      delete run.leaseUntil;
      await writeRun(client, stored, run, stored.wake_at);
    });
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    const rows = await this.rows<{ path: string; body: string }>('sw_list_steps', 'SELECT path, body FROM run_steps WHERE run_id = $1', [runId]);
    return rows.map((row) => stepOf(runId, row.path, row.body));
  }

  async putStep(step: StepRecord): Promise<void> {
    await this.db.statement((q) => upsertSteps(q, [step]));
  }

  async putSteps(steps: readonly StepRecord[], write: { owner?: string; journal?: readonly JournalEntry[]; state?: readonly StateChange[] } = {}): Promise<void> {
    const fenced = write.owner !== undefined && steps.length > 0;
    if (!fenced && !write.journal?.length && !write.state?.length) {
      await this.db.statement((q) => upsertSteps(q, steps));
      return;
    }
    if (fenced && !write.state?.length) {
      const runId = steps[0]!.runId;
      const holder = await this.db.statement((q) => putFencedSteps(q, runId, write.owner!, steps, write.journal ?? []));
      checkFence(runId, write.owner!, holder?.status, holder?.owner ?? undefined);
      return;
    }
    await this.db.transaction(async (client) => {
      if (fenced) {
        const runId = steps[0]!.runId;
        // Shared: the owner's own writes need no turn, but a claim by another waits for this one.
        const holder = await client.query<{ status: RunStatus; owner: string | null }>({
          name: 'sw_run_holder',
          text: 'SELECT status, owner FROM runs WHERE id = $1 FOR SHARE',
          values: [runId],
        });
        checkFence(runId, write.owner!, holder.rows[0]?.status, holder.rows[0]?.owner ?? undefined);
      }
      await upsertSteps(client, steps);
      await appendJournal(client, write.journal);
      await applyStateChanges(client, write.state);
    });
  }

  async deleteSteps(runId: string, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.db.statement((q) =>
      q.query({ name: 'sw_delete_steps', text: 'DELETE FROM run_steps WHERE run_id = $1 AND path = ANY($2::text[])', values: [runId, paths] }),
    );
  }

  async listJournal(runId: string): Promise<StoredJournalEntry[]> {
    const rows = await this.rows<{ seq: string; body: string }>('sw_list_journal', 'SELECT seq, body FROM run_journal WHERE run_id = $1 ORDER BY seq', [runId]);
    return rows.map((row) => ({ seq: Number(row.seq), runId, ...(JSON.parse(row.body) as Omit<JournalEntry, 'runId'>) }) as StoredJournalEntry);
  }

  /** Two index range scans: the due index, and the lease index of the few running runs. */
  async dueRuns(now: string, limit: number): Promise<DueRun[]> {
    const rows = await this.rows<{ id: string; due_at: string }>(
      'sw_due_runs',
      `(SELECT id, due_at FROM runs WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT $2)
       UNION ALL
       (SELECT id, coalesce(lease_until, body::json->>'updatedAt') AS due_at FROM runs
        WHERE status = 'running' AND coalesce(lease_until, '') <= $1 ORDER BY coalesce(lease_until, '') LIMIT $2)
       ORDER BY due_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => ({ id: row.id, dueAt: row.due_at }));
  }

  async nextDueAt(): Promise<string | undefined> {
    const rows = await this.rows<{ due: string | null; lease: string | null }>(
      'sw_next_due',
      `SELECT (SELECT due_at FROM runs WHERE due_at IS NOT NULL ORDER BY due_at LIMIT 1) AS due,
              (SELECT min(coalesce(lease_until, '')) FROM runs WHERE status = 'running') AS lease`,
      [],
    );
    const { due, lease } = rows[0] ?? { due: null, lease: null };
    if (due === null) return lease ?? undefined;
    return lease !== null && lease < due ? lease : due;
  }

  /**
   * Queued and written with the others that arrive in the same turn of the event loop, in one
   * transaction: the intake answers each only once its delivery is committed.
   */
  recordDelivery(delivery: NewDelivery): Promise<DeliveryRecord> {
    return new Promise((resolve, reject) => {
      this.pendingDeliveries.push({ delivery, resolve, reject });
      if (this.pendingDeliveries.length === 1) setImmediate(() => void this.flushDeliveries());
    });
  }

  private async flushDeliveries(): Promise<void> {
    const batch = this.pendingDeliveries;
    this.pendingDeliveries = [];
    try {
      const recorded = await this.db.transaction(async (client) => {
        const records: DeliveryRecord[] = [];
        for (const pending of batch) records.push(await this.insertDelivery(client, pending.delivery));
        return records;
      });
      batch.forEach((p, i) => p.resolve(recorded[i]!));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  private async insertDelivery(client: pg.PoolClient, delivery: NewDelivery): Promise<DeliveryRecord> {
    let outcome: DeliveryRecord['outcome'] = delivery.outcome;
    let reason = delivery.reason;
    const event = delivery.event;
    if (outcome === 'accepted' && event && delivery.dedupeUntil !== undefined) {
      // New, or seen under a mark that expired by now: one statement decides, whoever races it.
      const marked = await client.query({
        name: 'sw_mark_delivery_seen',
        text: `INSERT INTO seen_events (source, event_id, expires_at) VALUES ($1, $2, $3)
               ON CONFLICT (source, event_id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE seen_events.expires_at <= $4`,
        values: [delivery.source, event.id, delivery.dedupeUntil, delivery.receivedAt],
      });
      if (marked.rowCount === 0) {
        outcome = 'duplicate';
        reason = duplicateReason(event.id);
      }
    }
    // Only an accepted event that a flow may start from waits in the outbox; the rest are settled.
    const settle = outcome === 'accepted' ? delivery.settle : undefined;
    const dispatchedAt = outcome === 'accepted' && delivery.triggers !== false && !settle ? null : delivery.receivedAt;
    const body: DeliveryBody = { ...(reason ? { reason } : {}), ...(event ? { event } : {}) };
    // A refused insert writes nothing, so the deliveries batched with this one stand without a savepoint.
    if (settle) body.dispatch = [settledDispatch(settle, 'run' in settle ? await insertRun(client, settle.run) : undefined)];
    const inserted = await client.query<{ id: string }>({
      name: 'sw_insert_delivery',
      text: 'INSERT INTO deliveries (source, received_at, outcome, dispatched_at, body) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      values: [delivery.source, delivery.receivedAt, outcome, dispatchedAt, JSON.stringify(body)],
    });
    const id = Number(inserted.rows[0]!.id);
    if (outcome === 'accepted' && event && delivery.listenable !== false) {
      await lockListens(client, delivery.source, event.type, true);
      const keys = eventKeys(event);
      await client.query({
        name: 'sw_insert_event_keys',
        text: `INSERT INTO event_keys (source, type, path, value, delivery_id, received_at)
               SELECT $1, $2, p, v, $5, $6 FROM unnest($3::text[], $4::text[]) AS k(p, v) ON CONFLICT DO NOTHING`,
        values: [delivery.source, event.type, keys.map((k) => k.path), keys.map((k) => k.value), id, delivery.receivedAt],
      });
      // Runs already listening wake in this same write: no crash can lose the wake-up.
      const listeners = await this.listenersIn(client, id);
      if (listeners.length > 0) {
        for (const l of listeners) await wakeRun(client, l.runId, delivery.receivedAt);
        body.dispatch = listeners.map((l) => ({ runId: l.runId, woken: true as const, step: l.step }));
        await client.query({ name: 'sw_delivery_body', text: 'UPDATE deliveries SET body = $2 WHERE id = $1', values: [id, JSON.stringify(body)] });
      }
    }
    return deliveryWith({ id, source: delivery.source, received_at: delivery.receivedAt, outcome, dispatched_at: dispatchedAt }, body);
  }

  async getDelivery(id: number): Promise<DeliveryRecord | undefined> {
    const rows = await this.rows<DeliveryRow>('sw_get_delivery', `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1`, [id]);
    return rows[0] ? deliveryOf(rows[0]) : undefined;
  }

  async listDeliveries(query: DeliveryQuery = {}): Promise<DeliveryRecord[]> {
    const where = new Conditions();
    if (query.source !== undefined) where.add('source = ?', query.source);
    if (query.outcome?.length) where.add('outcome = ANY(?::text[])', query.outcome);
    if (query.receivedFrom !== undefined) where.add('received_at >= ?', query.receivedFrom);
    if (query.before !== undefined) where.add('id < ?', query.before);
    const rows = await this.db.read((q) => q.query<DeliveryRow>(where.select(`SELECT ${DELIVERY_COLUMNS} FROM deliveries`, 'ORDER BY id DESC', query.limit)));
    return rows.rows.map(deliveryOf);
  }

  async undispatchedDeliveries(limit: number): Promise<DeliveryRecord[]> {
    const rows = await this.rows<DeliveryRow>(
      'sw_outbox',
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE outcome = 'accepted' AND dispatched_at IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map(deliveryOf);
  }

  async markDispatched(id: number, at: string, results: readonly DispatchResult[]): Promise<void> {
    await this.db.transaction(async (client) => {
      const row = await client.query<{ body: string }>({ name: 'sw_lock_delivery', text: 'SELECT body FROM deliveries WHERE id = $1 FOR UPDATE', values: [id] });
      if (!row.rows[0]) return;
      const body = withDispatch(JSON.parse(row.rows[0].body) as DeliveryBody, results);
      await client.query({ name: 'sw_mark_dispatched', text: 'UPDATE deliveries SET dispatched_at = $2, body = $3 WHERE id = $1', values: [id, at, JSON.stringify(body)] });
    });
  }

  async findEvents(query: EventKeyQuery): Promise<DeliveryRecord[]> {
    const rows = await this.rows<DeliveryRow>(
      'sw_find_events',
      `SELECT d.id, d.source, d.received_at, d.outcome, d.dispatched_at, d.body FROM event_keys k JOIN deliveries d ON d.id = k.delivery_id
       WHERE k.source = $1 AND k.type = $2 AND k.path = $3 AND k.value = $4 AND k.received_at >= $5 ORDER BY k.delivery_id LIMIT $6`,
      [query.source, query.type, query.path, query.value, query.receivedFrom, query.limit],
    );
    return rows.map(deliveryOf);
  }

  async listenersOf(deliveryId: number): Promise<{ runId: string; step: string }[]> {
    return this.db.read((q) => this.listenersIn(q, deliveryId));
  }

  private async listenersIn(q: Queryable, deliveryId: number): Promise<{ runId: string; step: string }[]> {
    const result = await q.query<{ run_id: string; step: string }>({
      name: 'sw_listeners_of',
      text: `SELECT DISTINCT l.run_id, l.step FROM event_keys k JOIN listens l
               ON l.source = k.source AND l.type = k.type AND l.path = k.path AND l.value = k.value
             WHERE k.delivery_id = $1 ORDER BY l.run_id, l.step`,
      values: [deliveryId],
    });
    return result.rows.map((row) => ({ runId: row.run_id, step: row.step }));
  }

  async wakeRuns(runIds: readonly string[], at: string): Promise<void> {
    if (runIds.length === 0) return;
    // In one order, so two processes waking the same runs lock them without deadlocking.
    const ordered = [...new Set(runIds)].sort();
    await this.db.transaction(async (client) => {
      for (const id of ordered) await wakeRun(client, id, at);
    });
  }

  async putSchedule(schedule: NewSchedule): Promise<ScheduleRecord> {
    return this.db.transaction(async (client) => {
      const previous = await this.lockSchedule(client, schedule.key);
      const record = scheduled(previous, schedule);
      if (record === previous) return previous;
      if (previous) await this.writeSchedule(client, record);
      else {
        const inserted = await client.query({
          name: 'sw_insert_schedule',
          text: 'INSERT INTO schedules (key, flow_id, status, fire_at, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
          values: scheduleColumns(record),
        });
        // Another process scheduled the key first: read its generation and go again.
        if (inserted.rowCount === 0) throw new ConcurrentWriteError(`schedule ${schedule.key}`);
      }
      return record;
    });
  }

  async cancelSchedule(key: string, at: string): Promise<ScheduleRecord | undefined> {
    return this.changeSchedule(key, (s) => ({ ...s, status: 'cancelled', updatedAt: at }));
  }

  async moveSchedule(key: string, fireAt: string, at: string): Promise<ScheduleRecord | undefined> {
    return this.changeSchedule(key, (s) => ({ ...s, fireAt, generation: s.generation + 1, updatedAt: at }));
  }

  private async changeSchedule(key: string, change: (s: ScheduleRecord) => ScheduleRecord): Promise<ScheduleRecord | undefined> {
    return this.db.transaction(async (client) => {
      const record = await this.lockSchedule(client, key);
      if (record?.status !== 'pending') return undefined;
      const next = change(record);
      await this.writeSchedule(client, next);
      return next;
    });
  }

  async getSchedule(key: string): Promise<ScheduleRecord | undefined> {
    const rows = await this.rows<{ body: string }>('sw_get_schedule', 'SELECT body FROM schedules WHERE key = $1', [key]);
    return rows[0] ? (JSON.parse(rows[0].body) as ScheduleRecord) : undefined;
  }

  async listSchedules(query: ScheduleQuery = {}): Promise<ScheduleRecord[]> {
    const where = new Conditions();
    if (query.status?.length) where.add('status = ANY(?::text[])', query.status);
    if (query.flowId !== undefined) where.add('flow_id = ?', query.flowId);
    if (query.keyPrefix !== undefined) {
      const end = prefixEnd(query.keyPrefix);
      where.add('key >= ?', query.keyPrefix);
      if (end !== undefined) where.add('key < ?', end);
    }
    if (query.fireFrom !== undefined) where.add('fire_at >= ?', query.fireFrom);
    if (query.fireBefore !== undefined) where.add('fire_at < ?', query.fireBefore);
    if (query.after) where.add('(fire_at, key) > (?, ?)', query.after.fireAt, query.after.key);
    const rows = await this.db.read((q) => q.query<{ body: string }>(where.select('SELECT body FROM schedules', 'ORDER BY fire_at, key', query.limit)));
    return rows.rows.map((row) => JSON.parse(row.body) as ScheduleRecord);
  }

  async dueSchedules(now: string, limit: number): Promise<ScheduleRecord[]> {
    const rows = await this.rows<{ body: string }>(
      'sw_due_schedules',
      "SELECT body FROM schedules WHERE status = 'pending' AND fire_at <= $1 ORDER BY fire_at, key LIMIT $2",
      [now, limit],
    );
    return rows.map((row) => JSON.parse(row.body) as ScheduleRecord);
  }

  async nextScheduleAt(): Promise<string | undefined> {
    const rows = await this.rows<{ fire_at: string }>('sw_next_schedule', "SELECT fire_at FROM schedules WHERE status = 'pending' ORDER BY fire_at, key LIMIT 1", []);
    return rows[0]?.fire_at;
  }

  async fireSchedules(firings: readonly ScheduleFiring[]): Promise<FiringOutcome[]> {
    if (firings.length === 0) return [];
    return this.db.transaction(async (client) => {
      const outcomes: FiringOutcome[] = [];
      for (const { key, generation, run } of firings) {
        const record = await this.lockSchedule(client, key);
        if (record?.status !== 'pending' || record.generation !== generation) {
          outcomes.push({ fired: false });
          continue;
        }
        // A run with this id exists: this generation fired before, in a write that marked nothing.
        // A taken business key wrote nothing, so the other firings stand without a savepoint.
        const refused = await insertRun(client, run);
        if (refused instanceof BusinessKeyTakenError) {
          outcomes.push({ fired: false, taken: refused });
          continue;
        }
        await this.writeSchedule(client, { ...record, status: 'fired', runId: run.id, updatedAt: run.createdAt });
        outcomes.push({ fired: true });
      }
      return outcomes;
    });
  }

  private async lockSchedule(client: pg.PoolClient, key: string): Promise<ScheduleRecord | undefined> {
    const row = await client.query<{ body: string }>({ name: 'sw_lock_schedule', text: 'SELECT body FROM schedules WHERE key = $1 FOR UPDATE', values: [key] });
    return row.rows[0] ? (JSON.parse(row.rows[0].body) as ScheduleRecord) : undefined;
  }

  private async writeSchedule(client: pg.PoolClient, record: ScheduleRecord): Promise<void> {
    await client.query({ name: 'sw_update_schedule', text: 'UPDATE schedules SET flow_id = $2, status = $3, fire_at = $4, body = $5 WHERE key = $1', values: scheduleColumns(record) });
  }

  async runsByFlowAndStatus(): Promise<{ flowId: string; status: RunStatus; count: number }[]> {
    const rows = await this.rows<{ flow_id: string; status: RunStatus; n: number }>('sw_run_counts', 'SELECT flow_id, status, count(*)::int AS n FROM runs GROUP BY flow_id, status', []);
    return rows.map((row) => ({ flowId: row.flow_id, status: row.status, count: row.n }));
  }

  async pendingSchedules(): Promise<number> {
    const rows = await this.rows<{ n: number }>('sw_pending_schedules', "SELECT count(*)::int AS n FROM schedules WHERE status = 'pending'", []);
    return rows[0]?.n ?? 0;
  }

  async pendingWakeUps(now: string): Promise<{ waiting: number; oldestDue: string | undefined }> {
    const rows = await this.rows<{ waiting: number; oldest_due: string | null }>(
      'sw_pending_wake_ups',
      `SELECT (SELECT count(*)::int FROM runs WHERE status = 'waiting') AS waiting,
              (SELECT min(due_at) FROM runs WHERE due_at IS NOT NULL AND due_at <= $1) AS oldest_due`,
      [now],
    );
    return { waiting: rows[0]?.waiting ?? 0, oldestDue: rows[0]?.oldest_due ?? undefined };
  }

  /** Live against the wall clock, as the contract says; the first of concurrent claimers wins. */
  async claimIdempotencyKey(scope: string, key: string, value: string, expiresAt: string): Promise<string | undefined> {
    return this.db.statement(async (q) => {
      const claimed = await q.query({
        name: 'sw_claim_idempotency_key',
        text: `INSERT INTO idempotency_keys (scope, key, value, expires_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at WHERE idempotency_keys.expires_at <= $5`,
        values: [scope, key, value, expiresAt, new Date().toISOString()],
      });
      if (claimed.rowCount === 1) return undefined;
      // Read after the claim that won committed (the insert waited for it): its value, not ours.
      const held = await q.query<{ value: string }>({ name: 'sw_get_idempotency_key', text: 'SELECT value FROM idempotency_keys WHERE scope = $1 AND key = $2', values: [scope, key] });
      return held.rows[0]?.value;
    });
  }

  async markEventSeen(source: string, eventId: string, expiresAt: string): Promise<boolean> {
    return this.db.statement(async (q) => {
      const marked = await q.query({
        name: 'sw_mark_event_seen',
        text: `INSERT INTO seen_events (source, event_id, expires_at) VALUES ($1, $2, $3)
               ON CONFLICT (source, event_id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE seen_events.expires_at <= $4`,
        values: [source, eventId, expiresAt, new Date().toISOString()],
      });
      return marked.rowCount === 1;
    });
  }

  async purgeExpired(now: string): Promise<number> {
    return this.db.statement(async (q) => {
      const purged = await q.query<{ n: number }>({
        name: 'sw_purge_expired',
        text: `WITH keys AS (DELETE FROM idempotency_keys WHERE expires_at <= $1 RETURNING 1),
                    seen AS (DELETE FROM seen_events WHERE expires_at <= $1 RETURNING 1)
               SELECT ((SELECT count(*) FROM keys) + (SELECT count(*) FROM seen))::int AS n`,
        values: [now],
      });
      return purged.rows[0]?.n ?? 0;
    });
  }

  async getState(namespace: string, key: string): Promise<unknown> {
    const rows = await this.rows<{ value: string }>('sw_get_state', 'SELECT value FROM state WHERE namespace = $1 AND key = $2', [namespace, key]);
    return rows[0] ? (JSON.parse(rows[0].value) as unknown) : undefined;
  }

  async getStates(namespace: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    if (keys.length === 0) return found;
    const rows = await this.rows<{ key: string; value: string }>('sw_get_states', 'SELECT key, value FROM state WHERE namespace = $1 AND key = ANY($2::text[])', [namespace, keys]);
    for (const row of rows) found.set(row.key, JSON.parse(row.value) as unknown);
    return found;
  }

  async setState(namespace: string, key: string, value: unknown): Promise<void> {
    const json = JSON.stringify(value);
    await this.db.statement((q) =>
      q.query({
        name: 'sw_set_state',
        text: 'INSERT INTO state (namespace, key, value) VALUES ($1, $2, $3) ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value',
        values: [namespace, key, json],
      }),
    );
  }

  async deleteState(namespace: string, key: string): Promise<void> {
    await this.db.statement((q) => q.query({ name: 'sw_delete_state', text: 'DELETE FROM state WHERE namespace = $1 AND key = $2', values: [namespace, key] }));
  }

  async listState(namespace: string, prefix = '', page: { after?: string; limit?: number } = {}): Promise<{ key: string; value: unknown }[]> {
    const where = new Conditions();
    where.add('namespace = ?', namespace);
    where.add('key >= ?', prefix);
    const end = prefixEnd(prefix);
    if (end !== undefined) where.add('key < ?', end);
    if (page.after !== undefined) where.add('key > ?', page.after);
    const rows = await this.db.read((q) => q.query<{ key: string; value: string }>(where.select('SELECT key, value FROM state', 'ORDER BY key', page.limit)));
    return rows.rows.map((row) => ({ key: row.key, value: JSON.parse(row.value) as unknown }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.pool.end();
  }

  private async rows<R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> {
    return (await this.db.read((q) => q.query<R>({ name, text, values }))).rows;
  }
}

/** A WHERE clause built from conditions written with `?`, numbered as PostgreSQL wants. */
class Conditions {
  private readonly parts: string[] = [];
  private readonly values: unknown[] = [];

  add(condition: string, ...values: unknown[]): void {
    let next = 0;
    this.parts.push(condition.replace(/\?/g, () => `$${this.values.push(values[next++])}`));
  }

  select(from: string, orderBy: string, limit: number | undefined): { text: string; values: unknown[] } {
    const values = [...this.values];
    const where = this.parts.length ? ` WHERE ${this.parts.join(' AND ')}` : '';
    const limited = limit === undefined ? '' : ` LIMIT $${values.push(limit)}`;
    return { text: `${from}${where} ${orderBy}${limited}`, values };
  }
}

const DELIVERY_COLUMNS = 'id, source, received_at, outcome, dispatched_at, body';

interface DeliveryRow extends Omit<DeliveryColumns, 'id'> {
  /** bigint, which node-postgres hands over as text. */
  id: string;
  body: string;
}

function deliveryOf(row: DeliveryRow): DeliveryRecord {
  return deliveryWith({ ...row, id: Number(row.id) }, JSON.parse(row.body) as DeliveryBody);
}

function scheduleColumns(record: ScheduleRecord): string[] {
  return [record.key, record.flowId, record.status, record.fireAt, JSON.stringify(record)];
}
