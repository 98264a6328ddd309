import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../app/create-app.js';
import { StoreUnavailableError } from '../../errors/index.js';
import { ApiError } from '../api-error.js';
import { errorResponses } from '../schemas/responses.js';

export interface HealthRoutesOptions {
  app: App;
}

/** Where readiness writes its probe: a key of its own, so the check touches nothing else. */
const PROBE = { namespace: 'server', key: 'readyz' } as const;

/**
 * `/healthz`: the process is up and answering. `/readyz`: it can do its work, which needs a
 * store that takes a write and reads it back and, in queue mode, a Redis that answers; 503
 * naming the problem otherwise (and while the server stops). Neither needs a token, so probes and load balancers can ask.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (fastify, { app }) => {
  const startedAt = Date.now();
  fastify.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        description: 'The process is up. No token needed.',
        response: { 200: { type: 'object', required: ['status', 'uptimeSeconds'], properties: { status: { const: 'ok' }, uptimeSeconds: { type: 'integer' } } } },
      },
    },
    async () => ({ status: 'ok' as const, uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000) }),
  );

  fastify.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness',
        description: 'The store takes a write and reads it back; in queue mode, Redis answers too. No token needed.',
        response: {
          200: {
            type: 'object',
            required: ['status', 'checks'],
            properties: { status: { const: 'ready' }, checks: { type: 'object', properties: { store: { type: 'string' }, redis: { type: 'string' } } } },
          },
          ...errorResponses(503),
        },
      },
    },
    async () => {
      const probe = { at: app.clock.now().toISOString(), by: app.engine.owner };
      try {
        await app.store.setState(PROBE.namespace, PROBE.key, probe);
        const read = (await app.store.getState(PROBE.namespace, PROBE.key)) as typeof probe | undefined;
        if (read?.at !== probe.at || read.by !== probe.by) {
          throw new ApiError(503, 'store.inconsistent', 'the store did not read back what was just written to it', {});
        }
      } catch (err) {
        if (err instanceof ApiError) throw err;
        if (err instanceof StoreUnavailableError) {
          throw new ApiError(503, err.code, `not ready: ${err.message}`, { check: 'store', problem: err.code }, { 'retry-after': '5' });
        }
        throw new ApiError(503, 'store.unavailable', `not ready: the store cannot be used (${(err as Error).message})`, { check: 'store' }, { 'retry-after': '5' });
      }
      if (!app.queue) return { status: 'ready' as const, checks: { store: 'writable' } };
      try {
        await app.queue.ping();
      } catch (err) {
        // Webhooks are still taken (the store is the truth), but nothing reaches the workers until Redis is back.
        throw new ApiError(503, 'queue.unavailable', `not ready: Redis does not answer (${(err as Error).message}); runs are kept in the store and enqueued once it is back`, { check: 'redis' }, { 'retry-after': '5' });
      }
      return { status: 'ready' as const, checks: { store: 'writable', redis: 'answering' } };
    },
  );
};
