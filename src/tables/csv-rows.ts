import { createReadStream } from 'node:fs';
import type { CsvError, Info } from 'csv-parse';
import { TableFileError } from '../errors/index.js';
import type { RawRow } from './table-row.js';

/**
 * The longest row a CSV may have, in characters. A quote that is never closed would otherwise
 * gather the rest of the file into one field, in memory.
 */
export const MAX_CSV_ROW_CHARACTERS = 1_000_000;

export interface CsvReadOptions {
  delimiter?: string;
  encoding?: BufferEncoding;
  signal?: AbortSignal;
}

/**
 * The rows of a CSV file, streamed: blank lines are skipped, a byte order mark is dropped (and
 * picks the encoding), quoted fields may hold delimiters, quotes and line breaks. Empty fields
 * are null. Each row is numbered by the line it starts on.
 */
export async function* csvRows(path: string, options: CsvReadOptions = {}): AsyncGenerator<RawRow> {
  // Loaded when a CSV is read: most processes never read one.
  const csv = await import('csv-parse');
  const parser = csv.parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    // Rows wider than the header are found, in order, by the caller; csv-parse would fail the
    // stream and drop the rows read before the wide one.
    relax_column_count: true,
    max_record_size: MAX_CSV_ROW_CHARACTERS,
    ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
  });
  const file = createReadStream(path, options.signal ? { signal: options.signal } : {});
  file.on('error', (err) => parser.destroy(err));
  file.pipe(parser);
  // csv-parse counts a CRLF inside a quoted field as two lines, so lines are counted here: a
  // row starts after the previous one's last line and the blank lines skipped since.
  let nextLine = 1;
  let blankLinesBefore = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const row = nextLine + (info.empty_lines - blankLinesBefore);
      blankLinesBefore = info.empty_lines;
      nextLine = row + record.reduce((breaks, field) => breaks + lineBreaksIn(field), 0) + 1;
      yield { row, cells: record.map((field) => (field === '' ? null : field)) };
    }
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (err instanceof csv.CsvError) {
      // The error carries csv-parse's counts at the failing row, blank lines skipped included.
      const blankLines = typeof err.empty_lines === 'number' ? err.empty_lines : blankLinesBefore;
      const row = nextLine + blankLines - blankLinesBefore;
      throw new TableFileError(`${path}: row ${row}: ${csvProblem(err)}`, { code: 'table.unreadable', file: path, row, cause: err });
    }
    throw new TableFileError(`${path}: cannot be read: ${(err as Error).message}`, { code: 'table.unreadable', file: path, cause: err });
  } finally {
    file.destroy();
    parser.destroy();
  }
}

function csvProblem(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field starting in this row is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return `a quote is out of place (inside a quoted field, write a quote as two quotes): ${err.message}`;
    case 'CSV_MAX_RECORD_SIZE':
      return `the row is longer than ${MAX_CSV_ROW_CHARACTERS} characters (is a quote left open?)`;
    default:
      return err.message;
  }
}

const LINE_BREAK = /\r\n|\r|\n/g;

function lineBreaksIn(field: string): number {
  return field.includes('\n') || field.includes('\r') ? (field.match(LINE_BREAK)?.length ?? 0) : 0;
}
