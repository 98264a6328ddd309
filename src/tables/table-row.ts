/** One cell as a table hands it on: text, a number, a boolean, or null when the cell is empty. */
export type CellValue = string | number | boolean | null;

/** One row of data, keyed by the header's column names. */
export interface TableRow {
  /** The row's number in the file as a spreadsheet shows it (1-based, the header counted). */
  row: number;
  values: Record<string, CellValue>;
}

/** One row as a format reads it, before the header names its cells. */
export interface RawRow {
  row: number;
  /** Cells by column, from the first (index 0). */
  cells: CellValue[];
}

export type TableFormat = 'csv' | 'xlsx';

export interface ReadTableOptions {
  /** Default: from the file's extension (.csv, .xlsx). */
  format?: TableFormat;
  /** XLSX: the sheet to read, by name or by position in the workbook's tab order (1-based). Default: the first. */
  sheet?: string | number;
  /** The first row names the columns; the only layout read so far. */
  header?: true;
  /** CSV: the field delimiter. Default `,`. */
  delimiter?: string;
  /** CSV: a Node.js encoding (`utf8`, `utf16le`, `latin1`). Default `utf8`; a byte order mark wins. */
  encoding?: BufferEncoding;
  /** Yield rows from this row number on (a checkpoint's next row); earlier rows are read past, not built. */
  fromRow?: number;
  /** Stops reading when aborted: the iteration throws the signal's reason. */
  signal?: AbortSignal;
}
