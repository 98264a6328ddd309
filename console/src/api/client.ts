import createClient, { type Middleware } from 'openapi-fetch';
import { ApiFailure, ApiUnreachable } from './api-failure';
import type { paths } from './schema';

/**
 * The session's CSRF token, held in memory only: a reload asks GET /api/v1/session for it again.
 * The session itself is an HttpOnly cookie no script can read.
 */
let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

const csrfHeader: Middleware = {
  onRequest({ request }) {
    if (csrfToken !== undefined && !['GET', 'HEAD'].includes(request.method)) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
};

/** The REST API, typed from its OpenAPI document: a route or field the server lacks does not compile. */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(csrfHeader);

interface Answer<Data> {
  data?: Data;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer; an ApiFailure for an error answer; ApiUnreachable when nothing (or no Staffwire) answered. */
export async function answerOf<Data>(request: Promise<Answer<Data>>): Promise<Data> {
  let answer: Answer<Data>;
  try {
    answer = await request;
  } catch (err) {
    throw new ApiUnreachable(err);
  }
  if (answer.response.ok) return answer.data as Data;
  const body = answer.error as { code?: unknown; message?: unknown; details?: unknown } | undefined;
  if (typeof body?.code !== 'string' || typeof body.message !== 'string') throw new ApiUnreachable(new Error(`HTTP ${answer.response.status}`));
  if (answer.response.status === 503 && body.code.startsWith('store.')) throw new ApiUnreachable(new Error(body.message));
  throw new ApiFailure(answer.response.status, body.code, body.message, (body.details ?? {}) as Record<string, unknown>);
}
