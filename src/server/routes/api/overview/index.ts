import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../../../app/create-app.js';
import type { RunRecord, RunStatus } from '../../../../store/records.js';
import { forCaller } from '../../../plugins/app/auth.js';
import { ref } from '../../../schemas/components.js';
import { momentParameter, utcIso } from '../../../schemas/queries.js';
import { apiRoute } from '../../../schemas/responses.js';

export interface OverviewRoutesOptions {
  app: App;
}

/** A run due this long ago that no process has taken is not merely in the queue: it needs a look. */
const OVERDUE_AFTER_MS = 60_000;
/** Runs counted for the table by flow and status; a busier day says it was cut. */
const MAX_COUNTED = 10_000;
const LISTED = 50;
const DAY_MS = 24 * 60 * 60 * 1000;
const UPCOMING_DAYS = 7;

type AttentionReason = 'failed' | 'overdue' | 'stuck';

/** Why a run that fell due long ago is still not done: a parked run past its deadline, or one no process is executing. */
function dueReason(run: RunRecord): AttentionReason {
  return run.status === 'waiting' ? 'overdue' : 'stuck';
}

/** What needs a look now, on one page: composed from the same store queries the listings use. */
export const overviewRoutes: FastifyPluginAsync<OverviewRoutesOptions> = async (fastify, { app }) => {
  fastify.get<{ Querystring: { since?: string } }>(
    '/overview',
    apiRoute('read', {
      tags: ['runs'],
      summary: 'What needs a look',
      description: `Runs created since \`since\` (default: the last 24 h) by flow and status; runs that need attention — the ${LISTED} newest failed ones, and those due more than ${OVERDUE_AFTER_MS / 1000} s ago that no process took (waiting past their deadline: \`overdue\`; queued or running with a lapsed lease: \`stuck\`); schedules firing in the next ${UPCOMING_DAYS} days; webhook deliveries refused in the last 24 h, with the reason.`,
      querystring: { type: 'object', additionalProperties: false, properties: { since: momentParameter('Count runs created at or after this moment, e.g. the viewer’s midnight') } },
      response: {
        200: {
          type: 'object',
          required: ['since', 'runs', 'runsTruncated', 'attention', 'upcomingSchedules', 'refusedDeliveries'],
          properties: {
            since: { type: 'string', format: 'date-time' },
            runs: {
              type: 'array',
              description: 'Runs created since `since`, by flow and status.',
              items: { type: 'object', required: ['flowId', 'status', 'count'], properties: { flowId: { type: 'string' }, status: { type: 'string' }, count: { type: 'integer' } } },
            },
            runsTruncated: { type: 'boolean', description: `More than ${MAX_COUNTED} runs were created since then; only the newest are counted.` },
            attention: {
              type: 'array',
              items: { type: 'object', required: ['reason', 'run'], properties: { reason: { enum: ['failed', 'overdue', 'stuck'] }, run: ref('Run') } },
            },
            upcomingSchedules: { type: 'array', items: ref('Schedule') },
            refusedDeliveries: { type: 'array', items: ref('Delivery') },
          },
        },
      },
    }),
    async (request) => {
      const now = app.clock.now().getTime();
      const since = request.query.since !== undefined ? utcIso(request.query.since, 'since') : new Date(now - DAY_MS).toISOString();
      const [created, failed, due, upcomingSchedules, refusedDeliveries] = await Promise.all([
        app.store.listRuns({ createdFrom: since, limit: MAX_COUNTED + 1 }),
        app.store.listRuns({ status: ['failed'], limit: LISTED }),
        app.store.dueRuns(new Date(now - OVERDUE_AFTER_MS).toISOString(), LISTED),
        app.store.listSchedules({ status: ['pending'], fireBefore: new Date(now + UPCOMING_DAYS * DAY_MS).toISOString(), limit: LISTED }),
        app.store.listDeliveries({ outcome: ['refused'], receivedFrom: new Date(now - DAY_MS).toISOString(), limit: LISTED }),
      ]);
      const counts = new Map<string, { flowId: string; status: RunStatus; count: number }>();
      for (const run of created.slice(0, MAX_COUNTED)) {
        const key = `${run.flowId}\u0000${run.status}`;
        const entry = counts.get(key) ?? { flowId: run.flowId, status: run.status, count: 0 };
        entry.count++;
        counts.set(key, entry);
      }
      const dueRuns = (await Promise.all(due.map((d) => app.store.getRun(d.id)))).filter((run): run is RunRecord => run !== undefined);
      const attention = [...failed.map((run) => ({ reason: 'failed' as AttentionReason, run })), ...dueRuns.map((run) => ({ reason: dueReason(run), run }))];
      return forCaller(request, {
        since,
        runs: [...counts.values()].sort((a, b) => a.flowId.localeCompare(b.flowId) || a.status.localeCompare(b.status)),
        runsTruncated: created.length > MAX_COUNTED,
        attention,
        upcomingSchedules,
        refusedDeliveries,
      });
    },
  );
};
