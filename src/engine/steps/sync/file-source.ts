import { resolve } from 'node:path';
import { InputError } from '../../../errors/index.js';
import { readTable } from '../../../tables/read-table.js';
import type { TableRow } from '../../../tables/table-row.js';
import type { Scope } from '../../expressions/scope.js';
import type { RunExecution } from '../../run-execution.js';
import type { CompiledFileSource } from './sync-step.js';
import type { SourceRecord, SyncSource } from './sync-source.js';

/**
 * Reads a CSV or XLSX file a chunk of rows at a time; the position is the next row number. One
 * reader stays open while the sync moves forward (reopening an XLSX means unzipping it again);
 * a resumed sync opens it at its checkpoint's row.
 */
export function fileSource(source: CompiledFileSource, execution: RunExecution, scope: Scope): SyncSource {
  let reader: { rows: AsyncGenerator<TableRow>; at: number } | undefined;
  let path: string | undefined;
  return {
    async read(position, atLeast) {
      if (path === undefined) {
        const file = await execution.evaluate(source.file, scope);
        if (typeof file !== 'string' || file === '') throw new InputError(`"file" must give a file path, got ${JSON.stringify(file)}`, 'sync.invalid_source');
        path = resolve(file);
      }
      const from = typeof position === 'number' ? position : 1;
      if (reader?.at !== from) {
        await reader?.rows.return(undefined);
        const rows = readTable(path, {
          ...(source.format ? { format: source.format } : {}),
          ...(source.sheet !== undefined ? { sheet: source.sheet } : {}),
          fromRow: from,
          signal: execution.signal,
        });
        reader = { rows, at: from };
      }
      const records: SourceRecord[] = [];
      while (records.length < atLeast) {
        const next = await reader.rows.next();
        if (next.done) {
          reader = undefined;
          return { records, position: null, done: true };
        }
        records.push({ record: next.value.values, row: next.value.row });
        reader.at = next.value.row + 1;
      }
      return { records, position: reader.at, done: false };
    },
  };
}
