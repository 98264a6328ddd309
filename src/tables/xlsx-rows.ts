import { createReadStream } from 'node:fs';
import type ExcelJS from 'exceljs';
import { TableFileError } from '../errors/index.js';
import type { CellValue, RawRow } from './table-row.js';

export interface XlsxReadOptions {
  /** By name, or by position in the tab order (1-based). Default: the first sheet. */
  sheet?: string | number;
  signal?: AbortSignal;
}

/** What exceljs's streaming reader knows and its typings leave out. */
interface WorkbookReaderState {
  /** The workbook's sheets in tab order, once xl/workbook.xml is read. */
  model?: { sheets?: { name: string }[] };
  properties?: { model?: { date1904?: boolean } };
}

/**
 * The rows of one sheet of an XLSX workbook, streamed by exceljs's WorkbookReader (shared strings
 * and styles are held, rows are not). Cells come as their value: numbers, text (rich text as
 * plain text), booleans, dates as ISO 8601 text, a formula as its cached result, an error as its
 * code (`#N/A`), an empty cell as null. A formula that ended in an error is null too: exceljs's
 * streaming reader keeps no code for it. Rows are numbered as in the sheet.
 */
export async function* xlsxRows(path: string, options: XlsxReadOptions = {}): AsyncGenerator<RawRow> {
  // Loaded when a workbook is read: most processes never read one, and exceljs is slow to load.
  const { default: excel } = await import('exceljs');
  const input = createReadStream(path, options.signal ? { signal: options.signal } : {});
  const workbook = new excel.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    // Styles tell a date from a number.
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const state = workbook as unknown as WorkbookReaderState;
  let wanted: string | undefined;
  try {
    for await (const worksheet of workbook) {
      if (state.model === undefined) {
        throw new TableFileError(`${path}: its sheets come before the workbook part that names them, which a streaming read cannot follow`, { code: 'table.unreadable', file: path });
      }
      wanted ??= wantedSheet(path, state.model.sheets?.map((sheet) => sheet.name) ?? [], options.sheet);
      // A worksheet left unread is skipped over by exceljs.
      if ((worksheet as unknown as { name?: string }).name !== wanted) continue;
      const date1904 = state.properties?.model?.date1904 === true;
      for await (const row of worksheet) {
        const cells: CellValue[] = [];
        row.eachCell((cell, column) => {
          cells[column - 1] = cellValue(cell, date1904);
        });
        yield { row: row.number, cells: Array.from(cells, (cell) => cell ?? null) };
      }
      return;
    }
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (err instanceof TableFileError) throw err;
    throw new TableFileError(`${path}: cannot be read as an XLSX workbook (damaged, or not one): ${(err as Error).message}`, { code: 'table.unreadable', file: path, cause: err });
  } finally {
    input.destroy();
  }
  if (state.model === undefined) {
    throw new TableFileError(`${path}: is not an XLSX workbook (it holds no workbook part)`, { code: 'table.unreadable', file: path });
  }
  throw missingSheet(path, state.model.sheets?.map((sheet) => sheet.name) ?? [], options.sheet);
}

/** The name of the sheet asked for, or the error saying which sheets there are. */
function wantedSheet(path: string, names: string[], sheet: string | number | undefined): string {
  const name = typeof sheet === 'number' ? names[sheet - 1] : (sheet ?? names[0]);
  if (name === undefined || !names.includes(name)) throw missingSheet(path, names, sheet);
  return name;
}

function missingSheet(path: string, names: string[], sheet: string | number | undefined): TableFileError {
  const asked = sheet === undefined ? 'sheet' : typeof sheet === 'number' ? `sheet ${sheet}` : `sheet ${JSON.stringify(sheet)}`;
  const has = names.length === 0 ? 'the workbook has no sheets' : `the workbook has ${names.length}: ${names.map((name) => JSON.stringify(name)).join(', ')}`;
  return new TableFileError(`${path}: no ${asked} (${has})`, { code: 'table.sheet_not_found', file: path });
}

function cellValue(cell: ExcelJS.Cell, date1904: boolean): CellValue {
  const value = cell.value;
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number') return Number.isNaN(value) ? null : value;
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return isoDateTime(value);
  if ('richText' in value) return value.richText.map((run) => run.text).join('') || null;
  if ('error' in value) return value.error;
  if ('formula' in value || 'sharedFormula' in value) {
    const result = value.result;
    if (result === undefined || result === null) return null;
    if (typeof result === 'number') {
      // The text of an error result (#DIV/0!), read as a number.
      if (Number.isNaN(result)) return null;
      // exceljs turns a plain number into a date by its format, but leaves a formula's result be.
      return isDateFormat(cell.numFmt) ? isoDateTime(dateOfSerial(result, date1904)) : result;
    }
    if (result instanceof Date) return isoDateTime(result);
    if (typeof result === 'object') return result.error;
    return result === '' ? null : result;
  }
  return cell.text === '' ? null : cell.text;
}

/** As exceljs decides for plain values (utils.isDateFmt, not exported): a format with date or time letters outside quotes and brackets. */
function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  return /[ymdhMsb]/.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/** A spreadsheet serial date (days since 1899-12-30, or 1904-01-01), as exceljs reads one. */
function dateOfSerial(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

/**
 * A spreadsheet date has no time zone: exceljs reads its wall clock as UTC. Written without an
 * offset, then, and as a plain date when it has no time of day (2024-03-01, 2024-03-01T09:30:00).
 */
function isoDateTime(date: Date): string | null {
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
}
