import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../../app/create-app.js';
import { ApiError } from '../../api-error.js';
import { ConsoleSessions } from '../../auth/console-sessions.js';
import { FailedAuthLimiter } from '../../auth/failed-auth-limiter.js';
import type { FlowChecks } from '../../flow-checks.js';
import { registerAuth } from '../../plugins/app/auth.js';
import { connectionRoutes } from './connections/index.js';
import { deliveryRoutes } from './deliveries/index.js';
import { flowRoutes } from './flows/index.js';
import { overviewRoutes } from './overview/index.js';
import { runRoutes } from './runs/index.js';
import { scheduleRoutes } from './schedules/index.js';
import { sessionRoutes } from './session/index.js';

export interface ApiRoutesOptions {
  app: App;
  flows: FlowChecks;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
}

/**
 * The REST API, `/api/v1`: bearer tokens or console sessions and roles, a request rate limit per
 * client address, then one plugin per resource.
 */
export const apiRoutes: FastifyPluginAsync<ApiRoutesOptions> = async (fastify, { app, flows, now, env }) => {
  const server = app.config.server;
  await fastify.register(rateLimit, {
    max: server.rateLimit.max,
    timeWindow: server.rateLimit.windowMs,
    errorResponseBuilder: (_request, context) =>
      new ApiError(context.statusCode, 'request.rate_limited', `too many requests from this address: at most ${context.max} per ${server.rateLimit.windowMs / 1000} s; try again in ${context.after}`, {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });
  await fastify.register(cookie);
  const failures = new FailedAuthLimiter({ ...server.authFailures, ...(now ? { now } : {}) });
  const sessions = new ConsoleSessions(app.store, server.sessionTtlMs, now);
  registerAuth(fastify, { server, configFile: app.config.file, failures, sessions });
  // Bodies are JSON: fastify's own text/plain parser would turn a text body into a string that
  // fails the body schema with a puzzling 400, where 415 says what to send.
  fastify.removeContentTypeParser('text/plain');
  await fastify.register(sessionRoutes, { server, sessions, failures });
  await fastify.register(flowRoutes, { flows });
  await fastify.register(runRoutes, { app, flows });
  await fastify.register(overviewRoutes, { app });
  await fastify.register(scheduleRoutes, { app });
  await fastify.register(deliveryRoutes, { app });
  await fastify.register(connectionRoutes, { app, ...(env ? { env } : {}) });
};
