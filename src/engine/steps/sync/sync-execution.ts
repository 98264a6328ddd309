import type { ErrorObject } from 'ajv';
import { DEFAULT_INLINE_ATTEMPTS } from '../../../connector-kit/retry-transient.js';
import type { SyncOperation, SyncWriteItem, SyncWriteResult } from '../../../connector-kit/sync-destination.js';
import { InputError, StaffwireError } from '../../../errors/index.js';
import { compileSchema } from '../../../schemas.js';
import type { StateChange } from '../../../store/store.js';
import type { Scope } from '../../expressions/scope.js';
import type { Frame } from '../../frame.js';
import { idempotencyKey } from '../../idempotency-key.js';
import type { RunExecution } from '../../run-execution.js';
import { actionContext } from '../call-step.js';
import type { StepContext, StepExecutor } from '../step-context.js';
import { isTruthy } from '../switch-step.js';
import { recordHash } from './record-hash.js';
import { fileSource } from './file-source.js';
import { actionSource, type SourceChunk, type SourceRecord, type SyncSource } from './sync-source.js';
import type { CompiledDisposal, CompiledSync } from './sync-step.js';

/** Failed records in the step's output; all of them stay in the store for the report. */
export const INLINE_FAILURES = 1000;
/** A destination that applies batches whole and refuses this many in a row is refusing the sync, not records. */
const REFUSED_BATCHES_TO_STOP = 3;

export interface SyncCounts {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  marked: number;
  skipped: number;
  failed: number;
}

/** What the destination holds for a key: its record id, the digest of what was written, the pass that last saw it. */
interface MapEntry {
  id: string;
  hash: string;
  pass?: string;
}

interface PlannedItem extends SyncWriteItem {
  hash?: string;
  row?: number;
  /** Counted as marked rather than updated. */
  mark?: boolean;
}

interface PlannedBatch {
  operation: SyncOperation;
  items: PlannedItem[];
}

/** The batches of one chunk of the source, written before the sync reads on. */
interface Plan {
  batches: PlannedBatch[];
  next: number;
  position: unknown;
  done: boolean;
}

/** Checkpointed progress: enough to go on after a crash without writing a record twice. */
interface SyncProgress {
  pass: string;
  cursorFrom: unknown;
  cursorNext: unknown;
  position: unknown;
  done: boolean;
  /** Batches sent so far: the next batch's number, part of its idempotency key. */
  batch: number;
  counts: SyncCounts;
  /** Written but unanswered, or not yet written: replayed as they are on resume. */
  pending?: Plan;
  /** After a complete pass: how far the sweep for keys the source no longer has has gone. */
  sweep?: { after: string | null; done: boolean };
  refusedInARow: number;
  dryRun: boolean;
}

export interface SyncFailure {
  key: unknown;
  row?: number;
  column?: string;
  code: string;
  message: string;
}

/** Namespaces in the store's key/value state. */
export const syncNamespaces = {
  map: (name: string) => `sync:${name}`,
  cursor: 'sync-cursor',
  failures: (runId: string, path: string) => `sync-failures:${runId}:${path}`,
};

const ZERO: SyncCounts = { read: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, marked: 0, skipped: 0, failed: 0 };

export const executeSync: StepExecutor<CompiledSync> = (step, frame, context) => new SyncExecution(step, frame, context).run();

class SyncExecution {
  private readonly execution: RunExecution;
  private readonly name: string;
  private readonly mapNamespace: string;
  private readonly failureNamespace: string;
  private readonly validateFields;
  private readonly validateRow;
  private readonly inlineAttempts: number;
  private progress!: SyncProgress;
  private source!: SyncSource;
  private target!: Record<string, unknown>;

  constructor(
    private readonly step: CompiledSync,
    private readonly frame: Frame,
    private readonly context: StepContext,
  ) {
    this.execution = context.execution;
    this.name = step.name ?? `${this.execution.run.flowId}.${step.id}`;
    this.mapNamespace = syncNamespaces.map(this.name);
    this.failureNamespace = syncNamespaces.failures(this.execution.run.id, context.path);
    this.validateFields = compileSchema(step.destination.fields);
    this.validateRow = step.source.kind === 'file' && step.source.schema ? compileSchema(step.source.schema) : undefined;
    this.inlineAttempts = step.retry ? 1 : DEFAULT_INLINE_ATTEMPTS;
  }

  async run(): Promise<unknown> {
    await this.start();
    const { destination } = this.step;
    const chunkSize = Math.max(destination.batch.create, destination.batch.update);
    // Reading has no side effect, so the next chunk is read while this one's batches are written;
    // a crash meanwhile only loses a read the resumed sync makes again.
    let ahead: { position: unknown; chunk: Promise<SourceChunk> } | undefined;
    while (!this.progress.done || this.progress.pending) {
      if (!this.progress.pending) {
        const position = this.progress.position;
        const chunk = await (ahead !== undefined && ahead.position === position ? ahead.chunk : this.source.read(position, chunkSize, this.scope()));
        ahead = undefined;
        await this.planChunk(chunk.records, chunk.position, chunk.done);
        if (!chunk.done) {
          ahead = { position: chunk.position, chunk: this.source.read(chunk.position, chunkSize, this.scope()) };
          // Its failure, if any, is met when it is awaited; until then it must not count as unhandled.
          ahead.chunk.catch(() => {});
        }
      }
      await this.writePending();
    }
    if (this.step.onMissing.kind !== 'keep' && this.step.cursor === undefined) await this.sweepMissing();
    return this.finish();
  }

  private scope(extra: Partial<Scope> = {}): Scope {
    return { ...this.frame.scope, cursor: this.progress.cursorFrom, ...extra };
  }

  /** Picks up the checkpointed progress, or begins a pass: the cursor it reads from and the one it stores when done. */
  private async start(): Promise<void> {
    const saved = this.context.state?.sync as SyncProgress | undefined;
    if (saved) {
      this.progress = saved;
    } else {
      const store = this.execution.services.store;
      const cursorFrom = this.step.cursor ? await store.getState(syncNamespaces.cursor, this.name) : undefined;
      const cursorNext = this.step.cursor ? await this.execution.evaluate(this.step.cursor, { ...this.frame.scope, cursor: cursorFrom }) : undefined;
      const dryRun = isTruthy(await this.execution.evaluate(this.step.dryRun, this.frame.scope));
      this.progress = {
        pass: this.execution.services.now().toISOString(),
        cursorFrom: cursorFrom ?? null,
        cursorNext: cursorNext ?? null,
        position: null,
        done: false,
        batch: 0,
        counts: { ...ZERO },
        refusedInARow: 0,
        dryRun,
      };
      // The pass and its cursors are fixed before anything is read, so a resumed pass reads what this one would.
      await this.save({ durable: true });
    }
    const target = await this.execution.evaluate(this.step.destination.target, this.frame.scope);
    const validateTarget = compileSchema(this.step.destination.targetSchema);
    if (!validateTarget(target)) {
      const problems = (validateTarget.errors ?? []).map(describeSchemaError).join('; ');
      throw new InputError(`the destination's "with" is invalid for ${this.step.destination.connector}.${this.step.destination.name}: ${problems}`, 'sync.invalid_destination');
    }
    this.target = target as Record<string, unknown>;
    this.source =
      this.step.source.kind === 'file'
        ? fileSource(this.step.source, this.execution, this.frame.scope)
        : actionSource(this.step.source, this.execution, this.context.path, () => this.context.attempt, this.inlineAttempts);
  }

  private save(options: { durable?: boolean; changes?: StateChange[] } = {}): Promise<void> {
    return this.context.saveState({ sync: this.progress }, options);
  }

  /** Maps, checks and classifies one chunk of source records into the batches that bring the destination in line. */
  private async planChunk(records: SourceRecord[], position: unknown, done: boolean): Promise<void> {
    const counts = this.progress.counts;
    counts.read += records.length;
    const failures: SyncFailure[] = [];
    const mapped: { key: string; fields?: Record<string, unknown>; ended: boolean; row?: number; scope: Scope }[] = [];
    const seen = new Set<string>();
    for (const { record, row } of records) {
      const scope = this.scope({ record, ...(row === undefined ? {} : { row }) });
      const outcome = await this.mapRecord(record, row, scope);
      if ('failure' in outcome) {
        failures.push(outcome.failure);
        continue;
      }
      if (seen.has(outcome.key)) {
        failures.push({ key: outcome.key, ...(row === undefined ? {} : { row }), code: 'sync.duplicate_key', message: `the source has key ${JSON.stringify(outcome.key)} more than once; the first one was synced` });
        continue;
      }
      seen.add(outcome.key);
      mapped.push({ ...outcome, ...(row === undefined ? {} : { row }), scope });
    }
    const known = (await this.execution.services.store.getStates(this.mapNamespace, mapped.map((m) => m.key))) as Map<string, MapEntry>;
    const plan: Record<SyncOperation, PlannedItem[]> = { create: [], update: [], delete: [] };
    const touched: StateChange[] = [];
    const sweeping = this.step.onMissing.kind !== 'keep' && this.step.cursor === undefined;
    for (const item of mapped) {
      const entry = known.get(item.key);
      const row = item.row === undefined ? {} : { row: item.row };
      if (item.ended) {
        if (!entry) {
          counts.skipped++;
        } else if (this.step.onEnded.kind === 'mark') {
          const fields = (await this.execution.evaluate(this.step.onEnded.fields, item.scope)) as Record<string, unknown>;
          const hash = recordHash({ mark: fields });
          if (hash !== entry.hash) plan.update.push({ key: item.key, id: entry.id, fields, hash, mark: true, ...row });
          else {
            counts.unchanged++;
            if (sweeping && entry.pass !== this.progress.pass) touched.push({ namespace: this.mapNamespace, key: item.key, value: { ...entry, pass: this.progress.pass } });
          }
        } else {
          plan.delete.push({ key: item.key, id: entry.id, ...row });
        }
        continue;
      }
      const hash = recordHash(item.fields);
      if (!entry) plan.create.push({ key: item.key, fields: item.fields!, hash, ...row });
      else if (entry.hash !== hash) plan.update.push({ key: item.key, id: entry.id, fields: item.fields!, hash, ...row });
      else {
        counts.unchanged++;
        if (sweeping && entry.pass !== this.progress.pass) touched.push({ namespace: this.mapNamespace, key: item.key, value: { ...entry, pass: this.progress.pass } });
      }
    }
    const batches: PlannedBatch[] = [];
    for (const operation of ['create', 'update', 'delete'] as const) {
      const size = this.step.destination.batch[operation];
      for (let i = 0; i < plan[operation].length; i += size) batches.push({ operation, items: plan[operation].slice(i, i + size) });
    }
    const changes = [...touched, ...this.failureChanges(failures)];
    counts.failed += failures.length;
    if (this.progress.dryRun) {
      for (const batch of batches) this.count(batch, batch.items.length);
      Object.assign(this.progress, { position, done });
      return this.save();
    }
    if (batches.length === 0) {
      Object.assign(this.progress, { position, done });
      return this.save({ durable: true, changes });
    }
    this.progress.pending = { batches, next: 0, position, done };
    // The plan is durable before its first batch goes out, so a resumed sync resends exactly these batches.
    await this.save({ durable: true, changes });
  }

  private async mapRecord(record: unknown, row: number | undefined, scope: Scope): Promise<{ key: string; fields?: Record<string, unknown>; ended: boolean } | { failure: SyncFailure }> {
    const at = row === undefined ? {} : { row };
    if (this.validateRow && !this.validateRow(record)) {
      const error = this.validateRow.errors![0]!;
      return { failure: { key: null, ...at, ...columnOf(error), code: 'sync.invalid_row', message: describeValueError(error, record) } };
    }
    let key: unknown;
    try {
      key = await this.execution.evaluate(this.step.key, scope);
    } catch (err) {
      return { failure: { key: null, ...at, code: err instanceof StaffwireError ? err.code : 'sync.invalid_key', message: err instanceof Error ? err.message : String(err) } };
    }
    if ((typeof key !== 'string' && typeof key !== 'number') || key === '') {
      return { failure: { key: key ?? null, ...at, code: 'sync.invalid_key', message: `"key" gave ${JSON.stringify(key) ?? 'nothing'}, not a string or number` } };
    }
    const text = String(key);
    try {
      const ended = this.step.ended ? isTruthy(await this.execution.evaluate(this.step.ended, scope)) : false;
      if (ended) return { key: text, ended };
      const fields = await this.execution.evaluate(this.step.map, scope);
      if (!this.validateFields(fields)) {
        const error = this.validateFields.errors![0]!;
        return { failure: { key: text, ...at, ...columnOf(error), code: 'sync.invalid_record', message: `the mapped record: ${describeValueError(error, fields)}` } };
      }
      return { key: text, fields: fields as Record<string, unknown>, ended };
    } catch (err) {
      if (!(err instanceof StaffwireError)) throw err;
      return { failure: { key: text, ...at, code: err.code, message: err.message } };
    }
  }

  /** Sends the pending plan's remaining batches, checkpointing after each with what the destination answered. */
  private async writePending(): Promise<void> {
    const plan = this.progress.pending;
    if (!plan) return;
    while (plan.next < plan.batches.length) {
      const batch = plan.batches[plan.next]!;
      const results = await this.send(batch.operation, batch.items, `${this.context.path}#${this.progress.pass}#batch${this.progress.batch}`);
      const changes: StateChange[] = [];
      const failures: SyncFailure[] = [];
      let written = 0;
      batch.items.forEach((item, i) => {
        const result = results[i];
        const row = item.row === undefined ? {} : { row: item.row };
        if (!result || 'error' in result) {
          failures.push({ key: item.key, ...row, code: result?.error.code ?? 'sync.no_result', message: result?.error.message ?? 'the destination answered for fewer records than it was sent' });
          return;
        }
        written++;
        if (batch.operation === 'delete') changes.push({ namespace: this.mapNamespace, key: item.key, delete: true });
        else changes.push({ namespace: this.mapNamespace, key: item.key, value: { id: result.id, hash: item.hash!, pass: this.progress.pass } satisfies MapEntry });
      });
      this.count(batch, written);
      changes.push(...this.failureChanges(failures));
      this.progress.counts.failed += failures.length;
      this.progress.batch++;
      plan.next++;
      // A destination answering per record says which records it refused, however many: only an
      // all-or-nothing one refusing batch after batch is refusing the sync.
      this.progress.refusedInARow = this.step.destination.wholeBatches && written === 0 && failures.length > 0 ? this.progress.refusedInARow + 1 : 0;
      if (plan.next === plan.batches.length) {
        this.progress.pending = undefined;
        Object.assign(this.progress, { position: plan.position, done: plan.done });
      }
      this.execution.journal({ type: 'step.progress', step: this.context.path, attempt: this.context.attempt, data: { ...this.progress.counts } });
      await this.save({ durable: true, changes });
      if (this.progress.refusedInARow >= REFUSED_BATCHES_TO_STOP) {
        const last = failures[0]!;
        throw new StaffwireError(
          `the destination refused ${REFUSED_BATCHES_TO_STOP} batches in a row (last: ${last.code}: ${last.message}); stopped after ${this.progress.counts.read} records read, ${this.summary()}`,
          { code: 'sync.destination_refused', category: 'client', details: { counts: { ...this.progress.counts } } },
        );
      }
    }
  }

  /**
   * Sends one batch. For a destination that applies batches whole (Bitable), a batch refused
   * whole is halved and each half sent again, down to the records it refuses, so one bad record
   * fails alone. Every part has its own key derived from the batch's, so a resumed sync that
   * sends the same parts again gets the vendor's stored answers instead of writing twice.
   */
  private async send(operation: SyncOperation, items: PlannedItem[], keyPath: string): Promise<SyncWriteResult[]> {
    const writer = this.execution.services.connectors.get(this.step.destination.connector)!.syncDestinations![this.step.destination.name]!;
    const invocation = {
      path: this.context.path,
      attempt: this.context.attempt,
      idempotencyKey: idempotencyKey(this.execution.run.id, keyPath),
      inlineAttempts: this.inlineAttempts,
    };
    const results = await writer.write(
      operation,
      this.target,
      items.map(({ key, id, fields }) => ({ key, ...(id === undefined ? {} : { id }), ...(fields === undefined ? {} : { fields }) })),
      actionContext(this.execution, { id: this.step.id, connector: this.step.destination.connector, connection: this.step.destination.connection }, invocation),
    );
    const refusedWhole = this.step.destination.wholeBatches && items.length > 1 && results.length === items.length && results.every((r) => 'error' in r);
    if (!refusedWhole) return results;
    const half = Math.ceil(items.length / 2);
    return [...(await this.send(operation, items.slice(0, half), `${keyPath}.0`)), ...(await this.send(operation, items.slice(half), `${keyPath}.1`))];
  }

  private count(batch: PlannedBatch, written: number): void {
    const counts = this.progress.counts;
    if (batch.operation === 'create') counts.created += written;
    else if (batch.operation === 'delete') counts.deleted += written;
    else {
      const marks = batch.items.filter((item) => item.mark).length;
      // A batch is written whole or refused whole, so its marks were written with it.
      const marked = written === batch.items.length ? marks : 0;
      counts.marked += marked;
      counts.updated += written - marked;
    }
  }

  /**
   * After a complete pass, deletes or marks the destination records of keys this pass never
   * met: the source no longer has them. Walks the key map a batch at a time.
   */
  private async sweepMissing(): Promise<void> {
    const disposal: CompiledDisposal = this.step.onMissing;
    const size = this.step.destination.batch[disposal.kind === 'delete' ? 'delete' : 'update'];
    this.progress.sweep ??= { after: null, done: false };
    while (!this.progress.sweep.done || this.progress.pending) {
      if (!this.progress.pending) {
        const sweep = this.progress.sweep;
        const entries = await this.execution.services.store.listState(this.mapNamespace, '', { ...(sweep.after === null ? {} : { after: sweep.after }), limit: size });
        const gone = entries.filter((e) => (e.value as MapEntry).pass !== this.progress.pass);
        sweep.after = entries.at(-1)?.key ?? sweep.after;
        sweep.done = entries.length < size;
        const items: PlannedItem[] = [];
        for (const { key, value } of gone) {
          const entry = value as MapEntry;
          if (disposal.kind === 'mark') {
            const fields = (await this.execution.evaluate(disposal.fields, this.scope())) as Record<string, unknown>;
            const hash = recordHash({ mark: fields });
            if (hash !== entry.hash) items.push({ key, id: entry.id, fields, hash, mark: true });
          } else {
            items.push({ key, id: entry.id });
          }
        }
        if (this.progress.dryRun) {
          this.count({ operation: disposal.kind === 'delete' ? 'delete' : 'update', items }, items.length);
          continue;
        }
        if (items.length === 0) {
          await this.save({ durable: true });
          continue;
        }
        this.progress.pending = { batches: [{ operation: disposal.kind === 'delete' ? 'delete' : 'update', items }], next: 0, position: this.progress.position, done: true };
        await this.save({ durable: true });
      }
      await this.writePending();
    }
  }

  private async finish(): Promise<unknown> {
    const store = this.execution.services.store;
    const changes: StateChange[] = [];
    if (this.step.cursor && !this.progress.dryRun) changes.push({ namespace: syncNamespaces.cursor, key: this.name, value: this.progress.cursorNext });
    if (changes.length > 0) await this.save({ changes });
    const failures = await store.listState(this.failureNamespace, '', { limit: INLINE_FAILURES });
    return {
      name: this.name,
      ...this.progress.counts,
      failures: failures.map((f) => f.value),
      ...(this.progress.counts.failed > INLINE_FAILURES ? { failuresTruncated: true } : {}),
      dryRun: this.progress.dryRun,
    };
  }

  private summary(): string {
    const c = this.progress.counts;
    return `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.deleted} deleted, ${c.marked} marked, ${c.failed} failed`;
  }

  /** Failed records as state entries, numbered in the order they failed so the report lists them so. */
  private failureChanges(failures: SyncFailure[]): StateChange[] {
    const first = this.progress.counts.failed;
    return failures.map((failure, i) => ({ namespace: this.failureNamespace, key: String(first + i).padStart(10, '0'), value: failure }));
  }
}

/** The column or field a schema error is about, when it is about one. */
function columnOf(error: ErrorObject): { column?: string } {
  const missing = error.keyword === 'required' ? (error.params as { missingProperty?: string }).missingProperty : undefined;
  const name = missing ?? error.instancePath.split('/')[1]?.replaceAll('~1', '/').replaceAll('~0', '~');
  return name ? { column: name } : {};
}

/** A schema error about one value of a record, in the words of someone fixing a spreadsheet: which column, what is wrong, what it held. */
function describeValueError(error: ErrorObject, record: unknown): string {
  const column = columnOf(error).column;
  if (column === undefined) return describeSchemaError(error);
  if (error.keyword === 'required') return `${column} is missing`;
  const value = (record as Record<string, unknown>)[column];
  if (value === null || value === '') return `${column} is empty`;
  const allowed = error.keyword === 'enum' ? (error.params as { allowedValues?: unknown[] }).allowedValues : undefined;
  const rule = allowed ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : (error.message ?? 'is invalid');
  return `${column} ${rule}, got ${JSON.stringify(value)}`;
}

function describeSchemaError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '' : ` at ${error.instancePath}`;
  return `${error.message ?? 'is invalid'}${where}`;
}
