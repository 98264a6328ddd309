import type pg from 'pg';
import { TERMINAL_STATUSES, type JournalEntry, type RunRecord, type RunStatus, type StepRecord } from '../records.js';
import { BusinessKeyTakenError, RunExistsError, type StateChange } from '../store.js';
import type { Queryable } from './connection.js';
import { dueAtOf, earlierWake, exclusiveKeyOf, listensOf, stepBody } from '../run-rules.js';

/**
 * What a transaction writes about runs, on the connection it runs on: the run row beside its JSON
 * body, its listens, its wake-ups, its steps and journal. Named statements are prepared once per
 * pooled connection.
 */

/** What a write of a run needs of the stored row. */
export interface StoredRun {
  status: RunStatus;
  owner: string | null;
  lease_until: string | null;
  wake_at: string | null;
  body: string;
}

const STORED_RUN_COLUMNS = 'status, owner, lease_until, wake_at, body';

/** The run row read without a lock, with the row version a compare-and-set write checks against. */
export interface VersionedRun extends StoredRun {
  version: string;
}

export async function readRun(db: Queryable, id: string): Promise<VersionedRun | undefined> {
  const result = await db.query<VersionedRun>({
    name: 'sw_read_run',
    text: `SELECT xmin::text AS version, ${STORED_RUN_COLUMNS} FROM runs WHERE id = $1`,
    values: [id],
  });
  return result.rows[0];
}

/** The run row, locked until the transaction ends, so concurrent writers of one run take turns. */
export async function lockRun(client: pg.PoolClient, id: string): Promise<StoredRun | undefined> {
  const result = await client.query<StoredRun>({ name: 'sw_lock_run', text: `SELECT ${STORED_RUN_COLUMNS} FROM runs WHERE id = $1 FOR UPDATE`, values: [id] });
  return result.rows[0];
}

function columnsOf(run: RunRecord, wakeAt: string | null): (string | null)[] {
  return [
    run.id,
    run.flowId,
    run.status,
    run.parentRunId ?? null,
    run.createdAt,
    run.owner ?? null,
    run.leaseUntil ?? null,
    run.businessKey ?? null,
    exclusiveKeyOf(run),
    dueAtOf(run, wakeAt),
    TERMINAL_STATUSES.includes(run.status) ? null : wakeAt,
    JSON.stringify(run),
  ];
}

/**
 * Creates the run unless its id is taken or, for an exclusive run, an unfinished run of its flow
 * holds its business key; then writes nothing and says which. ON CONFLICT waits for a concurrent
 * insert of the same key, so the holder it then names is committed.
 */
export async function insertRun(client: Queryable, run: RunRecord): Promise<RunExistsError | BusinessKeyTakenError | undefined> {
  const inserted = await client.query({
    name: 'sw_insert_run',
    text: `INSERT INTO runs (id, flow_id, status, parent_run_id, created_at, owner, lease_until, business_key, exclusive_key, due_at, wake_at, body)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
    values: columnsOf(run, null),
  });
  if (inserted.rowCount === 1) return undefined;
  const found = await client.query<{ taken: boolean; holder: string | null }>({
    name: 'sw_key_holder',
    text: 'SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1) AS taken, (SELECT id FROM runs WHERE flow_id = $2 AND exclusive_key = $3) AS holder',
    values: [run.id, run.flowId, exclusiveKeyOf(run)],
  });
  const { taken, holder } = found.rows[0] ?? { taken: false, holder: null };
  if (taken || run.businessKey === undefined) return new RunExistsError(run.id);
  return new BusinessKeyTakenError(run.flowId, run.businessKey, holder ?? 'unknown');
}

/** Ties a delivery's wake-ups to the parking of its listeners: see `writeRun`. */
const LISTEN_LOCK_SPACE = 1_937_011_303;

/** Waits for parks (or, shared, deliveries) of this source and event type that are under way. */
export async function lockListens(client: pg.PoolClient, source: string, type: string, shared: boolean): Promise<void> {
  await client.query({
    name: shared ? 'sw_lock_listens_shared' : 'sw_lock_listens',
    text: `SELECT ${shared ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}($1, hashtext($2 || chr(31) || $3))`,
    values: [LISTEN_LOCK_SPACE, source, type],
  });
}

/**
 * Writes a run over its locked row and keeps its listens in step with what it waits for. A run
 * that parks listening for an event that has arrived already (since it began waiting) is woken at
 * once. A park takes the listen lock of its event type exclusively and a delivery takes it shared
 * before reading the other's rows, so whichever commits second sees what the first wrote: no
 * event slips between a delivery and a park.
 */
export async function writeRun(client: pg.PoolClient, stored: StoredRun, run: RunRecord, wakeAt: string | null): Promise<void> {
  const listens = listensOf(stored, run);
  if (listens.changed) {
    await client.query({ name: 'sw_delete_listens', text: 'DELETE FROM listens WHERE run_id = $1', values: [run.id] });
    const types = [...new Set(listens.listening.map((w) => JSON.stringify([w.connection, w.type])))].sort();
    for (const type of types) {
      const [source, eventType] = JSON.parse(type) as [string, string];
      await lockListens(client, source, eventType, false);
    }
    if (listens.listening.length > 0) {
      const column = (pick: (w: (typeof listens.listening)[number]) => string) => listens.listening.map(pick);
      await client.query({
        name: 'sw_insert_listens',
        text: `INSERT INTO listens (source, type, path, value, run_id, step)
               SELECT s, t, p, v, $5, st FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::text[]) AS l(s, t, p, v, st)
               ON CONFLICT DO NOTHING`,
        values: [column((w) => w.connection), column((w) => w.type), column((w) => w.path), column((w) => w.value), run.id, column((w) => w.step)],
      });
      for (const wait of listens.listening) {
        const arrived = await client.query({
          name: 'sw_arrived_event',
          text: 'SELECT 1 FROM event_keys WHERE source = $1 AND type = $2 AND path = $3 AND value = $4 AND received_at >= $5 LIMIT 1',
          values: [wait.connection, wait.type, wait.path, wait.value, wait.since],
        });
        if (arrived.rowCount) wakeAt = earlierWake(wakeAt, run.updatedAt);
      }
    }
  }
  await client.query({ name: 'sw_update_run', text: `UPDATE runs SET ${SET_RUN_COLUMNS} WHERE id = $1`, values: columnsOf(run, wakeAt) });
}

/** The columns of `columnsOf` after the id, as $2 … $12. */
const SET_RUN_COLUMNS = `flow_id = $2, status = $3, parent_run_id = $4, created_at = $5, owner = $6, lease_until = $7,
  business_key = $8, exclusive_key = $9, due_at = $10, wake_at = $11, body = $12`;

/**
 * Writes the run with its steps and journal lines over the row as `read` saw it, in one statement
 * — one round trip where a locking transaction takes four to six — unless another write changed
 * the row since (its version, xmin, differs; a writer holding the row is waited for, then its
 * version is compared); then writes nothing and answers false, and the caller takes the locking
 * path, deciding again on what is stored. Only for a write that leaves the run's listens as they
 * are and wakes no other run: those `writeRun` and `wakeRun` keep, under their locks.
 */
export async function writeRunIfUnchanged(
  db: Queryable,
  read: VersionedRun,
  run: RunRecord,
  wakeAt: string | null,
  steps: readonly StepRecord[],
  journal: readonly JournalEntry[],
): Promise<boolean> {
  const result = await db.query<{ written: boolean }>({
    name: 'sw_write_run_if_unchanged',
    text: `WITH written AS (UPDATE runs SET ${SET_RUN_COLUMNS} WHERE id = $1 AND xmin::text = $13 RETURNING 1),
                ${stepsAndJournalIf('written', 14)}
           SELECT EXISTS (SELECT 1 FROM written) AS written`,
    values: [...columnsOf(run, wakeAt), read.version, ...stepColumns(steps), ...journalColumns(journal)],
  });
  return result.rows[0]?.written === true;
}

/** Makes an unfinished run due at `at` unless it is due earlier; kept as its wake-up until its next claim. */
export async function wakeRun(client: pg.PoolClient, runId: string, at: string): Promise<void> {
  const stored = await lockRun(client, runId);
  if (!stored || TERMINAL_STATUSES.includes(stored.status)) return;
  await writeRun(client, stored, JSON.parse(stored.body) as RunRecord, earlierWake(stored.wake_at, at));
}

/**
 * The CTEs, for a one-statement write, that write the `stepColumns` and `journalColumns` passed
 * as $from … $from+4 only if the CTE `guard` has a row.
 */
function stepsAndJournalIf(guard: string, from: number): string {
  const [runIds, paths, bodies, journalRunIds, journalBodies] = [0, 1, 2, 3, 4].map((i) => `$${from + i}::text[]`);
  return `written_steps AS (
                  INSERT INTO run_steps (run_id, path, body)
                  SELECT * FROM unnest(${runIds}, ${paths}, ${bodies}) WHERE EXISTS (SELECT 1 FROM ${guard})
                  ON CONFLICT (run_id, path) DO UPDATE SET body = EXCLUDED.body),
                written_journal AS (
                  INSERT INTO run_journal (run_id, body)
                  SELECT r, b FROM unnest(${journalRunIds}, ${journalBodies}) WITH ORDINALITY AS j(r, b, n) WHERE EXISTS (SELECT 1 FROM ${guard}) ORDER BY n)`;
}

/** The run_steps columns of a batch; of two steps with one path in it, the later wins. */
function stepColumns(steps: readonly StepRecord[]): [string[], string[], string[]] {
  const last = new Map(steps.map((step) => [JSON.stringify([step.runId, step.path]), step]));
  const rows = [...last.values()];
  return [rows.map((s) => s.runId), rows.map((s) => s.path), rows.map(stepBody)];
}

/** The run_journal columns of entries, in their order. */
function journalColumns(entries: readonly JournalEntry[]): [string[], string[]] {
  return [entries.map((e) => e.runId), entries.map(({ runId: _runId, ...rest }) => JSON.stringify(rest))];
}

/** Inserts or replaces by (run, path) in one statement; of two steps with one path in a batch, the later wins. */
export async function upsertSteps(client: Queryable, steps: readonly StepRecord[]): Promise<void> {
  if (steps.length === 0) return;
  await client.query({
    name: 'sw_upsert_steps',
    text: `INSERT INTO run_steps (run_id, path, body) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
           ON CONFLICT (run_id, path) DO UPDATE SET body = EXCLUDED.body`,
    values: stepColumns(steps),
  });
}

/**
 * Checkpoints of one run and their journal lines, written only if `owner` still holds the run:
 * one statement, so one round trip and an implicit transaction instead of five round trips.
 * The run row is share-locked as a claim by another process would lock it, so a claim waits
 * for this write or this write sees the claim. Answers what the fence was checked against.
 */
export async function putFencedSteps(
  db: Queryable,
  runId: string,
  owner: string,
  steps: readonly StepRecord[],
  journal: readonly JournalEntry[],
): Promise<{ status: RunStatus; owner: string | null } | undefined> {
  const result = await db.query<{ status: RunStatus; owner: string | null }>({
    name: 'sw_put_fenced_steps',
    text: `WITH holder AS (SELECT status, owner FROM runs WHERE id = $1 FOR SHARE),
                held AS (SELECT 1 FROM holder WHERE owner = $2 AND status <> ALL($3::text[])),
                ${stepsAndJournalIf('held', 4)}
           SELECT status, owner FROM holder`,
    values: [runId, owner, [...TERMINAL_STATUSES], ...stepColumns(steps), ...journalColumns(journal)],
  });
  return result.rows[0];
}

export async function appendJournal(client: pg.PoolClient, entries: readonly JournalEntry[] | undefined): Promise<void> {
  if (!entries || entries.length === 0) return;
  await client.query({
    name: 'sw_append_journal',
    text: `INSERT INTO run_journal (run_id, body)
           SELECT r, b FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS j(r, b, n) ORDER BY n`,
    values: journalColumns(entries),
  });
}

/** The net effect of the changes, in two statements: per key, its last change wins. */
export async function applyStateChanges(client: pg.PoolClient, changes: readonly StateChange[] | undefined): Promise<void> {
  if (!changes || changes.length === 0) return;
  const last = new Map(changes.map((change) => [JSON.stringify([change.namespace, change.key]), change]));
  const sets: { namespace: string; key: string; value: string }[] = [];
  const deletes: { namespace: string; key: string }[] = [];
  for (const change of last.values()) {
    if ('delete' in change) deletes.push(change);
    else sets.push({ namespace: change.namespace, key: change.key, value: JSON.stringify(change.value) });
  }
  if (sets.length > 0) {
    await client.query({
      name: 'sw_upsert_state',
      text: `INSERT INTO state (namespace, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
             ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value`,
      values: [sets.map((s) => s.namespace), sets.map((s) => s.key), sets.map((s) => s.value)],
    });
  }
  if (deletes.length > 0) {
    await client.query({
      name: 'sw_delete_states',
      text: 'DELETE FROM state s USING unnest($1::text[], $2::text[]) AS d(namespace, key) WHERE s.namespace = d.namespace AND s.key = d.key',
      values: [deletes.map((d) => d.namespace), deletes.map((d) => d.key)],
    });
  }
}
