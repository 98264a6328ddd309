import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../../../app/create-app.js';
import { checkConnection } from '../../../../connector-kit/check-connection.js';
import { resolveConnection, type ConnectionConfig } from '../../../../connector-kit/connection.js';
import { notFound, unprocessable } from '../../../api-error.js';
import { ref } from '../../../schemas/components.js';
import { apiRoute } from '../../../schemas/responses.js';

export interface ConnectionRoutesOptions {
  app: App;
  /** How long a check waits for the vendor. */
  checkTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const tags = ['connections'];

/** A setting written inline although it looks like a credential is shown hidden all the same. */
const CREDENTIAL_KEY = /secret|token|password|passwd|authorization|api[-_]?key|cookie|credential|private/i;

/**
 * A connection's settings as anyone may see them: every `{ "env": NAME }` secret as the variable
 * and whether it is set in the server's environment, never its value.
 */
export function settingsView(value: unknown, env: NodeJS.ProcessEnv, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => settingsView(item, env, key));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === 'env' && typeof entries[0]![1] === 'string') {
      const name = entries[0]![1];
      return { env: name, set: typeof env[name] === 'string' && env[name] !== '' };
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, settingsView(v, env, k)]));
  }
  if (typeof value === 'string' && CREDENTIAL_KEY.test(key)) return '[hidden]';
  return value;
}

/** The configured connections, and a check of each against its vendor. */
export const connectionRoutes: FastifyPluginAsync<ConnectionRoutesOptions> = async (fastify, { app, checkTimeoutMs = 15_000, env = process.env }) => {
  const configured = (name: string): ConnectionConfig => {
    const connection = Object.hasOwn(app.config.connections, name) ? app.config.connections[name] : undefined;
    if (!connection) {
      throw notFound('connection.not_found', `no connection "${name}" in the configuration (${Object.keys(app.config.connections).join(', ') || 'none configured'})`, { name });
    }
    return connection;
  };
  /**
   * Each limiter the connection's calls go through, with its state as this process sees it (in
   * queue mode the window every worker shares). Reading it sends nothing to the vendor; a state
   * Redis does not give leaves the limit listed with why.
   */
  const clientRateLimits = (name: string, connection: ConnectionConfig) =>
    Promise.all(
      app.connectors.clientRateLimits(resolveConnection(name, connection, env)).map(async ({ scope, key, rate }) => {
        try {
          return { scope, key, ...(await app.connectionResources.rateLimiter(rate).state(key)) };
        } catch (err) {
          // Not logged: the Redis connection logs an outage once, and the console asks every few seconds.
          return { scope, key, ...rate, stateError: (err as Error).message };
        }
      }),
    );
  const view = async (name: string, connection: ConnectionConfig) => {
    const { connector, ...settings } = connection;
    const definition = app.connectors.get(connector);
    return {
      name,
      connector,
      settings: settingsView(settings, env) as Record<string, unknown>,
      checkable: typeof definition?.check === 'function',
      rateLimits: definition?.manifest.rateLimits ?? [],
      clientRateLimits: await clientRateLimits(name, connection),
    };
  };

  fastify.get(
    '/connections',
    apiRoute('read', {
      tags,
      summary: 'List the connections',
      description:
        'Each configured connection with its non-secret settings, the rate limits its connector keeps to, and the state now of each client-side limiter its calls go through; a secret shows as `{ "env": NAME, "set": true|false }`, never its value. Reading the state sends nothing to the vendor, so the console can poll it.',
      response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Connection') } } } },
    }),
    async () => ({ items: await Promise.all(Object.entries(app.config.connections).map(([name, connection]) => view(name, connection))) }),
  );

  fastify.post<{ Params: { name: string } }>(
    '/connections/:name/check',
    apiRoute(
      'administer',
      {
        tags,
        summary: 'Check a connection',
        description:
          "Authenticates against the vendor with the connection's settings and secrets as configured now (Lark: a tenant token; DocuSign: a read of the account; http: the baseUrl answers), and says what failed. A failed check is still a 200 with `ok: false`.",
        params: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        response: {
          200: {
            type: 'object',
            required: ['name', 'connector', 'ok', 'detail', 'ms'],
            properties: {
              name: { type: 'string' },
              connector: { type: 'string' },
              ok: { type: 'boolean' },
              detail: { type: 'string' },
              code: { type: 'string', description: "The failure's code, e.g. vendor.10014 or connection.secret_missing." },
              ms: { type: 'integer' },
            },
          },
        },
      },
      [404, 422],
    ),
    async (request) => {
      const { name } = request.params;
      const config = configured(name);
      const connector = app.connectors.get(config.connector);
      if (!connector?.check) {
        throw unprocessable('connection.check_unsupported', `connector ${config.connector} cannot check its connections`, { name, connector: config.connector });
      }
      const started = performance.now();
      const log = app.log.child({ reqId: request.id, connection: name });
      const { timedOut: _timedOut, ...result } = await checkConnection(connector.check, name, config, { env, log, timeoutMs: checkTimeoutMs });
      log.info({ ok: result.ok }, 'connection checked');
      return { name, connector: config.connector, ...result, ms: Math.round(performance.now() - started) };
    },
  );
};
