import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../app/create-app.js';
import { standardWebhookVerifier } from '../../connector-kit/webhooks/standard-webhooks.js';
import type { CompiledFlow } from '../../engine/compiled-flow.js';
import { FlowInvalidError } from '../../engine/flow-invalid-error.js';
import type { FlowDefinition } from '../../engine/flow-types.js';
import { StaffwireError, StoreUnavailableError } from '../../errors/index.js';
import { eventRunId, HOOK_PREFIX } from '../../events/event-dispatcher.js';
import { TERMINAL_STATUSES, type RunRecord } from '../../store/records.js';
import { answerError, answerStoreTrouble, errorAnswerSchema, refusalStatus, WebhookRejectedError } from './delivery-answers.js';
import { oncePerTurn } from './once-per-turn.js';

/**
 * `POST /hooks/:flowId`: a Standard Webhooks delivery (signed with the flow's secret) into one
 * flow, its body the run's input. The delivery and the run it starts are written together; a flow
 * whose hook `respond`s answers with the run's output when the run ends in time, else 202 with
 * the run's id and a Location — so a flow can serve as an API endpoint.
 */
export const hookRoute: FastifyPluginAsync<{ app: App }> = async (server, { app }) => {
  const dedupeMs = app.config.webhooks.dedupeWindowMs;
  // The flow files hand out the same definition object until its file changes: compiled once per version, invalid ones too.
  const compiled = new WeakMap<FlowDefinition, CompiledFlow | FlowInvalidError>();
  const compile = (definition: FlowDefinition): CompiledFlow | FlowInvalidError => {
    let flow = compiled.get(definition);
    if (!flow) {
      try {
        flow = app.engine.compile(definition);
      } catch (err) {
        if (!(err instanceof FlowInvalidError)) throw err;
        flow = err;
      }
      compiled.set(definition, flow);
    }
    return flow;
  };
  const pokeRuntime = oncePerTurn(() => void app.runtime.poll());

  server.post<{ Params: { flowId: string }; Body: Buffer }>(
    '/hooks/:flowId',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Start a flow from a signed hook (Standard Webhooks)',
        params: { type: 'object', required: ['flowId'], properties: { flowId: { type: 'string' } } },
        response: {
          200: { description: "The run's output (a hook that responds), or the duplicate's outcome" },
          202: { type: 'object', required: ['runId'], properties: { runId: { type: 'string' }, status: { type: 'string' } } },
          '4xx': errorAnswerSchema,
          '5xx': errorAnswerSchema,
        },
      },
    },
    async (request, reply) => {
      const flowId = request.params.flowId;
      const source = `${HOOK_PREFIX}${flowId}`;
      const receivedAt = app.clock.now();
      const refuse = async (status: number, code: string, message: string) => {
        await app.store.recordDelivery({ source, receivedAt: receivedAt.toISOString(), outcome: 'refused', reason: { code, message } });
        return answerError(reply, status, code, message);
      };
      try {
        const definition = await app.flows.get(flowId);
        if (!definition) return await refuse(404, 'hook.unknown_flow', `no flow "${flowId}" in the flow folders`);
        const flow = compile(definition);
        if (flow instanceof FlowInvalidError) return await refuse(500, 'hook.invalid_flow', `flow "${flowId}" is invalid: run \`staffwire validate\` on it`);
        const triggerIndex = flow.triggers.findIndex((t) => t.kind === 'hook');
        const trigger = flow.triggers[triggerIndex];
        if (!trigger || trigger.kind !== 'hook') return await refuse(404, 'hook.not_enabled', `flow "${flowId}" has no hook trigger`);
        const secret = process.env[trigger.secretEnv];
        if (!secret) return await refuse(500, 'hook.misconfigured', `the hook of flow "${flowId}" needs environment variable ${trigger.secretEnv}, which is not set`);

        let event;
        try {
          const result = standardWebhookVerifier.verify({ headers: request.headers, rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) }, secret, receivedAt);
          if (result.kind !== 'event') return await refuse(400, 'webhook.malformed', 'a hook delivery must be an event');
          event = result.event;
        } catch (err) {
          if (err instanceof WebhookRejectedError) return await refuse(refusalStatus(err), err.code, err.message);
          throw err;
        }
        const runId = eventRunId(source, event.id, flowId, triggerIndex);
        let prepared: RunRecord | Error;
        try {
          prepared = await app.engine.prepareRun(flow, event.payload, { runId, actor: `event:${event.id}` });
        } catch (err) {
          // A store that cannot be used records nothing: the sender is told to try again (503).
          if (err instanceof StoreUnavailableError || !(err instanceof Error)) throw err;
          // Anything else that stops the run (refused input, an invalid sub-flow) is recorded as the reason.
          prepared = err;
        }
        // The delivery and its run are one write: no crash can leave one without the other, and
        // the delivery never waits in the outbox.
        const delivery = await app.store.recordDelivery({
          source,
          receivedAt: receivedAt.toISOString(),
          outcome: 'accepted',
          event: { id: event.id, type: event.type, occurredAt: event.occurredAt, payload: event.payload },
          dedupeUntil: new Date(receivedAt.getTime() + dedupeMs).toISOString(),
          // No listen names a hook as its connection: nothing would read the payload's keys.
          listenable: false,
          settle: prepared instanceof Error ? { flowId, refused: prepared instanceof StaffwireError ? `${prepared.code}: ${prepared.message}` : prepared.message } : { run: prepared },
        });
        if (delivery.outcome === 'duplicate') return reply.code(200).send({ ok: true, outcome: 'duplicate', delivery: delivery.id, runId });
        if (prepared instanceof Error) {
          if (prepared instanceof StaffwireError && prepared.category === 'validation') return answerError(reply, 422, prepared.code, prepared.message);
          throw prepared;
        }
        const started = delivery.dispatch?.[0];
        if (started && 'started' in started && !started.started) {
          return answerError(reply, 409, 'run.duplicate_business_key', `${started.reason}: run ${started.runId} holds the key until it finishes (the flow has onDuplicate: skip)`, {
            runId: started.runId,
          });
        }

        reply.header('location', `/api/v1/runs/${runId}`);
        if (trigger.respondWithinMs === undefined) {
          pokeRuntime();
          // A run that existed under this id already (the event came again after its dedupe window) is as it is now.
          return reply.code(202).send({ runId, status: (await app.store.getRun(runId))?.status ?? prepared.status });
        }
        const ended = await withinMs(app, app.runtime.submit(runId), trigger.respondWithinMs);
        if (!ended || !TERMINAL_STATUSES.includes(ended.status)) return reply.code(202).send({ runId, status: ended?.status ?? 'running' });
        if (ended.status === 'succeeded') return reply.code(200).send(ended.output ?? null);
        return answerError(reply, 500, ended.error?.code ?? `run.${ended.status}`, ended.error?.message ?? `the run ${ended.status}`, { runId });
      } catch (err) {
        if (answerStoreTrouble(reply, err)) return reply;
        throw err;
      }
    },
  );
};

/** The run as it ends, or undefined when it takes longer than `ms` on the app's clock (it keeps going). */
function withinMs(app: App, running: Promise<RunRecord>, ms: number): Promise<RunRecord | undefined> {
  return new Promise((resolve, reject) => {
    const cancel = app.clock.schedule(() => resolve(undefined), ms);
    running.then(
      (run) => (cancel(), resolve(run)),
      (err: unknown) => (cancel(), reject(err)),
    );
  });
}
