import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../../errors/index.js';
import {
  TERMINAL_STATUSES,
  type DeliveryQuery,
  type DeliveryRecord,
  type DispatchResult,
  type DueRun,
  type RunCursor,
  type ScheduleQuery,
  type ScheduleRecord,
  type JournalEntry,
  type RunQuery,
  type RunRecord,
  type RunStatus,
  type StepRecord,
  type StoredJournalEntry,
} from '../records.js';
import {
  BusinessKeyTakenError,
  RunExistsError,
  RunNotFoundError,
  type EventKeyQuery,
  type FiringOutcome,
  type NewDelivery,
  type NewSchedule,
  type RunClaim,
  type RunWrite,
  type StateChange,
  type ScheduleFiring,
  type Store,
} from '../store.js';
import { eventKeys } from '../event-keys.js';
import { deliveryWith, duplicateReason, settledDispatch, withDispatch, type DeliveryBody, type DeliveryColumns } from '../delivery-rows.js';
import { prefixEnd } from '../key-prefix.js';
import { applyPatch, checkFence, dueAtOf, earlierWake, exclusiveKeyOf, listensOf, stepBody, stepOf } from '../run-rules.js';
import { scheduled } from '../schedule-rules.js';
import { makeFolder } from '../../fs/make-folder.js';
import { DatabaseTooNewError } from '../migrations.js';
import { checkVersion, migrate, sqliteMigrations } from './migrate.js';
import { BACKSTOP_CHECKPOINT_PAGES, WalCheckpointer } from './wal-checkpointer.js';

export interface SqliteStoreOptions {
  /**
   * `normal` (default) survives any process crash and keeps the file consistent on power loss;
   * `full` also keeps the last commits through power loss, at one fsync per checkpoint.
   */
  synchronous?: 'normal' | 'full';
  /**
   * Opens the file for reading only and writes nothing, not even a migration: for commands that
   * only read (`runs list`, `runs show`), which then work on a read-only data directory. A file
   * that does not exist reads as an empty store.
   */
  readonly?: boolean;
  /** How long a write waits for another process's write lock before failing as `store.busy`. Default 5000. */
  busyTimeoutMs?: number;
  /** Names the setting that chose the file, for messages. Default `dataDir`. */
  setting?: string;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The indexed columns of a run, beside its JSON body. */
interface RunRow {
  id: string;
  flowId: string;
  status: RunStatus;
  parentRunId: string | null;
  createdAt: string;
  owner: string | null;
  leaseUntil: string | null;
  businessKey: string | null;
  exclusiveKey: string | null;
  dueAt: string | null;
  wakeAt: string | null;
  body: string;
}

/** The indexed columns an update may change. */
const CHANGEABLE = ['flowId', 'status', 'parentRunId', 'createdAt', 'owner', 'leaseUntil', 'businessKey', 'exclusiveKey', 'dueAt', 'wakeAt'] as const;
type Changeable = (typeof CHANGEABLE)[number];
const COLUMN: Record<Changeable | 'body', string> = {
  flowId: 'flow_id',
  status: 'status',
  parentRunId: 'parent_run_id',
  createdAt: 'created_at',
  owner: 'owner',
  leaseUntil: 'lease_until',
  businessKey: 'business_key',
  exclusiveKey: 'exclusive_key',
  dueAt: 'due_at',
  wakeAt: 'wake_at',
  body: 'body',
};

interface StoredRow {
  body: string;
  flow_id: string;
  status: RunStatus;
  parent_run_id: string | null;
  created_at: string;
  owner: string | null;
  lease_until: string | null;
  business_key: string | null;
  exclusive_key: string | null;
  due_at: string | null;
  wake_at: string | null;
}

interface PendingWrite {
  operation: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type WriteOutcome = { value: unknown } | { error: unknown };

/** The embedded store: one SQLite file in WAL mode. Records are JSON bodies beside indexed columns. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly tx;
  private readonly busyTimeoutMs: number;
  private readonly setting: string;
  /** The file's identity when opened: a different one, or none, means it was deleted or replaced. */
  private readonly identity: { dev: number; ino: number } | undefined;
  /** Copies the WAL into the database off the event loop; none for a memory or read-only store. */
  readonly checkpointer: WalCheckpointer | undefined;
  /** UPDATE statements by the set of columns they change, so an update touches only the indexes it must. */
  private readonly updates = new Map<string, Database.Statement>();
  /** Writes waiting for the end of this turn of the event loop, to be committed together. */
  private pendingWrites: PendingWrite[] = [];

  constructor(
    private readonly file: string,
    options: SqliteStoreOptions = {},
  ) {
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.setting = options.setting ?? 'dataDir';
    const inMemory = file === ':memory:' || (options.readonly === true && !existsSync(file));
    if (!inMemory) this.prepareFolder();
    try {
      this.db = inMemory ? new Database(':memory:') : options.readonly ? openForReading(file) : new Database(file);
      if (!options.readonly || inMemory) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      }
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
      // Checkpoints copy the WAL into the database with an fsync each. A worker thread does them
      // (see WalCheckpointer); this connection only when the WAL has grown far past that.
      this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
      if (!options.readonly || inMemory) migrate(this.db, file);
      else if (checkVersion(this.db, file) < sqliteMigrations().length) {
        // An older schema, which this reader may not upgrade: it reads an upgraded copy.
        const copy = snapshotOf(file);
        this.db.close();
        this.db = copy;
        migrate(this.db, file);
      }
    } catch (err) {
      throw this.translate(err);
    }
    this.identity = inMemory ? undefined : fileIdentity(file);
    this.checkpointer = inMemory || options.readonly ? undefined : new WalCheckpointer(file, this.busyTimeoutMs);
    const db = this.db;
    this.stmt = {
      putFlow: db.prepare('INSERT OR IGNORE INTO flows (hash, content) VALUES (?, ?)'),
      getFlow: db.prepare<[string], { content: string }>('SELECT content FROM flows WHERE hash = ?'),
      insertRun: db.prepare<RunRow>(
        `INSERT INTO runs (id, flow_id, status, parent_run_id, created_at, owner, lease_until, business_key, exclusive_key, due_at, wake_at, body)
         VALUES (@id, @flowId, @status, @parentRunId, @createdAt, @owner, @leaseUntil, @businessKey, @exclusiveKey, @dueAt, @wakeAt, @body)`,
      ),
      getRun: db.prepare<[string], { body: string }>('SELECT body FROM runs WHERE id = ?'),
      storedRun: db.prepare<[string], StoredRow>(
        'SELECT body, flow_id, status, parent_run_id, created_at, owner, lease_until, business_key, exclusive_key, due_at, wake_at FROM runs WHERE id = ?',
      ),
      holder: db.prepare<[string], { status: RunStatus; owner: string | null }>('SELECT status, owner FROM runs WHERE id = ?'),
      listSteps: db.prepare<[string], { key: string; body: string }>(
        "SELECT key, body FROM run_records WHERE run_id = ? AND key >= 's:' AND key < 's;'",
      ),
      putStep: db.prepare("INSERT OR REPLACE INTO run_records (run_id, key, body) VALUES (?, 's:' || ?, ?)"),
      deleteStep: db.prepare("DELETE FROM run_records WHERE run_id = ? AND key = 's:' || ?"),
      // The next number is found in the same statement: one b-tree seek per journal line.
      appendJournal: db.prepare<[string, string, string]>(
        `INSERT INTO run_records (run_id, key, body)
         SELECT ?, 'j:' || printf('%012d', coalesce(max(substr(key, 3)), 0) + 1), ? FROM run_records
         WHERE run_id = ? AND key >= 'j:' AND key < 'j;'`,
      ),
      listJournal: db.prepare<[string], { key: string; body: string }>(
        "SELECT key, body FROM run_records WHERE run_id = ? AND key >= 'j:' AND key < 'j;' ORDER BY key",
      ),
      dueRuns: db.prepare<[string, number], { id: string; due_at: string }>(
        'SELECT id, due_at FROM runs WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?',
      ),
      lapsedLeases: db.prepare<[string, number], { id: string; due_at: string }>(
        "SELECT id, coalesce(lease_until, json_extract(body, '$.updatedAt')) AS due_at FROM runs WHERE status = 'running' AND coalesce(lease_until, '') <= ? ORDER BY due_at LIMIT ?",
      ),
      nextDue: db.prepare<[], { due_at: string }>('SELECT due_at FROM runs WHERE due_at IS NOT NULL ORDER BY due_at LIMIT 1'),
      nextLease: db.prepare<[], { due_at: string | null }>("SELECT min(coalesce(lease_until, '')) AS due_at FROM runs WHERE status = 'running'"),
      exclusiveHolder: db.prepare<[string, string], { id: string }>('SELECT id FROM runs WHERE flow_id = ? AND exclusive_key = ?'),
      deleteListens: db.prepare('DELETE FROM listens WHERE run_id = ?'),
      insertListen: db.prepare('INSERT OR IGNORE INTO listens (source, type, path, value, run_id, step) VALUES (?, ?, ?, ?, ?, ?)'),
      arrivedEvent: db.prepare<[string, string, string, string, string], { delivery_id: number }>(
        'SELECT delivery_id FROM event_keys WHERE source = ? AND type = ? AND path = ? AND value = ? AND received_at >= ? LIMIT 1',
      ),
      insertDelivery: db.prepare<[string, string, string, string | null, string]>(
        'INSERT INTO deliveries (source, received_at, outcome, dispatched_at, body) VALUES (?, ?, ?, ?, ?)',
      ),
      getDelivery: db.prepare<[number], DeliveryRow>('SELECT id, source, received_at, outcome, dispatched_at, body FROM deliveries WHERE id = ?'),
      outbox: db.prepare<[number], DeliveryRow>(
        "SELECT id, source, received_at, outcome, dispatched_at, body FROM deliveries WHERE outcome = 'accepted' AND dispatched_at IS NULL ORDER BY id LIMIT ?",
      ),
      markDispatched: db.prepare<[string | null, string, number]>('UPDATE deliveries SET dispatched_at = ?, body = ? WHERE id = ?'),
      insertEventKey: db.prepare('INSERT OR IGNORE INTO event_keys (source, type, path, value, delivery_id, received_at) VALUES (?, ?, ?, ?, ?, ?)'),
      findEvents: db.prepare<[string, string, string, string, string, number], DeliveryRow>(
        `SELECT d.id, d.source, d.received_at, d.outcome, d.dispatched_at, d.body FROM event_keys k JOIN deliveries d ON d.id = k.delivery_id
         WHERE k.source = ? AND k.type = ? AND k.path = ? AND k.value = ? AND k.received_at >= ? ORDER BY k.delivery_id LIMIT ?`,
      ),
      // By the listens key, one key of the delivery at a time: joined the other way round, SQLite
      // scans every listen (event_keys has no index by delivery) for each delivery.
      listenersByKey: db.prepare<[string, string, string, string, number], { run_id: string; step: string }>(
        `SELECT l.run_id, l.step FROM listens l WHERE l.source = ? AND l.type = ? AND l.path = ? AND l.value = ?
           AND EXISTS (SELECT 1 FROM event_keys k WHERE k.source = l.source AND k.type = l.type AND k.path = l.path AND k.value = l.value AND k.delivery_id = ?)`,
      ),
      getSchedule: db.prepare<[string], { body: string }>('SELECT body FROM schedules WHERE key = ?'),
      putSchedule: db.prepare<[string, string, string, string, string]>(
        'INSERT OR REPLACE INTO schedules (key, flow_id, status, fire_at, body) VALUES (?, ?, ?, ?, ?)',
      ),
      dueSchedules: db.prepare<[string, number], { body: string }>(
        "SELECT body FROM schedules WHERE status = 'pending' AND fire_at <= ? ORDER BY fire_at, key LIMIT ?",
      ),
      nextSchedule: db.prepare<[], { fire_at: string }>("SELECT fire_at FROM schedules WHERE status = 'pending' ORDER BY fire_at, key LIMIT 1"),
      countPendingSchedules: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM schedules WHERE status = 'pending'"),
      runCounts: db.prepare<[], { flow_id: string; status: RunStatus; n: number }>('SELECT flow_id, status, count(*) AS n FROM runs GROUP BY flow_id, status'),
      waitingCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM runs WHERE status = 'waiting'"),
      oldestDue: db.prepare<[string], { due_at: string | null }>('SELECT min(due_at) AS due_at FROM runs WHERE due_at IS NOT NULL AND due_at <= ?'),
      getIdem: db.prepare<[string, string], { value: string; expires_at: string }>(
        'SELECT value, expires_at FROM idempotency_keys WHERE scope = ? AND key = ?',
      ),
      putIdem: db.prepare('INSERT OR REPLACE INTO idempotency_keys (scope, key, value, expires_at) VALUES (?, ?, ?, ?)'),
      getSeen: db.prepare<[string, string], { expires_at: string }>(
        'SELECT expires_at FROM seen_events WHERE source = ? AND event_id = ?',
      ),
      putSeen: db.prepare('INSERT OR REPLACE INTO seen_events (source, event_id, expires_at) VALUES (?, ?, ?)'),
      purgeIdem: db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?'),
      purgeSeen: db.prepare('DELETE FROM seen_events WHERE expires_at <= ?'),
      getState: db.prepare<[string, string], { value: string }>('SELECT value FROM state WHERE namespace = ? AND key = ?'),
      setState: db.prepare('INSERT OR REPLACE INTO state (namespace, key, value) VALUES (?, ?, ?)'),
      deleteState: db.prepare('DELETE FROM state WHERE namespace = ? AND key = ?'),
      getStates: db.prepare<[string, string], { key: string; value: string }>(
        'SELECT key, value FROM state WHERE namespace = ? AND key IN (SELECT value FROM json_each(?))',
      ),
      listStateBetween: db.prepare<[StatePage & { end: string }], { key: string; value: string }>(
        'SELECT key, value FROM state WHERE namespace = @namespace AND key >= @from AND key < @end AND (@after IS NULL OR key > @after) ORDER BY key LIMIT @limit',
      ),
      listStateFrom: db.prepare<[StatePage], { key: string; value: string }>(
        'SELECT key, value FROM state WHERE namespace = @namespace AND key >= @from AND (@after IS NULL OR key > @after) ORDER BY key LIMIT @limit',
      ),
    };
    const stmt = this.stmt;
    const journal = (entries: readonly JournalEntry[] | undefined) => {
      for (const { runId, ...rest } of entries ?? []) stmt.appendJournal.run(runId, JSON.stringify(rest), runId);
    };
    const putSteps = (steps: readonly StepRecord[]) => {
      for (const step of steps) stmt.putStep.run(step.runId, step.path, stepBody(step));
    };
    // Read-then-write transactions begin IMMEDIATE: a deferred one that reads first fails at once
    // with SQLITE_BUSY when another process wrote meanwhile, instead of waiting out busy_timeout.
    this.tx = {
      recordDelivery: db.transaction((delivery: NewDelivery): DeliveryRecord => this.insertDelivery(delivery)).immediate,
      // Each operation is one statement or a transaction function, which runs as a savepoint in
      // here: either way a refused one undoes only itself.
      writeTogether: db.transaction((operations: readonly (() => unknown)[]): WriteOutcome[] =>
        operations.map((operation) => {
          try {
            return { value: operation() };
          } catch (error) {
            // Some errors (a full disk, an I/O error) make SQLite roll back the whole transaction:
            // the writes after it would each commit alone, and the batch could not report them.
            if (!db.inTransaction) throw error;
            return { error };
          }
        }),
      ).immediate,
      createRun: db.transaction((run: RunRecord, entries: readonly JournalEntry[] | undefined) => {
        try {
          stmt.insertRun.run(rowOf(run, null));
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new RunExistsError(run.id);
          if (code === 'SQLITE_CONSTRAINT_UNIQUE' && run.businessKey !== undefined) {
            const holder = stmt.exclusiveHolder.get(run.flowId, run.businessKey);
            // The run itself holds the key: it is the same run created again.
            if (holder?.id === run.id) throw new RunExistsError(run.id);
            throw new BusinessKeyTakenError(run.flowId, run.businessKey, holder?.id ?? 'unknown');
          }
          throw err;
        }
        journal(entries);
      }),
      updateRun: db.transaction((id: string, patch: Partial<Omit<RunRecord, 'id'>>, write: RunWrite): RunRecord => {
        const stored = stmt.storedRun.get(id);
        if (!stored) throw new RunNotFoundError(id);
        const current = JSON.parse(stored.body) as RunRecord;
        if (write.owner !== undefined) checkFence(id, write.owner, current.status, current.owner);
        putSteps(write.steps ?? []);
        const run = applyPatch(current, patch);
        this.writeRun(stored, run, stored.wake_at);
        if (write.wake) this.wakeRun(write.wake.runId, write.wake.at);
        journal(write.journal);
        return run;
      }).immediate,
      // The body mirrors the owner columns so readers of the record see who holds it; both change in
      // one transaction so that another process never sees, or overwrites, one without the other.
      claimRun: db.transaction((id: string, claim: RunClaim): boolean => {
        const stored = stmt.storedRun.get(id);
        if (!stored || TERMINAL_STATUSES.includes(stored.status)) return false;
        const free = stored.owner === null || stored.owner === claim.owner || (stored.lease_until !== null && stored.lease_until < claim.now) || stored.owner === claim.takeOverFrom;
        if (!free) return false;
        const run = { ...applyPatch(JSON.parse(stored.body) as RunRecord, claim.patch ?? {}), owner: claim.owner, leaseUntil: claim.leaseUntil };
        this.writeRun(stored, run, null);
        journal(claim.journal);
        return true;
      }).immediate,
      renewLease: db.transaction((id: string, owner: string, leaseUntil: string): boolean => {
        const stored = stmt.storedRun.get(id);
        if (!stored || stored.owner !== owner || TERMINAL_STATUSES.includes(stored.status)) return false;
        this.writeRun(stored, { ...(JSON.parse(stored.body) as RunRecord), leaseUntil }, stored.wake_at);
        return true;
      }).immediate,
      releaseRun: db.transaction((id: string, owner: string): void => {
        const stored = stmt.storedRun.get(id);
        if (!stored || stored.owner !== owner) return;
        const run = JSON.parse(stored.body) as RunRecord;
        delete run.owner;
        delete run.leaseUntil;
        this.writeRun(stored, run, stored.wake_at);
      }).immediate,
      claimIdempotencyKey: db.transaction((scope: string, key: string, value: string, expiresAt: string) => {
        const existing = stmt.getIdem.get(scope, key);
        if (existing && existing.expires_at > new Date().toISOString()) return existing.value;
        stmt.putIdem.run(scope, key, value, expiresAt);
        return undefined;
      }).immediate,
      putSteps: db.transaction((steps: readonly StepRecord[], owner: string | undefined, entries: readonly JournalEntry[] | undefined, state: readonly StateChange[] | undefined) => {
        if (owner !== undefined && steps.length > 0) {
          const runId = steps[0]!.runId;
          const holder = stmt.holder.get(runId);
          checkFence(runId, owner, holder?.status, holder?.owner ?? undefined);
        }
        putSteps(steps);
        journal(entries);
        for (const change of state ?? []) {
          if ('delete' in change) stmt.deleteState.run(change.namespace, change.key);
          else stmt.setState.run(change.namespace, change.key, JSON.stringify(change.value));
        }
      }).immediate,
      markDispatched: db.transaction((id: number, at: string, results: readonly DispatchResult[]) => {
        const row = stmt.getDelivery.get(id);
        if (!row) return;
        stmt.markDispatched.run(at, JSON.stringify(withDispatch(JSON.parse(row.body) as DeliveryBody, results)), id);
      }).immediate,
      putSchedule: db.transaction((schedule: NewSchedule): ScheduleRecord => {
        const existing = stmt.getSchedule.get(schedule.key);
        const previous = existing ? (JSON.parse(existing.body) as ScheduleRecord) : undefined;
        const record = scheduled(previous, schedule);
        if (record === previous) return previous;
        this.writeSchedule(record);
        return record;
      }).immediate,
      changeSchedule: db.transaction((key: string, change: (s: ScheduleRecord) => ScheduleRecord): ScheduleRecord | undefined => {
        const existing = stmt.getSchedule.get(key);
        if (!existing) return undefined;
        const record = JSON.parse(existing.body) as ScheduleRecord;
        if (record.status !== 'pending') return undefined;
        const next = change(record);
        this.writeSchedule(next);
        return next;
      }).immediate,
      fireSchedules: db.transaction((firings: readonly ScheduleFiring[]): FiringOutcome[] =>
        firings.map(({ key, generation, run }) => {
          try {
            return { fired: this.tx.fireSchedule(key, generation, run) } as FiringOutcome;
          } catch (err) {
            if (err instanceof BusinessKeyTakenError) return { fired: false, taken: err };
            throw err;
          }
        }),
      ).immediate,
      // A savepoint of fireSchedules: a firing refused half-way leaves nothing behind.
      fireSchedule: db.transaction((key: string, generation: number, run: RunRecord): boolean => {
        const existing = stmt.getSchedule.get(key);
        if (!existing) return false;
        const record = JSON.parse(existing.body) as ScheduleRecord;
        if (record.status !== 'pending' || record.generation !== generation) return false;
        try {
          this.tx.createRun(run, undefined);
        } catch (err) {
          // A run with this id exists: this generation fired before, in a write that marked nothing.
          if (!(err instanceof RunExistsError)) throw err;
        }
        this.writeSchedule({ ...record, status: 'fired', runId: run.id, updatedAt: run.createdAt });
        return true;
      }),
      markEventSeen: db.transaction((source: string, eventId: string, expiresAt: string): boolean => {
        const existing = stmt.getSeen.get(source, eventId);
        if (existing && existing.expires_at > new Date().toISOString()) return false;
        stmt.putSeen.run(source, eventId, expiresAt);
        return true;
      }).immediate,
    };
  }

  async putFlowContent(hash: string, content: string): Promise<void> {
    return this.queued(() => void this.stmt.putFlow.run(hash, content));
  }

  async getFlowContent(hash: string): Promise<string | undefined> {
    return this.read(() => this.stmt.getFlow.get(hash)?.content);
  }

  async createRun(run: RunRecord, journal?: readonly JournalEntry[]): Promise<void> {
    return this.queued(() => this.tx.createRun(run, journal));
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = this.read(() => this.stmt.getRun.get(id));
    return row ? (JSON.parse(row.body) as RunRecord) : undefined;
  }

  async updateRun(id: string, patch: Partial<Omit<RunRecord, 'id'>>, write: RunWrite = {}): Promise<RunRecord> {
    return this.queued(() => this.tx.updateRun(id, patch, write));
  }

  async listRuns(query: RunQuery = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.flowId !== undefined) {
      where.push('flow_id = ?');
      params.push(query.flowId);
    }
    if (query.parentRunId !== undefined) {
      where.push('parent_run_id = ?');
      params.push(query.parentRunId);
    }
    if (query.businessKey !== undefined) {
      where.push('business_key = ?');
      params.push(query.businessKey);
    }
    if (query.status && query.status.length > 0) {
      where.push(`status IN (${query.status.map(() => '?').join(', ')})`);
      params.push(...query.status);
    }
    if (query.createdFrom !== undefined) (where.push('created_at >= ?'), params.push(query.createdFrom));
    if (query.createdBefore !== undefined) (where.push('created_at < ?'), params.push(query.createdBefore));
    if (query.after) (where.push('(created_at < ? OR (created_at = ? AND id < ?))'), params.push(...cursorParams(query.after)));
    const sql = `SELECT body FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
    // SQLite reads a negative limit as none.
    params.push(query.limit ?? -1);
    const rows = this.read(() => this.db.prepare<unknown[], { body: string }>(sql).all(...params));
    return rows.map((row) => JSON.parse(row.body) as RunRecord);
  }

  async claimRun(id: string, claim: RunClaim): Promise<boolean> {
    return this.queued(() => this.tx.claimRun(id, claim));
  }

  async renewLease(id: string, owner: string, leaseUntil: string): Promise<boolean> {
    return this.queued(() => this.tx.renewLease(id, owner, leaseUntil));
  }

  async releaseRun(id: string, owner: string): Promise<void> {
    return this.queued(() => this.tx.releaseRun(id, owner));
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    return this.read(() => this.stmt.listSteps.all(runId)).map((row) => stepOf(runId, row.key.slice(2), row.body));
  }

  async putStep(step: StepRecord): Promise<void> {
    return this.queued(() => void this.stmt.putStep.run(step.runId, step.path, stepBody(step)));
  }

  async putSteps(steps: readonly StepRecord[], write: { owner?: string; journal?: readonly JournalEntry[]; state?: readonly StateChange[] } = {}): Promise<void> {
    return this.queued(() => this.tx.putSteps(steps, write.owner, write.journal, write.state));
  }

  async deleteSteps(runId: string, paths: readonly string[]): Promise<void> {
    return this.queued(() =>
      this.db.transaction(() => {
        for (const path of paths) this.stmt.deleteStep.run(runId, path);
      })(),
    );
  }

  async listJournal(runId: string): Promise<StoredJournalEntry[]> {
    return this.read(() => this.stmt.listJournal.all(runId)).map(
      (row) => ({ seq: seqOfKey(row.key), runId, ...(JSON.parse(row.body) as Omit<JournalEntry, 'runId'>) }) as StoredJournalEntry,
    );
  }

  async dueRuns(now: string, limit: number): Promise<DueRun[]> {
    const rows = this.read(() => [...this.stmt.dueRuns.all(now, limit), ...this.stmt.lapsedLeases.all(now, limit)]);
    return rows
      .sort((a, b) => (a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : 0))
      .slice(0, limit)
      .map((row) => ({ id: row.id, dueAt: row.due_at }));
  }

  async nextDueAt(): Promise<string | undefined> {
    const [due, lease] = this.read(() => [this.stmt.nextDue.get()?.due_at, this.stmt.nextLease.get()?.due_at ?? undefined]);
    if (due === undefined) return lease ?? undefined;
    return lease !== undefined && lease !== null && lease < due ? lease : due;
  }

  /** Committed with the writes that arrive with it: the intake answers only once its delivery is. */
  recordDelivery(delivery: NewDelivery): Promise<DeliveryRecord> {
    return this.queued(() => this.tx.recordDelivery(delivery));
  }

  private insertDelivery(delivery: NewDelivery): DeliveryRecord {
    const stmt = this.stmt;
    let outcome: DeliveryRecord['outcome'] = delivery.outcome;
    let reason = delivery.reason;
    const event = delivery.event;
    if (outcome === 'accepted' && event && delivery.dedupeUntil !== undefined) {
      const seen = stmt.getSeen.get(delivery.source, event.id);
      if (seen && seen.expires_at > delivery.receivedAt) {
        outcome = 'duplicate';
        reason = duplicateReason(event.id);
      } else {
        stmt.putSeen.run(delivery.source, event.id, delivery.dedupeUntil);
      }
    }
    // Only an accepted event that a flow may start from waits in the outbox; the rest are settled.
    const settle = outcome === 'accepted' ? delivery.settle : undefined;
    const dispatchedAt = outcome === 'accepted' && delivery.triggers !== false && !settle ? null : delivery.receivedAt;
    const body: DeliveryBody = { ...(reason ? { reason } : {}), ...(event ? { event } : {}) };
    if (settle) body.dispatch = [settledDispatch(settle, 'run' in settle ? this.createRunOnce(settle.run) : undefined)];
    const id = Number(stmt.insertDelivery.run(delivery.source, delivery.receivedAt, outcome, dispatchedAt, JSON.stringify(body)).lastInsertRowid);
    if (outcome === 'accepted' && event && delivery.listenable !== false) {
      const keys = eventKeys(event);
      for (const key of keys) stmt.insertEventKey.run(delivery.source, event.type, key.path, key.value, id, delivery.receivedAt);
      // Runs already listening wake in this same write: no crash can lose the wake-up.
      const listeners = this.listenersFor(delivery.source, event.type, keys, id);
      if (listeners.length > 0) {
        for (const l of listeners) this.wakeRun(l.run_id, delivery.receivedAt);
        body.dispatch = listeners.map((l) => ({ runId: l.run_id, woken: true as const, step: l.step }));
        stmt.markDispatched.run(dispatchedAt, JSON.stringify(body), id);
      }
    }
    // The body as built, not parsed back from what was just written.
    return deliveryWith({ id, source: delivery.source, received_at: delivery.receivedAt, outcome, dispatched_at: dispatchedAt }, body);
  }

  /** Creates the run unless it exists (as a savepoint of the write it is in); says what refused it. */
  private createRunOnce(run: RunRecord): RunExistsError | BusinessKeyTakenError | undefined {
    try {
      this.tx.createRun(run, undefined);
      return undefined;
    } catch (err) {
      if (err instanceof RunExistsError || err instanceof BusinessKeyTakenError) return err;
      throw err;
    }
  }

  async getDelivery(id: number): Promise<DeliveryRecord | undefined> {
    const row = this.read(() => this.stmt.getDelivery.get(id));
    return row ? deliveryOf(row) : undefined;
  }

  async listDeliveries(query: DeliveryQuery = {}): Promise<DeliveryRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.source !== undefined) (where.push('source = ?'), params.push(query.source));
    if (query.outcome?.length) (where.push(`outcome IN (${query.outcome.map(() => '?').join(', ')})`), params.push(...query.outcome));
    if (query.receivedFrom !== undefined) (where.push('received_at >= ?'), params.push(query.receivedFrom));
    if (query.before !== undefined) (where.push('id < ?'), params.push(query.before));
    params.push(query.limit ?? -1);
    const sql = `SELECT id, source, received_at, outcome, dispatched_at, body FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.read(() => this.db.prepare<unknown[], DeliveryRow>(sql).all(...params)).map(deliveryOf);
  }

  async undispatchedDeliveries(limit: number): Promise<DeliveryRecord[]> {
    return this.read(() => this.stmt.outbox.all(limit)).map(deliveryOf);
  }

  async markDispatched(id: number, at: string, results: readonly DispatchResult[]): Promise<void> {
    return this.queued(() => this.tx.markDispatched(id, at, results));
  }

  async findEvents(query: EventKeyQuery): Promise<DeliveryRecord[]> {
    return this.read(() => this.stmt.findEvents.all(query.source, query.type, query.path, query.value, query.receivedFrom, query.limit)).map(deliveryOf);
  }

  async listenersOf(deliveryId: number): Promise<{ runId: string; step: string }[]> {
    return this.read(() => {
      const row = this.stmt.getDelivery.get(deliveryId);
      const event = row ? (JSON.parse(row.body) as DeliveryBody).event : undefined;
      return row && event ? this.listenersFor(row.source, event.type, eventKeys(event), deliveryId) : [];
    }).map((row) => ({ runId: row.run_id, step: row.step }));
  }

  /** The runs listening for a key the delivery was indexed under, each once, by run and step. */
  private listenersFor(source: string, type: string, keys: readonly { path: string; value: string }[], deliveryId: number): { run_id: string; step: string }[] {
    const found = new Map<string, { run_id: string; step: string }>();
    for (const key of keys) {
      for (const row of this.stmt.listenersByKey.all(source, type, key.path, key.value, deliveryId)) found.set(`${row.run_id}\u0000${row.step}`, row);
    }
    return [...found.values()].sort((a, b) => (a.run_id === b.run_id ? compare(a.step, b.step) : compare(a.run_id, b.run_id)));
  }

  async wakeRuns(runIds: readonly string[], at: string): Promise<void> {
    return this.queued(() =>
      this.db.transaction(() => {
        for (const id of runIds) this.wakeRun(id, at);
      }).immediate(),
    );
  }

  async putSchedule(schedule: NewSchedule): Promise<ScheduleRecord> {
    return this.queued(() => this.tx.putSchedule(schedule));
  }

  async cancelSchedule(key: string, at: string): Promise<ScheduleRecord | undefined> {
    return this.queued(() => this.tx.changeSchedule(key, (s) => ({ ...s, status: 'cancelled', updatedAt: at })));
  }

  async moveSchedule(key: string, fireAt: string, at: string): Promise<ScheduleRecord | undefined> {
    return this.queued(() => this.tx.changeSchedule(key, (s) => ({ ...s, fireAt, generation: s.generation + 1, updatedAt: at })));
  }

  async getSchedule(key: string): Promise<ScheduleRecord | undefined> {
    const row = this.read(() => this.stmt.getSchedule.get(key));
    return row ? (JSON.parse(row.body) as ScheduleRecord) : undefined;
  }

  async listSchedules(query: ScheduleQuery = {}): Promise<ScheduleRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status?.length) (where.push(`status IN (${query.status.map(() => '?').join(', ')})`), params.push(...query.status));
    if (query.flowId !== undefined) (where.push('flow_id = ?'), params.push(query.flowId));
    if (query.keyPrefix !== undefined) {
      const end = prefixEnd(query.keyPrefix);
      where.push(end === undefined ? 'key >= ?' : 'key >= ? AND key < ?');
      params.push(query.keyPrefix, ...(end === undefined ? [] : [end]));
    }
    if (query.fireFrom !== undefined) (where.push('fire_at >= ?'), params.push(query.fireFrom));
    if (query.fireBefore !== undefined) (where.push('fire_at < ?'), params.push(query.fireBefore));
    if (query.after) (where.push('(fire_at > ? OR (fire_at = ? AND key > ?))'), params.push(query.after.fireAt, query.after.fireAt, query.after.key));
    params.push(query.limit ?? -1);
    const sql = `SELECT body FROM schedules ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY fire_at, key LIMIT ?`;
    return this.read(() => this.db.prepare<unknown[], { body: string }>(sql).all(...params)).map((row) => JSON.parse(row.body) as ScheduleRecord);
  }

  async dueSchedules(now: string, limit: number): Promise<ScheduleRecord[]> {
    return this.read(() => this.stmt.dueSchedules.all(now, limit)).map((row) => JSON.parse(row.body) as ScheduleRecord);
  }

  async nextScheduleAt(): Promise<string | undefined> {
    return this.read(() => this.stmt.nextSchedule.get())?.fire_at;
  }

  async fireSchedules(firings: readonly ScheduleFiring[]): Promise<FiringOutcome[]> {
    if (firings.length === 0) return [];
    return this.queued(() => this.tx.fireSchedules(firings));
  }

  async runsByFlowAndStatus(): Promise<{ flowId: string; status: RunStatus; count: number }[]> {
    return this.read(() => this.stmt.runCounts.all()).map((row) => ({ flowId: row.flow_id, status: row.status, count: row.n }));
  }

  async pendingSchedules(): Promise<number> {
    return this.read(() => this.stmt.countPendingSchedules.get())?.n ?? 0;
  }

  async pendingWakeUps(now: string): Promise<{ waiting: number; oldestDue: string | undefined }> {
    return this.read(() => ({
      waiting: this.stmt.waitingCount.get()?.n ?? 0,
      oldestDue: this.stmt.oldestDue.get(now)?.due_at ?? undefined,
    }));
  }

  async claimIdempotencyKey(scope: string, key: string, value: string, expiresAt: string): Promise<string | undefined> {
    return this.queued(() => this.tx.claimIdempotencyKey(scope, key, value, expiresAt));
  }

  async markEventSeen(source: string, eventId: string, expiresAt: string): Promise<boolean> {
    return this.queued(() => this.tx.markEventSeen(source, eventId, expiresAt));
  }

  async purgeExpired(now: string): Promise<number> {
    return this.queued(() => this.db.transaction(() => this.stmt.purgeIdem.run(now).changes + this.stmt.purgeSeen.run(now).changes)());
  }

  async getState(namespace: string, key: string): Promise<unknown> {
    const row = this.read(() => this.stmt.getState.get(namespace, key));
    return row ? JSON.parse(row.value) : undefined;
  }

  async getStates(namespace: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    // Chunked: one statement per few hundred keys keeps the JSON argument small.
    for (let i = 0; i < keys.length; i += STATE_KEYS_PER_READ) {
      const rows = this.read(() => this.stmt.getStates.all(namespace, JSON.stringify(keys.slice(i, i + STATE_KEYS_PER_READ))));
      for (const row of rows) found.set(row.key, JSON.parse(row.value) as unknown);
    }
    return found;
  }

  async setState(namespace: string, key: string, value: unknown): Promise<void> {
    return this.queued(() => void this.stmt.setState.run(namespace, key, JSON.stringify(value)));
  }

  async deleteState(namespace: string, key: string): Promise<void> {
    return this.queued(() => void this.stmt.deleteState.run(namespace, key));
  }

  async listState(namespace: string, prefix = '', page: { after?: string; limit?: number } = {}): Promise<{ key: string; value: unknown }[]> {
    const end = prefixEnd(prefix);
    const params: StatePage = { namespace, from: prefix, after: page.after ?? null, limit: page.limit ?? -1 };
    const rows = this.read(() => (end === undefined ? this.stmt.listStateFrom.all(params) : this.stmt.listStateBetween.all({ ...params, end })));
    return rows.map((row) => ({ key: row.key, value: JSON.parse(row.value) as unknown }));
  }

  async close(): Promise<void> {
    // Writes already asked for are committed, not dropped.
    if (this.db.open) this.flushWrites();
    // The checkpointer's connection closes first, so that this one, the last, folds the WAL into the file.
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }

  /**
   * Writes a run over its stored row, setting only the columns that changed, and keeps its
   * listens in step with what it waits for. A run that parks listening for an event that has
   * arrived already (since it began waiting) is woken at once: the delivery and the park are
   * serialised, so one of them always sees the other.
   */
  private writeRun(stored: StoredRow, run: RunRecord, wakeAt: string | null): void {
    const listens = listensOf(stored, run);
    if (listens.changed) {
      this.stmt.deleteListens.run(run.id);
      for (const wait of listens.listening) {
        this.stmt.insertListen.run(wait.connection, wait.type, wait.path, wait.value, run.id, wait.step);
        if (this.stmt.arrivedEvent.get(wait.connection, wait.type, wait.path, wait.value, wait.since)) {
          wakeAt = earlierWake(wakeAt, run.updatedAt);
        }
      }
    }
    const next = rowOf(run, wakeAt);
    const before: Record<Changeable, string | null> = {
      flowId: stored.flow_id,
      status: stored.status,
      parentRunId: stored.parent_run_id,
      createdAt: stored.created_at,
      owner: stored.owner,
      leaseUntil: stored.lease_until,
      businessKey: stored.business_key,
      exclusiveKey: stored.exclusive_key,
      dueAt: stored.due_at,
      wakeAt: stored.wake_at,
    };
    const changed = CHANGEABLE.filter((column) => next[column] !== before[column]);
    const key = changed.join(',');
    let statement = this.updates.get(key);
    if (!statement) {
      const sets = [...changed, 'body' as const].map((column) => `${COLUMN[column]} = @${column}`).join(', ');
      statement = this.db.prepare(`UPDATE runs SET ${sets} WHERE id = @id`);
      this.updates.set(key, statement);
    }
    const params: Record<string, unknown> = { id: run.id, body: next.body };
    for (const column of changed) params[column] = next[column];
    statement.run(params);
  }

  private writeSchedule(record: ScheduleRecord): void {
    this.stmt.putSchedule.run(record.key, record.flowId, record.status, record.fireAt, JSON.stringify(record));
  }

  /** Makes an unfinished run due at `at` unless it is due earlier; kept as its wake-up until its next claim. */
  private wakeRun(runId: string, at: string): void {
    const stored = this.stmt.storedRun.get(runId);
    if (!stored || TERMINAL_STATUSES.includes(stored.status)) return;
    const wakeAt = earlierWake(stored.wake_at, at);
    this.writeRun(stored, JSON.parse(stored.body) as RunRecord, wakeAt);
  }

  private read<T>(operation: () => T): T {
    try {
      return operation();
    } catch (err) {
      throw this.translate(err);
    }
  }

  /**
   * Writes that arrive in the same turn of the event loop (concurrent runs' checkpoints, a burst
   * of deliveries) commit together, in one transaction: a commit costs about as much for one
   * write as for ten. Each operation is one statement or a transaction function (a savepoint
   * inside the batch), so a write that is refused (a fence, a taken business key) undoes only
   * itself. Each caller's promise settles once the commit holding its write is done; a commit
   * that fails fails every write in it.
   */
  private queued<T>(operation: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pendingWrites.push({ operation, resolve: resolve as (value: unknown) => void, reject });
      if (this.pendingWrites.length === 1) setImmediate(() => this.flushWrites());
    });
  }

  private flushWrites(): void {
    const batch = this.pendingWrites;
    if (batch.length === 0) return;
    this.pendingWrites = [];
    if (batch.length === 1) {
      const only = batch[0]!;
      try {
        only.resolve(this.write(only.operation));
      } catch (err) {
        only.reject(err);
      }
      return;
    }
    let outcomes: WriteOutcome[];
    try {
      outcomes = this.write(() => this.tx.writeTogether(batch.map((w) => w.operation)));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) w.reject(this.translate(outcome.error));
      else w.resolve(outcome.value);
    });
  }

  /**
   * A write first checks that the file is still the one opened: SQLite keeps writing to a file
   * that was deleted, which would silently lose everything after it.
   */
  private write<T>(operation: () => T): T {
    if (this.identity) {
      const now = fileIdentity(this.file);
      if (!now || now.dev !== this.identity.dev || now.ino !== this.identity.ino) {
        throw new StoreUnavailableError(
          'store.lost',
          `the store ${this.file} (data directory set by ${this.setting}) was deleted or replaced while in use; nothing more was written to it. Restore the data directory, or start again with an empty one`,
          this.file,
        );
      }
    }
    const result = this.read(operation);
    this.checkpointer?.wrote();
    return result;
  }

  private prepareFolder(): void {
    const folder = dirname(this.file);
    try {
      makeFolder(folder);
      if (!statSync(folder).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      const why =
        code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOTDIR' || code === 'EEXIST'
            ? 'a file stands in the way'
            : code === 'ENOENT'
              ? 'folders cannot be made there (a missing drive, or a system folder such as /proc)'
              : code;
      throw new StoreUnavailableError(
        code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'store.readonly' : 'store.io',
        `cannot create the data directory ${folder} (set by ${this.setting}): ${why}. Set it to a folder this user can write`,
        this.file,
        { cause: err },
      );
    }
  }

  /** SQLite's failures as what a user can act on; anything else (a bug, a bad record) unchanged. */
  private translate(err: unknown): unknown {
    if (err instanceof DatabaseTooNewError) return new StoreUnavailableError('store.io', err.message, this.file, { cause: err });
    const code = (err as { code?: unknown }).code;
    if (err instanceof StoreUnavailableError || typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
    const at = `the store ${this.file} (data directory set by ${this.setting})`;
    const make = (problem: ConstructorParameters<typeof StoreUnavailableError>[0], message: string) =>
      new StoreUnavailableError(problem, message, this.file, { cause: err });
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return make('store.busy', `${at} is busy: another process held its write lock longer than ${this.busyTimeoutMs} ms (store.busyTimeoutMs)`);
    }
    if (code === 'SQLITE_READONLY_DBMOVED') return make('store.lost', `${at} was moved or deleted while in use`);
    if (code.startsWith('SQLITE_READONLY')) {
      return make('store.readonly', `${at} is read-only for this user: make ${dirname(this.file)} and the files in it writable, or set the data directory to a writable folder`);
    }
    if (code === 'SQLITE_FULL') return make('store.full', `${at} cannot grow: the disk is full`);
    if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code === 'SQLITE_PERM') {
      return make('store.io', `${at} cannot be used: ${(err as Error).message} (${code})`);
    }
    return err;
  }
}

function rowOf(run: RunRecord, wakeAt: string | null): RunRow {
  return {
    id: run.id,
    flowId: run.flowId,
    status: run.status,
    parentRunId: run.parentRunId ?? null,
    createdAt: run.createdAt,
    owner: run.owner ?? null,
    leaseUntil: run.leaseUntil ?? null,
    businessKey: run.businessKey ?? null,
    exclusiveKey: exclusiveKeyOf(run),
    dueAt: dueAtOf(run, wakeAt),
    wakeAt: TERMINAL_STATUSES.includes(run.status) ? null : wakeAt,
    body: JSON.stringify(run),
  };
}

/**
 * Reading a WAL database needs its -shm file, which a read-only folder cannot get. There, the
 * reader works on a snapshot of the file instead: once the last writer closed it, the file holds
 * every commit, and a read-only command only needs a consistent view.
 */
function openForReading(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN') throw err;
    db.close();
    return snapshotOf(file);
  }
}

/** An in-memory copy of the file, writable, for a reader that may not write the file itself. */
function snapshotOf(file: string): Database.Database {
  const bytes = readFileSync(file);
  // Bytes 18 and 19 of the header say WAL (2); an in-memory copy must say rollback journal (1).
  if (bytes.length > 19) bytes[18] = bytes[19] = 1;
  return new Database(bytes);
}

/** Journal keys are `j:` and the sequence number in 12 digits, so they sort by number. */
function seqOfKey(key: string | null | undefined): number {
  return key ? Number(key.slice(2)) : 0;
}

interface DeliveryRow extends DeliveryColumns {
  body: string;
}

function deliveryOf(row: DeliveryRow): DeliveryRecord {
  return deliveryWith(row, JSON.parse(row.body) as DeliveryBody);
}

function cursorParams(cursor: RunCursor): string[] {
  return [cursor.createdAt, cursor.createdAt, cursor.id];
}

function fileIdentity(file: string): { dev: number; ino: number } | undefined {
  try {
    const { dev, ino } = statSync(file);
    return { dev, ino };
  } catch {
    return undefined;
  }
}

/** Parameters of a page of state entries; a limit of -1 is none. */
interface StatePage {
  namespace: string;
  from: string;
  after: string | null;
  limit: number;
}

const STATE_KEYS_PER_READ = 500;

/** Binary order, as SQLite sorts TEXT by default. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
