import { StaffwireError } from './staffwire-error.js';

/**
 * A CSV or XLSX file cannot be read as a table: missing, unreadable, no such sheet, a bad header
 * or a row that does not fit it. Says where: the file, and the row and column (1-based, as a
 * spreadsheet shows them) when the problem has one.
 */
export class TableFileError extends StaffwireError {
  readonly file: string;
  readonly row: number | undefined;
  readonly column: number | undefined;

  constructor(message: string, options: { code: string; file: string; row?: number; column?: number; cause?: unknown }) {
    super(message, {
      code: options.code,
      category: 'validation',
      cause: options.cause,
      details: { file: options.file, ...(options.row === undefined ? {} : { row: options.row }), ...(options.column === undefined ? {} : { column: options.column }) },
    });
    this.file = options.file;
    this.row = options.row;
    this.column = options.column;
  }
}
