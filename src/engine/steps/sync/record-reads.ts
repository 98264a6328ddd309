import { escapePointer, holdsExpression } from '../../expressions/template.js';
import type { ActionSelects } from '../../../connector-kit/manifest.js';

/** A field of `$record` an expression reads, as a dotted path, and the value that reads it. */
export interface RecordRead {
  path: string;
  pointer: string;
}

/** `$record.a.b` in an expression: plain dotted names only (a filter or a computed name ends the path). */
const RECORD_PATH = /\$record((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g;

/** Every `$record.…` that the expressions in `value` read, with the JSON pointer of the string holding each. */
export function recordReads(value: unknown, pointer: string): RecordRead[] {
  if (typeof value === 'string') {
    if (!holdsExpression(value)) return [];
    return [...value.matchAll(RECORD_PATH)].map((match) => ({ path: match[1]!.slice(1), pointer }));
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => recordReads(item, `${pointer}/${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => recordReads(item, `${pointer}/${escapePointer(key)}`));
  }
  return [];
}

/**
 * The reads no item of the source will answer: fields neither asked for in `asked` nor always
 * returned. Asking for `person_info` covers `person_info.preferred_name`, and asking for
 * `person_info.preferred_name` covers reading `person_info` (the item holds part of it).
 */
export function unaskedReads(reads: readonly RecordRead[], asked: readonly string[], selects: ActionSelects): RecordRead[] {
  const answered = [...asked, ...(selects.always ?? [])];
  const covers = (field: string, path: string) => path === field || path.startsWith(`${field}.`) || field.startsWith(`${path}.`);
  return reads.filter((read) => !answered.some((field) => covers(field, read.path)));
}
