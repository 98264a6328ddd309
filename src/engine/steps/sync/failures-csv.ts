import type { SyncFailure } from './sync-execution.js';

const COLUMNS = ['key', 'row', 'column', 'code', 'message'] as const;

/** A sync's failed records as CSV (RFC 4180 quoting), one per line after the header. */
export function failuresCsv(failures: readonly SyncFailure[]): string {
  const lines = [COLUMNS.join(',')];
  for (const failure of failures) lines.push(COLUMNS.map((column) => csvField(failure[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  // A leading = + - @ would make a spreadsheet run the cell as a formula.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replaceAll('"', '""')}"` : safe;
}
