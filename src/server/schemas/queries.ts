import { badRequest } from '../api-error.js';

/** `limit` of every listing: how many items a page holds. */
export const limitParameter = { type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Items per page, at most 200.' } as const;
export const cursorParameter = { type: 'string', minLength: 1, maxLength: 2000, description: 'The `next` of the previous page.' } as const;
export const momentParameter = (description: string) => ({ type: 'string', format: 'date-time', description: `${description} (ISO 8601 with its zone).` }) as const;

/** A comma-separated list of values from `allowed`, e.g. `failed,waiting`. */
export function listParameter(allowed: readonly string[], description: string) {
  return { type: 'string', pattern: `^(${allowed.join('|')})(,(${allowed.join('|')}))*$`, description: `${description}: comma-separated, of ${allowed.join(', ')}.` } as const;
}

export function listOf<T extends string>(value: string | undefined): T[] | undefined {
  return value === undefined ? undefined : ([...new Set(value.split(','))] as T[]);
}

/** A moment from a query or body as the store compares them: UTC ISO text. */
export function utcIso(value: string, name: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw badRequest('request.invalid', `${name} is not a moment: ${value}`, { problems: [{ in: 'querystring', pointer: `/${name}`, message: `${name} must be an ISO 8601 moment with its zone` }] });
  return new Date(ms).toISOString();
}
