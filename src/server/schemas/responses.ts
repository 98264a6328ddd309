import type { FastifySchema } from 'fastify';
import type { Access } from '../auth/roles.js';
import { ref } from './components.js';

const WHEN: Record<number, string> = {
  400: 'The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor.',
  401: 'No token, or a token this server does not know (or no tokens are configured).',
  403: "The token's role may not do this.",
  404: 'No such thing.',
  409: 'The thing is not in a state that allows this.',
  413: 'The body is larger than server.bodyLimitBytes.',
  415: 'The body is not application/json.',
  422: 'Well-formed, but invalid: the details name each problem.',
  429: 'Too many requests, or too many failed authentications, from this address: see Retry-After.',
  503: 'The store cannot be used now (busy, read-only, gone): see Retry-After.',
};

/** Error answers in the one shape, each described, by status. */
export function errorResponses(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((status) => [status, { description: WHEN[status] ?? 'Error.', ...ref('Error') }]));
}

const WHO: Record<Access, string> = {
  read: 'Any role (viewer, operator, admin); viewers see personal data masked.',
  operate: 'Role operator or admin.',
  administer: 'Role admin.',
};

/**
 * The options of an API route: what it does (`access`, checked by the auth hook), its schema
 * with the bearer scheme, the roles that may call it, and the error answers every API route can give.
 */
export function apiRoute(access: Access, schema: FastifySchema & { summary: string; description?: string; tags: string[]; response: Record<number, unknown> }, errors: number[] = []) {
  return {
    config: { access },
    schema: {
      ...schema,
      description: `${schema.description ? `${schema.description}\n\n` : ''}${WHO[access]}`,
      security: [{ bearerAuth: [] }, { sessionCookie: [] }],
      response: { ...schema.response, ...errorResponses(...new Set([400, 401, 403, 429, 503, ...errors])) },
    },
  } as const;
}

