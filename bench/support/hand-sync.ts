import { idempotencyKey } from '../../src/engine/idempotency-key.js';
import { recordHash } from '../../src/engine/steps/sync/record-hash.js';
import { DurableFloor } from './durable-floor.js';
import { ThreadedFloor } from './threaded-floor.js';
import type { SandboxProcess } from './sandbox-process.js';

/**
 * The bench:sync flow written by hand, for bench:sync to set beside the `sync` step: page through
 * CoreHR's employee search and write the same fields to a Bitable table in batches. Three ways:
 *
 * - the plain loop: read a batch's pages, write it, read on; nothing stored;
 * - pipelined: the next batch's pages are read while this one is written, as the `sync` step does;
 * - the durable floor: pipelined, and the least that lets a sync killed at any moment resume with
 *   no duplicate and no missing row: each batch's records committed before it is sent (so a resume
 *   resends exactly them under the same client_token), and each record's key → Bitable record id
 *   and content hash committed after the answer (so a rerun updates instead of creating again, and
 *   skips what has not changed). SQLite in WAL mode with the store's default durability. The next
 *   batch is read, planned and committed while this one is on its way;
 * - the threaded floor: the durable floor with its commits made by a worker thread, so that
 *   committing a batch's answer overlaps sending the next one.
 */
export type HandSync = 'plain' | 'pipelined' | 'durable' | 'threaded';

export const APP = 'bascnStaffwireSandbox';
export const SEARCH = '/open-apis/corehr/v2/employees/search';
/** What both sides ask the search for: the fields the flow maps (Lark returns only employment_id otherwise). */
export const SEARCH_FIELDS = ['person_info.preferred_name', 'email_address', 'department_id', 'direct_manager_id', 'employment_status'];

interface Employee {
  employment_id: string;
  email_address?: string;
  department_id?: string;
  direct_manager_id?: string;
  employment_status?: { enum_name?: string };
  person_info?: { preferred_name?: string };
}

/** What the hand-written loops write for an employee: the same fields the flow maps. */
function fieldsOf(e: Employee): Record<string, unknown> {
  const fields: Record<string, unknown> = { 'Employment ID': e.employment_id };
  if (e.person_info?.preferred_name !== undefined) fields.Name = e.person_info.preferred_name;
  if (e.email_address !== undefined) fields.Email = e.email_address;
  if (e.department_id !== undefined) fields.Department = e.department_id;
  if (e.direct_manager_id !== undefined) fields['Manager employment ID'] = e.direct_manager_id;
  if (e.employment_status?.enum_name !== undefined) fields.Status = e.employment_status.enum_name;
  return fields;
}

export async function lark<T>(sandbox: SandboxProcess, token: string | undefined, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { code: number; msg: string; data: T; tenant_access_token?: string };
  if (answer.code !== 0) throw new Error(`${path}: ${answer.code} ${answer.msg}`);
  return (answer.data ?? answer) as T;
}

const FLOOR_SCHEMA = `
  CREATE TABLE sync_map (key TEXT PRIMARY KEY, id TEXT NOT NULL, hash TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE pending (batch INTEGER PRIMARY KEY, body TEXT NOT NULL);`;

const REMEMBER = 'INSERT OR REPLACE INTO sync_map (key, id, hash) VALUES (?, ?, ?)';
const PLAN = 'INSERT OR REPLACE INTO pending (batch, body) VALUES (?, ?)';
const PLANNED = 'DELETE FROM pending WHERE batch = ?';
const KNOWN = 'SELECT key FROM sync_map WHERE key IN (SELECT value FROM json_each(?))';

/** Where the durable loops keep the key map and the batches sent but not yet answered. */
interface FloorStore {
  known(keys: readonly string[]): Set<string>;
  /** Commits a batch's records before it is sent: a resume resends exactly them, under the same client_token. */
  plan(batch: number, body: string): Promise<void>;
  /** Commits the key map rows of an answered batch and drops its plan. */
  answered(batch: number, rows: readonly [string, string, string][]): Promise<void>;
  close(): Promise<void>;
}

function floorStore(how: 'durable' | 'threaded'): FloorStore {
  if (how === 'threaded') {
    const floor = new ThreadedFloor(FLOOR_SCHEMA);
    const known = floor.reader.prepare<[string], { key: string }>(KNOWN);
    return {
      known: (keys) => new Set(known.all(JSON.stringify(keys)).map((row) => row.key)),
      plan: (batch, body) => floor.write([{ sql: PLAN, rows: [[batch, body]] }]),
      answered: (batch, rows) => floor.write([{ sql: REMEMBER, rows }, { sql: PLANNED, rows: [[batch]] }]),
      close: () => floor.close(),
    };
  }
  const floor = new DurableFloor(FLOOR_SCHEMA);
  const statements = { known: floor.db.prepare<[string], { key: string }>(KNOWN), remember: floor.db.prepare(REMEMBER), plan: floor.db.prepare(PLAN), planned: floor.db.prepare(PLANNED) };
  return {
    known: (keys) => new Set(statements.known.all(JSON.stringify(keys)).map((row) => row.key)),
    plan: async (batch, body) => void (await floor.write(() => statements.plan.run(batch, body))),
    answered: (batch, rows) =>
      floor.write(() => {
        for (const row of rows) statements.remember.run(...row);
        statements.planned.run(batch);
      }),
    close: async () => floor.close(),
  };
}

interface Batch {
  number: number;
  records: { key: string; fields: Record<string, unknown>; hash: string }[];
  next: string | undefined;
}

/** Runs the flow by hand, the given way, into `tableId`; answers how many records it wrote. */
export async function handSync(how: HandSync, sandbox: SandboxProcess, token: string, tableId: string, batchSize: number, pageSize: number): Promise<number> {
  const floor = how === 'durable' || how === 'threaded' ? floorStore(how) : undefined;
  try {
    const read = async (from: string | undefined) => {
      const employees: Employee[] = [];
      let pageToken = from;
      do {
        const page = await lark<{ items: Employee[]; has_more: boolean; page_token?: string }>(
          sandbox,
          token,
          `${SEARCH}?page_size=${pageSize}${pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : ''}`,
          { fields: SEARCH_FIELDS },
        );
        employees.push(...page.items);
        pageToken = page.has_more ? page.page_token : undefined;
      } while (pageToken && employees.length < batchSize);
      return { employees, next: pageToken };
    };
    let numbered = 0;
    /** Maps a read batch and, for the floors, leaves out keys already written and commits the rest as its plan. */
    const prepare = async ({ employees, next }: { employees: Employee[]; next: string | undefined }): Promise<Batch> => {
      let records = employees.map((e) => ({ key: e.employment_id, fields: fieldsOf(e), hash: '' }));
      const batch = { number: numbered++, records, next };
      if (!floor) return batch;
      for (const record of records) record.hash = recordHash(record.fields);
      // The floors measure a first run, where every record is new; looking the keys up is what
      // telling a create from an update costs.
      const seen = floor.known(records.map((r) => r.key));
      records = records.filter((r) => !seen.has(r.key));
      await floor.plan(batch.number, JSON.stringify({ next, records }));
      return { ...batch, records };
    };
    const send = async (batch: Batch) => {
      const clientToken = idempotencyKey('hand-sync', `batch${batch.number}`);
      const answer = await lark<{ records: { record_id: string }[] }>(sandbox, token, `/open-apis/bitable/v1/apps/${APP}/tables/${tableId}/records/batch_create?client_token=${clientToken}`, {
        records: batch.records.map(({ fields }) => ({ fields })),
      });
      return batch.records.map((r, i): [string, string, string] => [r.key, answer.records[i]!.record_id, r.hash]);
    };
    let written = 0;
    let batch = await prepare(await read(undefined));
    const remembering: Promise<void>[] = [];
    for (;;) {
      const sending = send(batch);
      // The plain loop reads on once the batch is written; the others read and plan the next batch
      // while this one is on its way. Its plan may commit before this one's answer: a resume
      // resends every batch still planned.
      const next = batch.next && how !== 'plain' ? read(batch.next).then(prepare) : undefined;
      const rows = await sending;
      written += rows.length;
      if (floor) remembering.push(floor.answered(batch.number, rows));
      if (how === 'durable') await remembering.at(-1);
      if (!batch.next) break;
      batch = await (next ?? read(batch.next).then(prepare));
    }
    await Promise.all(remembering);
    return written;
  } finally {
    await floor?.close();
  }
}

