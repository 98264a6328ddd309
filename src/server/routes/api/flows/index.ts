import type { FastifyPluginAsync } from 'fastify';
import type { FlowDefinition } from '../../../../engine/flow-types.js';
import { notFound } from '../../../api-error.js';
import type { FlowChecks } from '../../../flow-checks.js';
import { ref } from '../../../schemas/components.js';
import { apiRoute } from '../../../schemas/responses.js';

export interface FlowRoutesOptions {
  flows: FlowChecks;
}

const tags = ['flows'];

/** What the flow list shows of a definition. */
function summaryOf(definition: FlowDefinition) {
  return {
    id: definition.id,
    version: definition.version,
    ...(definition.name !== undefined ? { name: definition.name } : {}),
    ...(definition.description !== undefined ? { description: definition.description } : {}),
    triggers: definition.triggers ?? [],
    ...(definition.input !== undefined ? { input: definition.input } : {}),
    ...(definition.businessKey !== undefined ? { businessKey: definition.businessKey } : {}),
  };
}

/** The flows in the flow folders, and the validator `staffwire validate` is. */
export const flowRoutes: FastifyPluginAsync<FlowRoutesOptions> = async (fastify, { flows }) => {
  fastify.get(
    '/flows',
    apiRoute('read', {
      tags,
      summary: 'List the flows',
      description: 'Every readable flow file in the flow folders (flowDirs), by id: what it is, what triggers it, what input it takes.',
      response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('FlowSummary') } } } },
    }),
    async () => ({ items: flows.list().map((f) => summaryOf(f.definition)) }),
  );

  fastify.get<{ Params: { id: string } }>(
    '/flows/:id',
    apiRoute(
      'read',
      {
        tags,
        summary: 'Get a flow',
        description: 'The whole definition, and the problems `staffwire validate` finds in its file (a flow with problems cannot be started).',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        response: { 200: ref('FlowDetail') },
      },
      [404],
    ),
    async (request) => {
      const flow = flows.get(request.params.id);
      if (!flow) throw notFound('flow.not_found', `no flow with id "${request.params.id}" in the flow folders`, { flowId: request.params.id });
      return { ...summaryOf(flow.definition), file: flow.file, valid: flow.check.flow !== undefined, problems: flow.check.problems, definition: flow.definition };
    },
  );

  // The validator reads the body as the bytes sent, so its problems carry the line and column
  // of what the client sent (and syntax errors are problems, not a 400), as the CLI's do.
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post<{ Body: Buffer; Querystring: { file: string } }>(
      '/flows/validate',
      apiRoute('read', {
        tags,
        summary: 'Validate a flow',
        description:
          'Every check `staffwire validate` makes (UTF-8, depth, JSON syntax, the flow schema, expressions, connectors, connections, inputs, step references), on the flow sent as the body. Problems are placed in the text sent, `file:line:col  pointer  message`; an invalid flow is still a 200.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { file: { type: 'string', minLength: 1, maxLength: 500, default: 'flow.json', description: 'The name problems are reported under.' } },
        },
        body: { type: 'object', description: 'A flow definition (schemas/flow.schema.json), as JSON text.' },
        response: {
          200: {
            type: 'object',
            required: ['valid', 'problems'],
            properties: {
              valid: { type: 'boolean' },
              id: { type: 'string' },
              version: { type: 'string' },
              problems: { type: 'array', items: ref('FlowProblem') },
            },
          },
        },
      }),
      async (request) => {
        const check = flows.checkBytes(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0), request.query.file);
        return {
          valid: check.flow !== undefined,
          ...(check.flow ? { id: check.flow.definition.id, version: check.flow.definition.version } : {}),
          problems: check.problems,
        };
      },
    );
  });
};
