import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../app/create-app.js';
import { FlowChecks } from './flow-checks.js';
import { intakeRoutes } from './intake/index.js';
import type { StepDurations } from './metrics/step-durations.js';
import errorAnswers from './plugins/app/errors.js';
import { apiRoutes } from './routes/api/index.js';
import { CONSOLE_DIR, consoleRoutes } from './routes/console.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { COMPONENT_SCHEMAS } from './schemas/components.js';

export interface StaffwireServerOptions {
  app: App;
  /** Fed by the app's onCheckpoint, for step durations in /metrics. */
  stepDurations?: StepDurations;
  /** The clock of rate limits on failed authentication; default Date.now. */
  now?: () => number;
  /** Where connection secrets are read and reported from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The built console served at `/`; default dist/console of the package. */
  consoleDir?: string;
}

/**
 * The Content-Security-Policy of every answer (the Swagger UI at /docs sends its own, with the
 * hashes of its inline code). Scripts come only from this origin, none is inline and none is
 * evaluated: the start form checks input against the flow's schema (read at run time) with an
 * interpreting validator, not ajv's compiled functions (console/src/forms/json-schema-validator.ts).
 * One allowance is unavoidable for the console's libraries:
 * - style-src 'unsafe-inline': Mantine writes its CSS variables into a <style> element at run time
 *   and sets style props as style attributes, which no nonce or hash can cover.
 * No upgrade-insecure-requests: TLS is the reverse proxy's job, and the directive would break a
 * plain-http serve on a workstation.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

const API_DESCRIPTION = `Durable HR integration flows: start and watch runs, see what is scheduled and which webhooks came in.

Every /api/v1 request carries \`Authorization: Bearer <token>\`, or the session cookie the console gets from \`POST /api/v1/session\` (then POST, PUT, PATCH and DELETE also carry its \`x-csrf-token\` header). Tokens are configured in \`server.tokens\` (\`staffwire tokens create --name NAME --role ROLE\` makes one) with a role: **viewer** reads, with personal data in run inputs, outputs, steps, journals, schedules and events masked; **operator** also starts, retries and cancels runs and cancels and moves schedules; **admin** may do everything, connection checks included.

Errors are \`{ code, message, details }\`: 400 malformed, 401 no or unknown token, 403 role may not, 404 not found, 409 wrong state, 422 invalid input, 429 too many requests or failed authentications (see Retry-After), 503 store unavailable.`;

/**
 * The Staffwire HTTP server as a fastify plugin: external plugins first (helmet, OpenAPI and its
 * UI), then the app's own (error answers, shared schemas), then the routes: webhook intake and
 * hooks (signed by their senders, outside the token check), health, metrics and the REST API.
 * `server.ts` wraps it with listening, timeouts and shutdown.
 */
export const staffwireServer: FastifyPluginAsync<StaffwireServerOptions> = async (fastify, options) => {
  const { app } = options;

  await fastify.register(helmet, { global: true, contentSecurityPolicy: CONTENT_SECURITY_POLICY });
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Staffwire API', version: '1', description: API_DESCRIPTION },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from server.tokens.' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'staffwire_session', description: 'A console session from POST /api/v1/session; POST, PUT, PATCH and DELETE also need its x-csrf-token header.' },
        },
      },
      tags: [
        { name: 'session', description: 'Signing in to the console with a token, and out' },
        { name: 'flows', description: 'The flows in the flow folders' },
        { name: 'runs', description: 'Runs: start, list, inspect, retry, cancel' },
        { name: 'schedules', description: 'One-off future runs by business key' },
        { name: 'deliveries', description: 'Webhook deliveries and their outcome' },
        { name: 'connections', description: 'Configured connections and their checks' },
        { name: 'health', description: 'Liveness, readiness, metrics' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await fastify.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await fastify.register(errorAnswers);
  for (const schema of COMPONENT_SCHEMAS) fastify.addSchema(schema);
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await fastify.register(intakeRoutes, { app });
  await fastify.register(healthRoutes, { app });
  await fastify.register(metricsRoutes, { app, ...(options.stepDurations ? { stepDurations: options.stepDurations } : {}) });
  fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger());
  await fastify.register(apiRoutes, {
    prefix: '/api/v1',
    app,
    flows: new FlowChecks(app),
    ...(options.now ? { now: options.now } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  await fastify.register(consoleRoutes, { dir: options.consoleDir ?? CONSOLE_DIR });
};
