import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../app/create-app.js';
import { hookRoute } from './hook-route.js';
import { webhookRoute } from './webhook-route.js';

export interface IntakeOptions {
  app: App;
}

/**
 * Webhook intake: `POST /webhooks/:connection` (a vendor's deliveries, verified by its
 * connector) and `POST /hooks/:flowId` (Standard Webhooks into one flow). Signatures are over the
 * bytes as received, so bodies stay raw here, and only here.
 */
export const intakeRoutes: FastifyPluginAsync<IntakeOptions> = async (server, { app }) => {
  server.removeAllContentTypeParsers();
  const raw = (_request: unknown, body: Buffer | string, done: (err: null, body: Buffer | string) => void) => done(null, body);
  // Named as well as caught by '*': fastify remembers the parser of a named type by the header as sent, not parsing it again per request.
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, raw);
  server.addContentTypeParser('*', { parseAs: 'buffer' }, raw);
  await server.register(webhookRoute, { app });
  await server.register(hookRoute, { app });
};
