import { StaffwireError } from '../../src/errors/index.js';

/** The object Lark promises under `key` of a successful answer's data; its absence is Lark's fault, not the flow's. */
export function requireAnswerObject(data: Record<string, unknown>, key: string, request: string): Record<string, unknown> {
  const value = data[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StaffwireError(`Lark answered ${request} with code 0 but without data.${key}`, { code: 'lark.answer_malformed', category: 'server' });
  }
  return value as Record<string, unknown>;
}
