import type { ActionContext } from './connector.js';

/** What a sync does to one destination record. */
export type SyncOperation = 'create' | 'update' | 'delete';

/** One record of a batch: its sync key (to tie results back), its destination id once it has one, its fields. */
export interface SyncWriteItem {
  key: string;
  id?: string;
  fields?: Record<string, unknown>;
}

/** What became of one record of a batch, in the batch's order: its destination id, or why the vendor refused it. */
export type SyncWriteResult = { key: string; id: string } | { key: string; error: { code: string; message: string } };

/**
 * A place a `sync` step writes records to, in the vendor's batches (Bitable records, payroll
 * datasource records). The connector owns the vendor's rules: how a batch is spelled, its
 * idempotency token (`context.idempotencyKey`, the same when a batch is sent again after a
 * crash), one writer at a time where the vendor demands it, and per-record results.
 */
export interface SyncDestination {
  /**
   * Writes one batch of one operation to `target` (the destination's `with`, e.g. a table).
   * Resolves one result per item, in order, when the vendor answered for each (refusing some or
   * all of them); throws when it did not answer usefully (an outage, a revoked permission), so
   * the sync stops with what it wrote so far kept.
   */
  write(operation: SyncOperation, target: Record<string, unknown>, items: SyncWriteItem[], context: ActionContext): Promise<SyncWriteResult[]>;
}
