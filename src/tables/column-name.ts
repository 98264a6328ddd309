/** A 1-based column number as a spreadsheet names it: 1 → A, 27 → AA. */
export function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** How an error names a column: `column 3 (C)`. */
export function describeColumn(column: number): string {
  return `column ${column} (${columnLetters(column)})`;
}
