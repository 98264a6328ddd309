import { InputError } from '../../../errors/index.js';
import type { ActionPages } from '../../../connector-kit/manifest.js';
import type { Scope } from '../../expressions/scope.js';
import type { CompiledValue } from '../../expressions/template.js';
import type { RunExecution } from '../../run-execution.js';
import { callAction, type ActionTarget } from '../call-step.js';
import { DEFAULT_INLINE_ATTEMPTS } from '../../../connector-kit/retry-transient.js';
import { idempotencyKey } from '../../idempotency-key.js';

/** A source record and, for a file, the row it came from. */
export interface SourceRecord {
  record: unknown;
  row?: number;
}

/** Records read from where `position` pointed, and where the next read starts. */
export interface SourceChunk {
  records: SourceRecord[];
  /** Where to read on from; JSON, so it can be checkpointed. */
  position: unknown;
  /** The source has nothing after these records. */
  done: boolean;
}

/**
 * Where a sync's records come from, read a chunk at a time so that a source of any size is never
 * in memory whole. `position` null is the start; a position the source handed out resumes it.
 */
export interface SyncSource {
  read(position: unknown, atLeast: number, scope: Scope): Promise<SourceChunk>;
}

/** A compiled action source: the action, its input without the page token, and how it pages. */
export interface CompiledActionSource extends ActionTarget {
  kind: 'action';
  input: CompiledValue;
  pages: ActionPages;
}

/**
 * Reads a paginated action page by page from a page token, whole pages at a time, until at
 * least `atLeast` records are in or the source ends. Reads are not side effects: a resumed sync
 * reads again from the token of the first page whose records it had not written.
 */
export function actionSource(source: CompiledActionSource, execution: RunExecution, path: string, attempt: () => number, inlineAttempts: number): SyncSource {
  return {
    async read(position, atLeast, scope) {
      const records: SourceRecord[] = [];
      let token = position as string | null;
      const base = await execution.evaluate(source.input, scope);
      if (base === null || typeof base !== 'object' || Array.isArray(base)) {
        throw new InputError(`the source's "with" must give an object, got ${JSON.stringify(base)}`, 'sync.invalid_source');
      }
      for (;;) {
        const input = token === null ? base : { ...base, [source.pages.token]: token };
        const page = (await callAction(execution, source, input, {
          path,
          attempt: attempt(),
          idempotencyKey: idempotencyKey(execution.run.id, `${path}#read`),
          inlineAttempts: inlineAttempts || DEFAULT_INLINE_ATTEMPTS,
        })) as Record<string, unknown> | null;
        const items = page?.[source.pages.items];
        if (!Array.isArray(items)) {
          throw new InputError(`${source.connector}.${source.action} answered without a list at "${source.pages.items}"`, 'sync.invalid_source');
        }
        for (const record of items) records.push({ record });
        const next = page?.[source.pages.token];
        const more = page?.[source.pages.more] === true && typeof next === 'string' && next !== '';
        token = more ? (next as string) : null;
        if (!more) return { records, position: null, done: true };
        if (records.length >= atLeast) return { records, position: token, done: false };
      }
    },
  };
}
