import { badRequest } from './api-error.js';

/**
 * Page cursors: opaque to clients (base64url JSON naming the listing they belong to and where
 * the page ended), so the position's fields can change without breaking anyone. A listing goes
 * on strictly after the last item of the previous page in its own order, so items created
 * meanwhile never shift a page and none is skipped or repeated.
 */
export function encodeCursor(listing: string, position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify({ l: listing, ...position }), 'utf8').toString('base64url');
}

/** The position a cursor holds, with every field of `fields` of the type given; a 400 otherwise. */
export function decodeCursor<T extends Record<string, 'string' | 'number'>>(
  listing: string,
  cursor: string,
  fields: T,
): { [K in keyof T]: T[K] extends 'number' ? number : string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const record = decoded as Record<string, unknown> | undefined;
  const fits =
    typeof record === 'object' && record !== null && record.l === listing && Object.entries(fields).every(([name, type]) => typeof record[name] === type);
  if (!fits) {
    throw badRequest('request.invalid_cursor', `cursor is not one this listing gave out: pass the \`next\` of the previous page of ${listing} as it was`, { cursor });
  }
  return record as { [K in keyof T]: T[K] extends 'number' ? number : string };
}

/**
 * One page from a listing that returns items in its order after a position: asks for one more
 * than the page holds, to know whether another page follows without a second query.
 */
export async function pageOf<Item>(
  limit: number,
  fetch: (limit: number) => Promise<Item[]>,
  cursorOf: (last: Item) => string,
): Promise<{ items: Item[]; next: string | null }> {
  const found = await fetch(limit + 1);
  const items = found.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: found.length > limit && last !== undefined ? cursorOf(last) : null };
}
