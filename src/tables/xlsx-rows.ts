import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type ExcelJS from 'exceljs';
import { TableFileError } from '../errors/index.js';
import type { CellValue, RawRow } from './table-row.js';
import { type ZipPart, zipParts } from './zip-parts.js';

export interface XlsxReadOptions {
  /** By name, or by position in the tab order (1-based). Default: the first sheet. */
  sheet?: string | number;
  signal?: AbortSignal;
}

interface SheetEntry {
  name: string;
  rId: string;
}

/** The parts of exceljs's streaming WorkbookReader used here; its typings leave them out. */
interface WorkbookReaderParts {
  /** The workbook's sheets in tab order, once xl/workbook.xml is read. */
  model?: { sheets?: SheetEntry[] };
  properties?: { model?: { date1904?: boolean } };
  workbookRels?: { Id: string; Target: string }[];
  _parseRels(part: Readable): Promise<void>;
  _parseWorkbook(part: Readable): Promise<void>;
  _parseSharedStrings(part: Readable): AsyncGenerator<unknown>;
  _parseStyles(part: Readable): Promise<void>;
  _parseWorksheet(part: Readable, sheetNo: string): Generator<{ eventType: string; value: ExcelJS.stream.xlsx.WorksheetReader }>;
}

/**
 * The rows of one sheet of an XLSX workbook, streamed (shared strings and styles are held, rows
 * are not). Cells come as their value: numbers, text (rich text as plain text), booleans, dates as
 * ISO 8601 text, a formula as its cached result, an error as its code (`#N/A`), an empty cell as
 * null. A formula that ended in an error is null too: exceljs's streaming reader keeps no code for
 * it. Rows are numbered as in the sheet.
 *
 * The parts are read through the zip's central directory in the order the sheet needs them
 * (relationships, workbook, shared strings, styles, then the sheet) with exceljs's part parsers.
 * Its own reader walks the archive front to back instead, and for a workbook that stores sheets
 * before the workbook part (as exceljs writes them) parks each sheet in a temporary file and,
 * under load, loses the parts after it (unzipper ends its entry stream when the input ends, not
 * when the last entry is read) and fails on a sound file. A zip's directory is at its end, so a
 * workbook that is not a plain file (a named pipe, a process substitution) is copied to a
 * temporary file first.
 */
export async function* xlsxRows(path: string, options: XlsxReadOptions = {}): AsyncGenerator<RawRow> {
  // Loaded when a workbook is read: most processes never read one, and exceljs is slow to load.
  const { default: excel } = await import('exceljs');
  const opened: Readable[] = [];
  const open = async (part: ZipPart): Promise<Readable> => {
    const stream = await part.open(options.signal);
    opened.push(stream);
    return stream;
  };
  let spool: string | undefined;
  try {
    if (!(await stat(path)).isFile()) {
      spool = await mkdtemp(join(tmpdir(), 'staffwire-xlsx-'));
      await pipeline(createReadStream(path, options.signal ? { signal: options.signal } : {}), createWriteStream(join(spool, 'workbook.xlsx')));
    }
    const parts = await zipParts(spool === undefined ? path : join(spool, 'workbook.xlsx'));
    const workbookPart = parts.get('xl/workbook.xml');
    if (workbookPart === undefined) {
      throw new TableFileError(`${path}: is not an XLSX workbook (it holds no workbook part)`, { code: 'table.unreadable', file: path });
    }
    const reader = new excel.stream.xlsx.WorkbookReader(path, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      // Styles tell a date from a number.
      styles: 'cache',
      hyperlinks: 'ignore',
      entries: 'ignore',
    }) as unknown as WorkbookReaderParts;
    await reader._parseWorkbook(await open(workbookPart));
    const sheets = reader.model?.sheets ?? [];
    const wanted = wantedSheet(path, sheets, options.sheet);
    const relsPart = parts.get('xl/_rels/workbook.xml.rels');
    if (relsPart !== undefined) await reader._parseRels(await open(relsPart));
    const target = reader.workbookRels?.find((rel) => rel.Id === wanted.rId)?.Target;
    const sheetPart = target === undefined ? undefined : parts.get(partPath(target));
    if (target === undefined || sheetPart === undefined) {
      throw new TableFileError(`${path}: names sheet ${JSON.stringify(wanted.name)} but holds no part for it${target === undefined ? '' : ` (${partPath(target)})`}`, { code: 'table.unreadable', file: path });
    }
    const sharedStrings = parts.get('xl/sharedStrings.xml');
    if (sharedStrings !== undefined) {
      for await (const _ of reader._parseSharedStrings(await open(sharedStrings)));
    }
    const styles = parts.get('xl/styles.xml');
    if (styles !== undefined) await reader._parseStyles(await open(styles));

    const date1904 = reader.properties?.model?.date1904 === true;
    const sheetNo = /sheet(\d+)\.xml$/.exec(sheetPart.path)?.[1] ?? '1';
    for (const { value: worksheet } of reader._parseWorksheet(await open(sheetPart), sheetNo)) {
      for await (const row of worksheet) {
        const cells: CellValue[] = [];
        row.eachCell((cell, column) => {
          cells[column - 1] = cellValue(cell, date1904);
        });
        yield { row: row.number, cells: Array.from(cells, (cell) => cell ?? null) };
      }
    }
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (err instanceof TableFileError) throw err;
    throw new TableFileError(`${path}: cannot be read as an XLSX workbook (damaged, or not one): ${(err as Error).message}`, { code: 'table.unreadable', file: path, cause: err });
  } finally {
    for (const stream of opened) stream.destroy();
    if (spool !== undefined) await rm(spool, { recursive: true, force: true });
  }
}

/** A relationship's target as a path in the archive: relative to xl/, or absolute from its root. */
function partPath(target: string): string {
  return target.startsWith('/') ? target.slice(1) : posix.join('xl', target);
}

/** The sheet asked for, or the error saying which sheets there are. */
function wantedSheet(path: string, sheets: SheetEntry[], sheet: string | number | undefined): SheetEntry {
  const found = typeof sheet === 'number' ? sheets[sheet - 1] : sheet === undefined ? sheets[0] : sheets.find((entry) => entry.name === sheet);
  if (found === undefined) throw missingSheet(path, sheets.map((entry) => entry.name), sheet);
  return found;
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
