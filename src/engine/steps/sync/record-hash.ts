import { hash } from 'node:crypto';

/**
 * A digest of a mapped record, for "unchanged since the last sync". Keys are sorted so that a
 * flow edit that only reorders its map does not rewrite every record.
 */
export function recordHash(fields: unknown): string {
  return hash('sha256', canonicalJson(fields), 'base64url').slice(0, 22);
}

/** JSON with every object's keys sorted; built by concatenation, as it runs once per synced record. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  let json: string;
  if (Array.isArray(value)) {
    json = '[';
    for (let i = 0; i < value.length; i++) json += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return json + ']';
  }
  const keys = Object.keys(value).sort();
  json = '{';
  for (let i = 0; i < keys.length; i++) {
    json += `${i === 0 ? '' : ','}${JSON.stringify(keys[i])}:${canonicalJson((value as Record<string, unknown>)[keys[i]!])}`;
  }
  return json + '}';
}
