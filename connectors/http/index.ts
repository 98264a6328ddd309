import type { ActionContext, ConnectionCheckResult } from '../../src/connector-kit/connector.js';
import { defineConnector } from '../../src/connector-kit/define-connector.js';
import { HttpClient } from '../../src/connector-kit/http-client.js';
import manifest from './manifest.json' with { type: 'json' };

interface RequestInput {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean>;
  body?: unknown;
  timeoutMs?: number;
}

interface HttpSettings {
  baseUrl?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  idempotencyHeader?: string;
  auth?: { type: 'bearer'; token: string } | { type: 'basic'; username: string; password: string } | { type: 'header'; name: string; value: string };
}

/**
 * One client per connection as configured (one for calls without a connection), kept in the
 * connection's resources so got's options are built once, not per call.
 *
 * No inline retries here, whatever `context.inlineAttempts` allows: a request to an arbitrary
 * API is sent once per step attempt, and the step's retry policy decides about another.
 */
function clientFor(context: ActionContext): HttpClient {
  const connection = context.connection;
  return context.resources.get('http:client', () => {
    if (!connection) return new HttpClient();
    const settings = connection.settings as HttpSettings;
    return new HttpClient({
      ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
      headers: { ...settings.headers, ...authHeaders(settings.auth) },
    });
  });
}

function authHeaders(auth: HttpSettings['auth']): Record<string, string> {
  if (!auth) return {};
  switch (auth.type) {
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
    case 'header':
      return { [auth.name.toLowerCase()]: auth.value };
  }
}

async function request(input: RequestInput, context: ActionContext) {
  const method = input.method ?? 'GET';
  const settings = (context.connection?.settings ?? {}) as HttpSettings;
  const headers: Record<string, string> = { ...input.headers };
  if (method !== 'GET' && method !== 'HEAD') {
    headers[(settings.idempotencyHeader ?? 'Idempotency-Key').toLowerCase()] = context.idempotencyKey;
  }
  return clientFor(context).send({
    method,
    url: input.url,
    headers,
    ...(input.query ? { query: input.query } : {}),
    ...(input.body !== undefined ? { json: input.body } : {}),
    ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}),
    signal: context.signal,
  });
}

/**
 * Whether the connection's baseUrl answers, with the connection's headers and credentials: any
 * answer below 500 but 401 and 403 is a reachable service (a base path often has no page of its
 * own); 401 and 403 say the credentials were refused.
 */
async function check(context: ActionContext): Promise<ConnectionCheckResult> {
  const baseUrl = (context.connection?.settings as HttpSettings | undefined)?.baseUrl;
  if (!baseUrl) return { ok: true, detail: 'no baseUrl: each request names its own URL, so there is nothing to reach' };
  const response = await clientFor(context).exchange({ method: 'GET', url: '', signal: context.signal });
  const answered = `GET ${baseUrl} answered HTTP ${response.status}`;
  if (response.status === 401 || response.status === 403) return { ok: false, detail: `${answered}: the credentials were refused` };
  if (response.status >= 500) return { ok: false, detail: `${answered}: the service is failing` };
  return { ok: true, detail: answered };
}

export default defineConnector({ manifest, actions: { request }, check });
