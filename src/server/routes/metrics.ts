import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../app/create-app.js';
import { ApiError } from '../api-error.js';
import { ServerMetrics } from '../metrics/server-metrics.js';
import type { StepDurations } from '../metrics/step-durations.js';
import { apiErrorOf } from '../plugins/app/errors.js';
import { errorResponses } from '../schemas/responses.js';

export interface MetricsRoutesOptions {
  app: App;
  stepDurations?: StepDurations;
}

/**
 * `/metrics` in Prometheus's text format, without a token: it holds counts by flow id, source
 * and status, never run data, and a scraper should not need a role that may change things.
 * Keep the port off the public network (or behind the proxy's own auth) if flow ids are secret.
 */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (fastify, { app, stepDurations }) => {
  const metrics = new ServerMetrics(app, stepDurations ? { stepDurations } : {});
  fastify.addHook('onReady', async () => {
    try {
      await metrics.start();
    } catch (err) {
      app.log.warn({ err: (err as Error).message }, 'metrics: could not read where webhook deliveries stand; counting starts at the first scrape');
    }
  });
  fastify.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics',
        description:
          'Runs by flow and status, webhook deliveries by source and outcome (since this server started), pending schedules, waiting runs, the age of the oldest due but unpicked wake-up, step durations by action, and process metrics. No token needed.',
        produces: ['text/plain'],
        response: { 200: { type: 'string', description: 'Prometheus text exposition format 0.0.4.' }, ...errorResponses(503) },
      },
    },
    async (_request, reply) => {
      let text: string;
      try {
        text = await metrics.metrics();
      } catch (err) {
        const error = apiErrorOf(err);
        throw error.statusCode >= 500 ? new ApiError(503, error.code === 'internal' ? 'store.unavailable' : error.code, `metrics cannot be read: ${(err as Error).message}`, {}, { 'retry-after': '5' }) : error;
      }
      return reply.type(metrics.contentType).send(text);
    },
  );
};
