import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../../../app/create-app.js';
import type { ScheduleQuery, ScheduleRecord } from '../../../../store/records.js';
import { cancelScheduleByHand, moveScheduleByHand, scheduled } from '../../../schedule-changes.js';
import { decodeCursor, encodeCursor, pageOf } from '../../../cursor.js';
import { forCaller } from '../../../plugins/app/auth.js';
import { pageOf as pageSchema, ref } from '../../../schemas/components.js';
import { cursorParameter, limitParameter, listOf, listParameter, momentParameter, utcIso } from '../../../schemas/queries.js';
import { apiRoute } from '../../../schemas/responses.js';

export interface ScheduleRoutesOptions {
  app: App;
}

interface ScheduleListQuery {
  status: string;
  flow?: string;
  keyPrefix?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

const tags = ['schedules'];
const STATUSES = ['pending', 'fired', 'cancelled'] as const;
const keyParams = { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1, maxLength: 500, description: 'The business key, URL-encoded.' } } } as const;

/** One-off future runs by business key: what is coming, and moving or cancelling it. */
export const scheduleRoutes: FastifyPluginAsync<ScheduleRoutesOptions> = async (fastify, { app }) => {

  fastify.get<{ Querystring: ScheduleListQuery }>(
    '/schedules',
    apiRoute('read', {
      tags,
      summary: 'List schedules',
      description: 'In fire order, earliest first; pending ones unless `status` says otherwise. Pass `next` as `cursor` for the next page.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { ...listParameter(STATUSES, 'Only schedules with these statuses'), default: 'pending' },
          flow: { type: 'string', description: 'Only schedules of this flow id.' },
          keyPrefix: { type: 'string', minLength: 1, description: 'Only keys starting with this, e.g. `deactivate:`.' },
          from: momentParameter('Only schedules firing at or after this moment'),
          to: momentParameter('Only schedules firing before this moment'),
          cursor: cursorParameter,
          limit: limitParameter,
        },
      },
      response: { 200: pageSchema(ref('Schedule')) },
    }),
    async (request) => {
      const q = request.query;
      const query: ScheduleQuery = {
        status: listOf<ScheduleRecord['status']>(q.status),
        ...(q.flow !== undefined ? { flowId: q.flow } : {}),
        ...(q.keyPrefix !== undefined ? { keyPrefix: q.keyPrefix } : {}),
        ...(q.from !== undefined ? { fireFrom: utcIso(q.from, 'from') } : {}),
        ...(q.to !== undefined ? { fireBefore: utcIso(q.to, 'to') } : {}),
        ...(q.cursor !== undefined ? { after: decodeCursor('schedules', q.cursor, { fireAt: 'string', key: 'string' }) } : {}),
      };
      const page = await pageOf(
        q.limit,
        (limit) => app.store.listSchedules({ ...query, limit }),
        (last) => encodeCursor('schedules', { fireAt: last.fireAt, key: last.key }),
      );
      return forCaller(request, page);
    },
  );

  fastify.get<{ Params: { key: string } }>(
    '/schedules/:key',
    apiRoute('read', { tags, summary: 'Get a schedule', params: keyParams, response: { 200: ref('Schedule') } }, [404]),
    async (request) => forCaller(request, await scheduled(app.store, request.params.key)),
  );

  fastify.post<{ Params: { key: string } }>(
    '/schedules/:key/cancel',
    apiRoute(
      'operate',
      { tags, summary: 'Cancel a schedule', description: 'A pending schedule is cancelled: it starts no run.', params: keyParams, response: { 200: ref('Schedule') } },
      [404, 409],
    ),
    async (request) => {
      const cancelled = await cancelScheduleByHand(app.store, request.params.key, app.clock.now());
      request.log.info({ key: cancelled.key, by: request.caller?.actor }, 'schedule cancelled');
      return forCaller(request, cancelled);
    },
  );

  fastify.post<{ Params: { key: string }; Body: { at: string } }>(
    '/schedules/:key/move',
    apiRoute(
      'operate',
      {
        tags,
        summary: 'Move a schedule',
        description: 'A pending schedule fires at another moment instead, given in ISO 8601 with its zone (`2030-03-01T18:00:00+08:00`). A moment already past is refused.',
        params: keyParams,
        body: {
          type: 'object',
          required: ['at'],
          additionalProperties: false,
          properties: { at: { type: 'string', format: 'date-time', description: 'When it fires, with its zone (Z or ±hh:mm).' } },
        },
        response: { 200: ref('Schedule') },
      },
      [404, 409, 413, 415, 422],
    ),
    async (request) => {
      const moved = await moveScheduleByHand(app.store, request.params.key, request.body.at, app.clock.now());
      request.log.info({ key: moved.key, fireAt: moved.fireAt, by: request.caller?.actor }, 'schedule moved');
      return forCaller(request, moved);
    },
  );
};
