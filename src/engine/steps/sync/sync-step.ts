import type { ActionSelects, BatchSize } from '../../../connector-kit/manifest.js';
import { escapePointer, holdsExpression, type CompiledValue } from '../../expressions/template.js';
import { closest } from '../../validate/did-you-mean.js';
import { unknownConnection } from '../../validate/unknown-connection.js';
import { resolveAction } from '../call-step.js';
import type { CompiledStepBase, RetryableStepBase, StepCompileContext, StepKind } from '../step-kind.js';
import { recordReads, unaskedReads } from './record-reads.js';
import { executeSync } from './sync-execution.js';
import type { CompiledActionSource } from './sync-source.js';

/** Fields written instead of deleting a destination record. */
export interface MarkInstead {
  mark: Record<string, unknown>;
}

export interface SyncStep extends RetryableStepBase {
  kind: 'sync';
  name?: string;
  source: { action: string; connection?: string; with?: unknown } | { file: string; format?: 'csv' | 'xlsx'; sheet?: string | number; schema?: Record<string, unknown> };
  key: string;
  map: Record<string, unknown>;
  ended?: string;
  onEnded?: 'delete' | MarkInstead;
  onMissing?: 'keep' | 'delete' | MarkInstead;
  cursor?: string;
  destination: { to: string; connection?: string; with?: unknown; batchSize?: number };
  dryRun?: boolean | string;
}

/** What happens to a destination record whose source ended or disappeared. */
export type CompiledDisposal = { kind: 'keep' } | { kind: 'delete' } | { kind: 'mark'; fields: CompiledValue };

export interface CompiledFileSource {
  kind: 'file';
  file: CompiledValue;
  format: 'csv' | 'xlsx' | undefined;
  sheet: string | number | undefined;
  schema: Record<string, unknown> | undefined;
}

export interface CompiledSync extends CompiledStepBase<'sync'> {
  name: string | undefined;
  source: CompiledActionSource | CompiledFileSource;
  key: CompiledValue;
  map: CompiledValue;
  ended: CompiledValue | undefined;
  onEnded: CompiledDisposal;
  onMissing: CompiledDisposal;
  cursor: CompiledValue | undefined;
  destination: {
    connector: string;
    name: string;
    connection: string | undefined;
    target: CompiledValue;
    targetSchema: Record<string, unknown>;
    fields: Record<string, unknown>;
    batch: { create: number; update: number; delete: number };
    wholeBatches: boolean;
  };
  dryRun: CompiledValue;
}

declare module '../step-kind.js' {
  interface StepDefinitions {
    sync: SyncStep;
  }
  interface CompiledSteps {
    sync: CompiledSync;
  }
}

/** What a sync step's output holds: counts, and the first of its failed records. */
const SYNC_OUTPUT_SCHEMA = {
  type: 'object',
  required: ['name', 'read', 'created', 'updated', 'unchanged', 'deleted', 'marked', 'skipped', 'failed', 'failures', 'dryRun'],
  properties: {
    name: { type: 'string' },
    read: { type: 'integer' },
    created: { type: 'integer' },
    updated: { type: 'integer' },
    unchanged: { type: 'integer' },
    deleted: { type: 'integer' },
    marked: { type: 'integer' },
    skipped: { type: 'integer' },
    failed: { type: 'integer' },
    failures: { type: 'array', items: { type: 'object', properties: { key: {}, row: { type: 'integer' }, column: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } } },
    failuresTruncated: { type: 'boolean' },
    dryRun: { type: 'boolean' },
  },
};

export const syncStep: StepKind<SyncStep, CompiledSync> = {
  kind: 'sync',
  nature: () => 'effect',
  usesFlowRetry: true,
  resumesOnRetry: true,
  outputSchema: () => SYNC_OUTPUT_SCHEMA,
  compile(step, pointer, c) {
    return {
      name: step.name,
      source: compileSource(step, pointer, c),
      key: c.value(step.key, `${pointer}/key`),
      map: c.value(step.map, `${pointer}/map`),
      ended: step.ended === undefined ? undefined : c.value(step.ended, `${pointer}/ended`),
      onEnded: disposal(step.onEnded ?? 'delete', `${pointer}/onEnded`, c),
      onMissing: disposal(step.onMissing ?? 'keep', `${pointer}/onMissing`, c),
      cursor: step.cursor === undefined ? undefined : c.value(step.cursor, `${pointer}/cursor`),
      destination: compileDestination(step, pointer, c),
      dryRun: c.value(step.dryRun ?? false, `${pointer}/dryRun`),
    };
  },
  execute: executeSync,
};

function disposal(value: 'keep' | 'delete' | MarkInstead, pointer: string, c: StepCompileContext): CompiledDisposal {
  if (value === 'keep' || value === 'delete') return { kind: value };
  return { kind: 'mark', fields: c.value(value.mark, `${pointer}/mark`) };
}

function compileSource(step: SyncStep, pointer: string, c: StepCompileContext): CompiledActionSource | CompiledFileSource {
  const source = step.source;
  if ('file' in source) {
    return { kind: 'file', file: c.value(source.file, `${pointer}/source/file`), format: source.format, sheet: source.sheet, schema: source.schema };
  }
  const resolved = resolveAction(source, `${pointer}/source`, c);
  const action = c.env.connectors.get(resolved.connector)?.manifest.actions[resolved.action];
  if (action && !action.pages) {
    c.problem(`${pointer}/source/action`, `${source.action} does not answer page by page, so a sync cannot read it (its manifest declares no "pages")`);
  }
  // The source's input as written in the flow, when it is an object: what can be checked now.
  const written = source.with !== null && typeof source.with === 'object' && !Array.isArray(source.with) ? (source.with as Record<string, unknown>) : undefined;
  if (action?.pages && written && action.pages.token in written) {
    c.problem(`${pointer}/source/with/${action.pages.token}`, `the sync pages through ${source.action} itself: leave "${action.pages.token}" out`);
  }
  if (action?.selects) checkSelectedFields(step, source.action, written ?? {}, pointer, action.selects, c);
  return {
    kind: 'action',
    id: step.id,
    connector: resolved.connector,
    action: resolved.action,
    connection: source.connection,
    input: c.value(source.with ?? {}, `${pointer}/source/with`),
    pages: action?.pages ?? { items: 'items', token: 'page_token', more: 'has_more' },
  };
}

/**
 * A source whose items hold only the fields asked for (Lark's `fields`) answers a read of any other
 * field with nothing: the sync would write blanks. Said here, naming each unasked field, when the
 * list is written out in the flow; a list computed at run time is the flow's to get right.
 */
function checkSelectedFields(step: SyncStep, action: string, input: Record<string, unknown>, pointer: string, selects: ActionSelects, c: StepCompileContext): void {
  const asked = input[selects.input] ?? [];
  if (!Array.isArray(asked) || asked.some((field) => typeof field !== 'string' || holdsExpression(field))) return;
  const reads = [
    ...recordReads(step.key, `${pointer}/key`),
    ...recordReads(step.map, `${pointer}/map`),
    ...recordReads(step.ended, `${pointer}/ended`),
    ...recordReads(typeof step.onEnded === 'object' ? step.onEnded.mark : undefined, `${pointer}/onEnded/mark`),
  ];
  const missing = unaskedReads(reads, asked as string[], selects);
  if (missing.length === 0) return;
  const fields = [...new Set(missing.map((read) => read.path))];
  const where = missing.map((read) => `$record.${read.path} at ${read.pointer.slice(pointer.length + 1)}`).join(', ');
  c.problem(
    `${pointer}/source/with${selects.input in input ? `/${escapePointer(selects.input)}` : ''}`,
    `${action} returns only ${selects.always?.length ? `${selects.always.join(', ')} and ` : ''}the fields named in "${selects.input}", but this sync reads ${where}: add ${fields.map((f) => JSON.stringify(f)).join(', ')} to "${selects.input}"`,
  );
}

function compileDestination(step: SyncStep, pointer: string, c: StepCompileContext): CompiledSync['destination'] {
  const { to, connection, batchSize } = step.destination;
  const dot = to.indexOf('.');
  const connectorId = to.slice(0, dot);
  const name = to.slice(dot + 1);
  const fallback = { connector: connectorId, name, connection, target: c.value(step.destination.with ?? {}, `${pointer}/destination/with`), targetSchema: {}, fields: {}, batch: { create: 1, update: 1, delete: 1 }, wholeBatches: false };
  const connector = c.env.connectors.get(connectorId);
  if (!connector) {
    const suggestion = closest(connectorId, c.env.connectors.list().map((m) => m.id));
    c.problem(`${pointer}/destination/to`, `unknown connector "${connectorId}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: \`staffwire connectors list\` shows the installed ones`);
    return fallback;
  }
  const declared = connector.manifest.syncDestinations ?? {};
  const destination = declared[name];
  if (!destination || !connector.syncDestinations?.[name]) {
    const names = Object.keys(declared);
    c.problem(
      `${pointer}/destination/to`,
      names.length === 0 ? `connector "${connectorId}" has no sync destinations` : `connector "${connectorId}" has no sync destination "${name}" (it has: ${names.join(', ')})`,
    );
    return fallback;
  }
  if (connection !== undefined) {
    const config = c.env.connections[connection];
    if (!config) c.problem(`${pointer}/destination/connection`, unknownConnection(connection, c.env.connections));
    else if (!c.env.connectors.shareConnections(config.connector, connectorId)) {
      c.problem(`${pointer}/destination/connection`, `connection "${connection}" is for connector "${config.connector}"; ${to} needs a connection for connector "${connectorId}"`);
    }
  } else if (connector.manifest.connection.required) {
    c.problem(`${pointer}/destination`, `${to} needs a connection: set "connection" to a ${connectorId} connection`);
  }
  const sizes = destination.batchSize;
  const size = (limit: BatchSize | undefined) => Math.min(batchSize ?? limit?.default ?? sizes.create.default, limit?.max ?? sizes.create.max);
  if (batchSize !== undefined && batchSize > Math.min(sizes.create.max, sizes.update.max)) {
    c.problem(`${pointer}/destination/batchSize`, `${to} takes at most ${Math.min(sizes.create.max, sizes.update.max)} records a call, not ${batchSize}`);
  }
  return {
    ...fallback,
    targetSchema: destination.target,
    fields: destination.fields,
    wholeBatches: destination.wholeBatches === true,
    batch: { create: size(sizes.create), update: size(sizes.update), delete: size(sizes.delete ?? sizes.create) },
  };
}
