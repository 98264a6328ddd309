import type { EventRecord } from './records.js';

/** Enough for any key a flow correlates on (an id, a status), without indexing whole documents. */
const MAX_DEPTH = 5;
const MAX_KEYS = 200;
const MAX_VALUE_LENGTH = 256;

/**
 * The scalars of an event by dotted path (`id`, `payload.envelopeId`,
 * `payload.items.0.id`), as strings: what a listen's key may name. Bounded in depth, count and
 * length, so a large payload cannot blow up the index.
 */
export function eventKeys(event: EventRecord): { path: string; value: string }[] {
  const keys: { path: string; value: string }[] = [];
  const visit = (value: unknown, path: string, depth: number) => {
    if (keys.length >= MAX_KEYS) return;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      const text = String(value);
      if (path !== '' && text.length <= MAX_VALUE_LENGTH) keys.push({ path, value: text });
      return;
    }
    if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return;
    for (const [key, child] of Object.entries(value)) visit(child, path === '' ? key : `${path}.${key}`, depth + 1);
  };
  // The type is a column of its own; the tenant is the same for every event of a connection.
  visit({ id: event.id, payload: event.payload }, '', 0);
  return keys;
}

/** The value at a dotted path of a JSON value, as eventKeys would index it. */
export function valueAtPath(value: unknown, path: string): string | undefined {
  let at: unknown = value;
  for (const segment of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, segment)) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return typeof at === 'string' || typeof at === 'number' || typeof at === 'boolean' ? String(at) : undefined;
}
