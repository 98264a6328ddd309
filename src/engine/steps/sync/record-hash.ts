import { createHash } from 'node:crypto';

/**
 * A digest of a mapped record, for "unchanged since the last sync". Keys are sorted so that a
 * flow edit that only reorders its map does not rewrite every record.
 */
export function recordHash(fields: unknown): string {
  return createHash('sha256').update(canonicalJson(fields)).digest('base64url').slice(0, 22);
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
}
