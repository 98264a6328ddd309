import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../../../app/create-app.js';
import type { DeliveryOutcome, DeliveryQuery } from '../../../../store/records.js';
import { conflict, notFound } from '../../../api-error.js';
import { decodeCursor, encodeCursor, pageOf } from '../../../cursor.js';
import { actorOf, forCaller } from '../../../plugins/app/auth.js';
import { pageOf as pageSchema, ref } from '../../../schemas/components.js';
import { cursorParameter, limitParameter, listOf, listParameter, momentParameter, utcIso } from '../../../schemas/queries.js';
import { apiRoute } from '../../../schemas/responses.js';

export interface DeliveryRoutesOptions {
  app: App;
}

interface DeliveryListQuery {
  source?: string;
  outcome?: string;
  since?: string;
  cursor?: string;
  limit: number;
}

const tags = ['deliveries'];
const OUTCOMES = ['accepted', 'duplicate', 'refused', 'challenge'] as const;
const deliveryIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;

/** Webhook deliveries as the intake recorded them, whatever became of them. */
export const deliveryRoutes: FastifyPluginAsync<DeliveryRoutesOptions> = async (fastify, { app }) => {
  fastify.get<{ Querystring: DeliveryListQuery }>(
    '/deliveries',
    apiRoute('read', {
      tags,
      summary: 'List webhook deliveries',
      description: 'Newest first, with their outcome (accepted, duplicate, refused with the reason, challenge) and what dispatching them started or woke.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          source: { type: 'string', description: 'Only deliveries for this connection, or `hook:<flow id>`.' },
          outcome: listParameter(OUTCOMES, 'Only deliveries with these outcomes'),
          since: momentParameter('Only deliveries received at or after this moment'),
          cursor: cursorParameter,
          limit: limitParameter,
        },
      },
      response: { 200: pageSchema(ref('Delivery')) },
    }),
    async (request) => {
      const q = request.query;
      const query: DeliveryQuery = {
        ...(q.source !== undefined ? { source: q.source } : {}),
        ...(q.outcome !== undefined ? { outcome: listOf<DeliveryOutcome>(q.outcome) } : {}),
        ...(q.since !== undefined ? { receivedFrom: utcIso(q.since, 'since') } : {}),
        ...(q.cursor !== undefined ? { before: decodeCursor('deliveries', q.cursor, { before: 'number' }).before } : {}),
      };
      const page = await pageOf(
        q.limit,
        (limit) => app.store.listDeliveries({ ...query, limit }),
        (last) => encodeCursor('deliveries', { before: last.id }),
      );
      return forCaller(request, page);
    },
  );

  fastify.get<{ Params: { id: number } }>(
    '/deliveries/:id',
    apiRoute(
      'read',
      {
        tags,
        summary: 'Get a webhook delivery',
        params: deliveryIdParams,
        response: { 200: ref('Delivery') },
      },
      [404],
    ),
    async (request) => forCaller(request, await deliveryOf(request.params.id)),
  );

  fastify.post<{ Params: { id: number } }>(
    '/deliveries/:id/replay',
    apiRoute(
      'administer',
      {
        tags,
        summary: 'Replay a webhook delivery',
        description:
          "Dispatches an accepted delivery's stored event again, to the flows as they are now: a flow added since, or whose trigger condition holds now, starts its run. A run the event already started is not started twice (its id derives from the event, the flow and the trigger), so a replay is safe to repeat. What it did is added to the delivery's `dispatch`.",
        params: deliveryIdParams,
        response: { 200: ref('Delivery') },
      },
      [404, 409],
    ),
    async (request) => {
      const delivery = await deliveryOf(request.params.id);
      if (delivery.outcome !== 'accepted' || !delivery.event) {
        throw conflict('delivery.not_replayable', `delivery ${delivery.id} was ${delivery.outcome}: only an accepted delivery holds an event to dispatch again`, { deliveryId: delivery.id, outcome: delivery.outcome });
      }
      const results = await app.dispatcher.dispatch(delivery);
      await app.store.markDispatched(delivery.id, app.clock.now().toISOString(), results);
      void app.runtime.poll();
      request.log.info({ deliveryId: delivery.id, by: actorOf(request), started: results.filter((r) => 'started' in r && r.started).length }, 'delivery replayed');
      return forCaller(request, await deliveryOf(delivery.id));
    },
  );

  async function deliveryOf(id: number) {
    const delivery = await app.store.getDelivery(id);
    if (!delivery) throw notFound('delivery.not_found', `no delivery with id ${id}`, { deliveryId: id });
    return delivery;
  }
};
