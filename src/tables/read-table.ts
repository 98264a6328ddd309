import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { TableFileError } from '../errors/index.js';
import { describeColumn } from './column-name.js';
import { csvRows } from './csv-rows.js';
import { columnNames, lastFilledIndex } from './table-header.js';
import type { CellValue, RawRow, ReadTableOptions, TableFormat, TableRow } from './table-row.js';
import { untilAborted } from './until-aborted.js';
import { xlsxRows } from './xlsx-rows.js';

/**
 * The rows of a CSV or XLSX file, one at a time and never the whole file in memory, each keyed by
 * the header's column names and numbered as a spreadsheet shows it. Rows with no value at all are
 * skipped. Every problem is a TableFileError naming the file, and the row and column when it has
 * them; an abort throws the signal's reason.
 */
export async function* readTable(path: string, options: ReadTableOptions = {}): AsyncGenerator<TableRow, void, undefined> {
  options.signal?.throwIfAborted();
  const format = formatOf(path, options.format);
  const fromRow = options.fromRow ?? 1;
  if (!Number.isInteger(fromRow) || fromRow < 1) {
    throw new TableFileError(`${path}: fromRow must be a row number (1 or more), got ${String(options.fromRow)}`, { code: 'table.bad_option', file: path });
  }
  if (options.header !== undefined && options.header !== true) {
    throw new TableFileError(`${path}: header must be true (the first row names the columns), got ${String(options.header)}`, { code: 'table.bad_option', file: path });
  }
  if (options.encoding !== undefined && !Buffer.isEncoding(options.encoding)) {
    throw new TableFileError(`${path}: ${JSON.stringify(options.encoding)} is not an encoding Node.js reads (utf8, utf16le, latin1)`, { code: 'table.bad_option', file: path });
  }
  await checkReadable(path);
  const source: AsyncGenerator<RawRow> =
    format === 'csv'
      ? csvRows(path, { delimiter: options.delimiter, encoding: options.encoding, signal: options.signal })
      : xlsxRows(path, { sheet: options.sheet, signal: options.signal });

  let names: string[] | undefined;
  for await (const raw of untilAborted(source, options.signal)) {
    if (names === undefined) {
      if (lastFilledIndex(raw.cells) >= 0) names = columnNames(path, raw);
      continue;
    }
    // Rows before a checkpoint are read past without being looked at.
    if (raw.row < fromRow) continue;
    const last = lastFilledIndex(raw.cells);
    if (last < 0) continue;
    if (last >= names.length) throw valueBeyondHeader(path, raw, names.length, last);
    // fromEntries defines each name as an own property, so a column named __proto__ is data too.
    const values: Record<string, CellValue> = Object.fromEntries(names.map((name, i) => [name, raw.cells[i] ?? null]));
    yield { row: raw.row, values };
  }
  if (names === undefined) {
    throw new TableFileError(`${path}: is empty: no header row names the columns`, { code: 'table.bad_header', file: path });
  }
}

function formatOf(path: string, format: TableFormat | undefined): TableFormat {
  if (format !== undefined) {
    if (format === 'csv' || format === 'xlsx') return format;
    throw new TableFileError(`${path}: format must be 'csv' or 'xlsx', got ${JSON.stringify(format)}`, { code: 'table.bad_option', file: path });
  }
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.xlsx') return 'xlsx';
  throw new TableFileError(`${path}: cannot tell the format from the extension ${JSON.stringify(extension)}; say format: 'csv' or 'xlsx'`, {
    code: 'table.bad_option',
    file: path,
  });
}

async function checkReadable(path: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TableFileError(`${path}: no such file`, { code: 'table.not_found', file: path, cause: err });
    throw new TableFileError(`${path}: cannot be read: ${(err as Error).message}`, { code: 'table.unreadable', file: path, cause: err });
  }
  if (isDirectory) throw new TableFileError(`${path}: is a directory, not a file`, { code: 'table.unreadable', file: path });
}

function valueBeyondHeader(path: string, raw: RawRow, width: number, last: number): TableFileError {
  const index = raw.cells.findIndex((cell, i) => i >= width && cell !== null);
  const column = index + 1;
  const text = JSON.stringify(raw.cells[index]);
  const value = text.length > 40 ? `${text.slice(0, 37)}…` : text;
  return new TableFileError(
    `${path}: row ${raw.row}, ${describeColumn(column)}: a value (${value}) beyond the ${width} columns the header names; the row has ${last + 1} cells`,
    { code: 'table.ragged_row', file: path, row: raw.row, column },
  );
}
