import { TableFileError } from '../errors/index.js';
import { describeColumn } from './column-name.js';
import type { CellValue, RawRow } from './table-row.js';

/**
 * The column names a header row gives, trimmed: each must be present and distinct, or rows could
 * not say which value is which. Empty cells after the last name are not columns (a spreadsheet
 * shows nothing there).
 */
export function columnNames(path: string, header: RawRow): string[] {
  const cells = header.cells.slice(0, lastFilledIndex(header.cells) + 1);
  const names = cells.map((cell) => (cell === null ? '' : String(cell).trim()));
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    const column = index + 1;
    if (name === '') {
      throw new TableFileError(`${path}: row ${header.row}, ${describeColumn(column)}: the header has no column name here`, {
        code: 'table.bad_header',
        file: path,
        row: header.row,
        column,
      });
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new TableFileError(`${path}: row ${header.row}, ${describeColumn(column)}: the header names column ${JSON.stringify(name)} again (first in ${describeColumn(first)})`, {
        code: 'table.bad_header',
        file: path,
        row: header.row,
        column,
      });
    }
    seen.set(name, column);
  });
  return names;
}

export function lastFilledIndex(cells: readonly CellValue[]): number {
  for (let i = cells.length - 1; i >= 0; i--) if (cells[i] !== null) return i;
  return -1;
}
