import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../app/create-app.js';
import { resolveConnection } from '../../connector-kit/connection.js';
import type { ResolvedConnection } from '../../connector-kit/connector.js';
import { StaffwireError } from '../../errors/index.js';
import {
  acceptedAnswerSchema,
  answerError,
  answerStoreTrouble,
  errorAnswerSchema,
  refusalStatus,
  WebhookRejectedError,
} from './delivery-answers.js';

/**
 * `POST /webhooks/:connection`: the connection's connector verifies the raw bytes, a handshake
 * is answered, and an event is persisted (de-duplicated by the vendor's event id) before the 200
 * — dispatch to flows and listeners happens after the answer, from the outbox. Every delivery is
 * recorded, refused ones with their reason.
 */
export const webhookRoute: FastifyPluginAsync<{ app: App }> = async (server, { app }) => {
  const resolved = new Map<string, ResolvedConnection>();
  const dedupeMs = app.config.webhooks.dedupeWindowMs;

  server.post<{ Params: { connection: string }; Body: Buffer }>(
    '/webhooks/:connection',
    {
      schema: {
        tags: ['webhooks'],
        summary: "Receive a vendor's webhook delivery",
        params: { type: 'object', required: ['connection'], properties: { connection: { type: 'string' } } },
        response: { 200: { anyOf: [acceptedAnswerSchema, { type: 'object', additionalProperties: true }] }, '4xx': errorAnswerSchema, '5xx': errorAnswerSchema },
      },
    },
    async (request, reply) => {
      const source = request.params.connection;
      const receivedAt = app.clock.now();
      const refuse = async (status: number, code: string, message: string) => {
        await app.store.recordDelivery({ source, receivedAt: receivedAt.toISOString(), outcome: 'refused', reason: { code, message } });
        return answerError(reply, status, code, message);
      };
      try {
        const config = app.config.connections[source];
        if (!config) return await refuse(404, 'webhook.unknown_connection', `no connection "${source}" is configured`);
        const verifier = app.connectors.webhookFor(config.connector);
        if (!verifier) return await refuse(404, 'webhook.unsupported', `connector ${config.connector} of connection "${source}" receives no webhooks`);
        let connection = resolved.get(source);
        if (!connection) resolved.set(source, (connection = resolveConnection(source, config)));
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        let result;
        try {
          result = verifier.verify({ headers: request.headers, rawBody: body }, connection, receivedAt);
        } catch (err) {
          if (err instanceof WebhookRejectedError) return await refuse(refusalStatus(err), err.code, err.message);
          // A setting the verifier needs is missing (an unset secret): the vendor retries once it is fixed.
          if (err instanceof StaffwireError) return await refuse(500, 'webhook.misconfigured', err.message);
          throw err;
        }
        if (result.kind === 'challenge') {
          await app.store.recordDelivery({ source, receivedAt: receivedAt.toISOString(), outcome: 'challenge' });
          return reply.code(200).send(result.body);
        }
        const { event } = result;
        const delivery = await app.store.recordDelivery({
          source,
          receivedAt: receivedAt.toISOString(),
          outcome: 'accepted',
          event: { id: event.id, type: event.type, occurredAt: event.occurredAt, ...(event.tenant ? { tenant: event.tenant } : {}), payload: event.payload },
          dedupeUntil: new Date(receivedAt.getTime() + dedupeMs).toISOString(),
          triggers: app.dispatcher.hasTriggersFor(source, event.type),
        });
        if (delivery.outcome === 'accepted') setImmediate(() => void app.dispatcher.poke());
        return reply.code(200).send({ ok: true, outcome: delivery.outcome, delivery: delivery.id });
      } catch (err) {
        if (answerStoreTrouble(reply, err)) return reply;
        throw err;
      }
    },
  );
};
