import type { Connector, ActionContext, ResolvedConnection } from '../../src/connector-kit/connector.js';
import { HttpClient } from '../../src/connector-kit/http-client.js';
import type { ConnectorManifest } from '../../src/connector-kit/manifest.js';
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

/** One client per connection configuration, so sockets and got's options are reused across calls. */
const clients = new Map<string, HttpClient>();
const anonymous = new HttpClient();

function clientFor(connection: ResolvedConnection | undefined): HttpClient {
  if (!connection) return anonymous;
  const key = `${connection.name}\u0000${JSON.stringify(connection.settings)}`;
  let client = clients.get(key);
  if (!client) {
    const settings = connection.settings as HttpSettings;
    client = new HttpClient({
      ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
      headers: { ...settings.headers, ...authHeaders(settings.auth) },
    });
    clients.set(key, client);
  }
  return client;
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
  return clientFor(context.connection).send({
    method,
    url: input.url,
    headers,
    ...(input.query ? { query: input.query } : {}),
    ...(input.body !== undefined ? { json: input.body } : {}),
    ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}),
    signal: context.signal,
  });
}

const connector: Connector = {
  manifest: manifest as unknown as ConnectorManifest,
  actions: { request },
};

export default connector;
