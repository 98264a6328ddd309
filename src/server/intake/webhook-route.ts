import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../app/create-app.js';
import { resolveConnection } from '../../connector-kit/connection.js';
import type { ResolvedConnection } from '../../connector-kit/connector.js';
import type { ConnectionWebhookVerifier } from '../../connector-kit/webhooks/webhook-verifier.js';
import { StaffwireError } from '../../errors/index.js';
import {
  acceptedAnswerSchema,
  answerError,
  answerStoreTrouble,
  errorAnswerSchema,
  refusalStatus,
  WebhookRejectedError,
} from './delivery-answers.js';
import { oncePerTurn } from './once-per-turn.js';

/**
 * `POST /webhooks/:connection`: the connection's connector verifies the raw bytes, a handshake
 * is answered, and an event is persisted (de-duplicated by the vendor's event id) before the 200
 * — dispatch to flows and listeners happens after the answer, from the outbox. Every delivery is
 * recorded, refused ones with their reason.
 */
export const webhookRoute: FastifyPluginAsync<{ app: App }> = async (server, { app }) => {
  // Configuration and connectors are fixed for the process: each source's verifier and resolved connection are found once.
  const receivers = new Map<string, { verifier: ConnectionWebhookVerifier; connection: ResolvedConnection }>();
  const dedupeMs = app.config.webhooks.dedupeWindowMs;
  const pokeDispatcher = oncePerTurn(() => void app.dispatcher.poll());
  const pokeRuntime = oncePerTurn(() => void app.runtime.poll());

  server.post<{ Params: { connection: string }; Body: Buffer }>(
    '/webhooks/:connection',
    {
      schema: {
        tags: ['webhooks'],
        summary: "Receive a vendor's webhook delivery",
        params: { type: 'object', required: ['connection'], properties: { connection: { type: 'string' } } },
        // Not an anyOf: fast-json-stringify would validate every answer against each branch to pick one.
        response: {
          200: { ...acceptedAnswerSchema, required: [], additionalProperties: true, description: 'The delivery as recorded, or the answer to a handshake' },
          '4xx': errorAnswerSchema,
          '5xx': errorAnswerSchema,
        },
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
        let receiver = receivers.get(source);
        if (!receiver) {
          const config = app.config.connections[source];
          if (!config) return await refuse(404, 'webhook.unknown_connection', `no connection "${source}" is configured`);
          const verifier = app.connectors.webhookFor(config.connector);
          if (!verifier) return await refuse(404, 'webhook.unsupported', `connector ${config.connector} of connection "${source}" receives no webhooks`);
          receivers.set(source, (receiver = { verifier, connection: resolveConnection(source, config) }));
        }
        const { verifier, connection } = receiver;
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
        // Only a delivery waiting in the outbox needs the dispatcher; runs it woke need the runtime to look.
        if (delivery.outcome === 'accepted' && delivery.dispatchedAt === undefined) pokeDispatcher();
        if (delivery.dispatch?.some((result) => 'woken' in result)) pokeRuntime();
        return reply.code(200).send({ ok: true, outcome: delivery.outcome, delivery: delivery.id });
      } catch (err) {
        if (answerStoreTrouble(reply, err)) return reply;
        throw err;
      }
    },
  );
};
