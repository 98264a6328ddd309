import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../../../app/create-app.js';
import { schemaDiagnostics } from '../../../../engine/validate/schema-errors.js';
import { formatProblem } from '../../../../engine/validate/validate-flow.js';
import { compileSchema } from '../../../../schemas.js';
import { RUN_STATUSES, type RunQuery, type RunStatus, type StepRecord } from '../../../../store/records.js';
import { notFound, unprocessable } from '../../../api-error.js';
import { syncNamespaces, type SyncFailure } from '../../../../engine/steps/sync/sync-execution.js';
import { failuresCsv } from '../../../../engine/steps/sync/failures-csv.js';
import { decodeCursor, encodeCursor, pageOf } from '../../../cursor.js';
import type { FlowChecks } from '../../../flow-checks.js';
import { maskListenKeys } from '../../../personal-data.js';
import { actorOf, callerSeesPersonalData, forCaller } from '../../../plugins/app/auth.js';
import { pageOf as pageSchema, ref } from '../../../schemas/components.js';
import { cursorParameter, limitParameter, listOf, listParameter, momentParameter, utcIso } from '../../../schemas/queries.js';
import { apiRoute } from '../../../schemas/responses.js';

export interface RunRoutesOptions {
  app: App;
  flows: FlowChecks;
}

interface RunListQuery {
  flow?: string;
  status?: string;
  from?: string;
  to?: string;
  businessKey?: string;
  cursor?: string;
  limit: number;
}

const tags = ['runs'];
const runIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

/** Steps in the order they started, which is the order they ran. */
function inOrder(steps: StepRecord[]): StepRecord[] {
  return [...steps].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.path.localeCompare(b.path));
}

/** Starting, listing, reading, retrying and cancelling runs. */
export const runRoutes: FastifyPluginAsync<RunRoutesOptions> = async (fastify, { app, flows }) => {
  fastify.post<{ Params: { id: string }; Body: { input?: unknown } | undefined }>(
    '/flows/:id/runs',
    {
      // No body at all is a run without input, as `staffwire run` without --input.
      preValidation: async (request) => {
        request.body ??= {};
      },
      ...apiRoute(
      'operate',
      {
        tags,
        summary: 'Start a run',
        description:
          "Queues a run of the flow as its file is now, pinned to that version; the server's runtime starts executing it within a second. The input is checked against the flow's input schema first: a run is created only for valid input. A flow with a businessKey and onDuplicate: skip refuses a second run while one with the same key is under way (409, naming it).",
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { input: { description: "The run's input; {} when absent." } },
        },
        response: {
          202: {
            type: 'object',
            description: 'Queued. Location names the run.',
            required: ['id', 'status', 'flowId', 'flowVersion'],
            properties: {
              id: { type: 'string' },
              status: { type: 'string' },
              flowId: { type: 'string' },
              flowVersion: { type: 'string' },
              businessKey: { type: 'string' },
            },
          },
        },
      },
      [404, 409, 413, 415, 422],
      ),
    },
    async (request, reply) => {
      const found = flows.get(request.params.id);
      if (!found) throw notFound('flow.not_found', `no flow with id "${request.params.id}" in the flow folders`, { flowId: request.params.id });
      if (!found.check.flow) {
        throw unprocessable('flow.invalid', `flow ${found.id} cannot be started: its file has problems (\`staffwire validate ${found.file}\`)`, {
          problems: found.check.problems.map((p) => ({ ...p, text: formatProblem(p) })),
        });
      }
      const flow = found.check.flow;
      const input = request.body?.input ?? {};
      // Field by field, before the engine's own check (which creates nothing either way).
      if (flow.definition.input) {
        const validate = compileSchema(flow.definition.input);
        if (!validate(input)) {
          const problems = schemaDiagnostics(validate.errors ?? [], input).map((d) => ({ pointer: d.pointer || '/', message: d.message }));
          throw unprocessable('flow.invalid_input', `input of flow ${flow.definition.id} is invalid: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`, {
            problems,
          });
        }
      }
      const run = await app.engine.startRun(flow, input, { actor: actorOf(request) });
      void app.runtime.poll();
      request.log.info({ runId: run.id, flowId: run.flowId }, 'run started');
      return reply
        .code(202)
        .header('location', `/api/v1/runs/${encodeURIComponent(run.id)}`)
        .send({ id: run.id, status: run.status, flowId: run.flowId, flowVersion: run.flowVersion, ...(run.businessKey !== undefined ? { businessKey: run.businessKey } : {}) });
    },
  );

  fastify.get<{ Querystring: RunListQuery }>(
    '/runs',
    apiRoute('read', {
      tags,
      summary: 'List runs',
      description: 'Newest first. Pages follow one another without gaps or repeats while runs are created: pass `next` as `cursor`.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          flow: { type: 'string', description: 'Only runs of this flow id.' },
          status: listParameter(RUN_STATUSES, 'Only runs with these statuses'),
          from: momentParameter('Only runs created at or after this moment'),
          to: momentParameter('Only runs created before this moment'),
          businessKey: { type: 'string', description: 'Only runs with this business key.' },
          cursor: cursorParameter,
          limit: limitParameter,
        },
      },
      response: { 200: pageSchema(ref('Run')) },
    }),
    async (request) => {
      const q = request.query;
      const query: RunQuery = {
        ...(q.flow !== undefined ? { flowId: q.flow } : {}),
        ...(q.status !== undefined ? { status: listOf<RunStatus>(q.status) } : {}),
        ...(q.from !== undefined ? { createdFrom: utcIso(q.from, 'from') } : {}),
        ...(q.to !== undefined ? { createdBefore: utcIso(q.to, 'to') } : {}),
        ...(q.businessKey !== undefined ? { businessKey: q.businessKey } : {}),
        ...(q.cursor !== undefined ? { after: decodeCursor('runs', q.cursor, { createdAt: 'string', id: 'string' }) } : {}),
      };
      const page = await pageOf(
        q.limit,
        (limit) => app.store.listRuns({ ...query, limit }),
        (last) => encodeCursor('runs', { createdAt: last.createdAt, id: last.id }),
      );
      return forCaller(request, page);
    },
  );

  fastify.get<{ Params: { id: string } }>(
    '/runs/:id',
    apiRoute(
      'read',
      {
        tags,
        summary: 'Get a run',
        description:
          'The run with where each step stands (in the order they started), its journal — every step started, succeeded, failed, retried, parked, woken, cancelled, with time, attempt and actor — and the sub-flow runs it started.',
        params: runIdParams,
        response: { 200: ref('RunDetail') },
      },
      [404],
    ),
    async (request) => {
      const run = await app.store.getRun(request.params.id);
      if (!run) throw notFound('run.not_found', `no run with id ${request.params.id}`, { runId: request.params.id });
      const [steps, journal, children] = await Promise.all([app.store.listSteps(run.id), app.store.listJournal(run.id), app.store.listRuns({ parentRunId: run.id, limit: 1000 })]);
      const waits = [...(run.waitingFor ?? []), ...journal.flatMap((entry) => (Array.isArray(entry.data?.waitingFor) ? (entry.data.waitingFor as unknown[]) : []))];
      const shown = callerSeesPersonalData(request) ? inOrder(steps) : maskListenKeys(inOrder(steps), waits);
      return forCaller(request, { ...run, steps: shown, journal, subRuns: children.reverse() });
    },
  );

  fastify.get<{ Params: { id: string; path: string }; Querystring: { format: 'json' | 'csv' } }>(
    '/runs/:id/steps/:path/failures',
    apiRoute(
      'read',
      {
        tags,
        summary: "Download a sync step's failed records",
        description:
          "Every record a sync step failed (its output holds only the first 1,000): key, row and column (for a file), code and message, in the order they failed — as JSON, or as CSV with format=csv for a spreadsheet. An empty list for a step that failed none.",
        params: { type: 'object', required: ['id', 'path'], properties: { id: runIdParams.properties.id, path: { type: 'string', minLength: 1, maxLength: 1000 } } },
        querystring: { type: 'object', additionalProperties: false, properties: { format: { enum: ['json', 'csv'], default: 'json' } } },
        response: {
          200: {
            description: 'The failed records (JSON; with format=csv, text/csv with the columns key,row,column,code,message).',
            type: 'object',
            required: ['failures'],
            properties: { failures: { type: 'array', items: { type: 'object', additionalProperties: true } } },
          },
        },
      },
      [404],
    ),
    async (request, reply) => {
      const { id, path } = request.params;
      const run = await app.store.getRun(id);
      if (!run) throw notFound('run.not_found', `no run with id ${id}`, { runId: id });
      const step = (await app.store.listSteps(id)).find((s) => s.path === path);
      if (!step || step.kind !== 'sync') throw notFound('step.not_found', `run ${id} has no sync step at ${path}`, { runId: id, path });
      const entries = await app.store.listState(syncNamespaces.failures(id, path));
      const failures = forCaller(request, entries.map((entry) => entry.value as SyncFailure));
      if (request.query.format !== 'csv') return { failures };
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${id}-${path.replace(/[^A-Za-z0-9_.-]/g, '_')}-failures.csv"`)
        .send(failuresCsv(failures));
    },
  );

  fastify.post<{ Params: { id: string } }>(
    '/runs/:id/retry',
    apiRoute(
      'operate',
      {
        tags,
        summary: 'Retry a failed run',
        description: 'Queues a failed run again from its failed step: completed steps are not repeated, and calls made again carry the same idempotency keys. The runtime continues it within a second.',
        params: runIdParams,
        response: { 202: ref('Run') },
      },
      [404, 409],
    ),
    async (request, reply) => {
      const run = await app.engine.retryRun(request.params.id, { actor: actorOf(request) });
      void app.runtime.poll();
      return reply.code(202).header('location', `/api/v1/runs/${encodeURIComponent(run.id)}`).send(forCaller(request, run));
    },
  );

  fastify.post<{ Params: { id: string } }>(
    '/runs/:id/cancel',
    apiRoute(
      'operate',
      {
        tags,
        summary: 'Cancel a run',
        description: 'Cancels a queued, running or waiting run and the sub-flow runs it started; a process executing it stops before its next step.',
        params: runIdParams,
        response: { 200: ref('Run') },
      },
      [404, 409],
    ),
    async (request) => forCaller(request, await app.engine.cancelRun(request.params.id, { actor: actorOf(request) })),
  );
};
