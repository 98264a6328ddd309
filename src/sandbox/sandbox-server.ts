import type { ErrorObject, JSONSchemaType } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileSchema } from '../schemas.js';
import { refuseNonLoopback, sendDelivery } from './event-emission.js';
import { addFaultHook, faultsBodySchema } from './fault-injection.js';
import type { SandboxContext, SandboxCredentials, SandboxFaults, SandboxModule, VendorFaultAnswers } from './sandbox-context.js';
import { SandboxEmission } from './sandbox-emission.js';
import { companySummary, resetInPlace, stateToJson } from './sandbox-state.js';
import { parseSeedQuery, SEED_MAX_LIMIT, seedSectionPage, seedSections, seedSummary } from './seed-listing.js';
import type { SeededCompany } from './seed-company.js';

export const DEFAULT_SANDBOX_CREDENTIALS: SandboxCredentials = {
  lark: {
    appId: 'cli_sandbox0000000001',
    appSecret: 'sandbox-app-secret',
    verificationToken: 'sandbox-verification-token',
    encryptKey: 'sandbox-encrypt-key',
    tenantKey: 'sandbox-tenant',
  },
  docusign: { accountId: '00000000-0000-4000-8000-00000000d0c5', accessToken: 'sandbox-docusign-token', connectSecret: 'sandbox-connect-secret' },
};

export interface SandboxOptions {
  company: SeededCompany;
  credentials?: SandboxCredentials;
  tokenTtlSeconds?: number;
  now?: () => number;
  /** Draws for the error-rate fault (default Math.random). */
  random?: () => number;
  /** Waits out the latency fault and the fakes' own work (default a real timer); tests record or hold the wait instead. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Enforce each vendor's rate limits (default true). Benchmarks turn them off to measure
   * Staffwire rather than the vendor's quota, and say so in what they print.
   */
  rateLimits?: boolean;
}

export interface Sandbox {
  app: FastifyInstance;
  context: SandboxContext;
  modules: Map<string, SandboxModule>;
  /** The events fakes pushed on their own, and where they went. */
  emission: SandboxEmission;
  /** What `POST /_sandbox/reset` does: the seeded company back, every fake's state re-initialised, faults off. */
  reset(): void;
}

const connectorsDir = fileURLToPath(new URL('../../connectors/', import.meta.url));
const sandboxFile = import.meta.url.endsWith('.ts') ? 'sandbox.ts' : 'sandbox.js';

/**
 * Builds the sandbox app: every connector folder with a sandbox module mounts its fake and
 * creates its state, and the control API under `/_sandbox/` lists the seed, inspects state,
 * injects faults, emits webhooks and resets. Listening is the caller's: `--print-seed` never does.
 */
export async function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  const states = new Map<string, object>();
  const inits = new Map<string, () => object>();
  const windows = new Map<string, { start: number; count: number }>();
  let refusals = 0;
  const now = options.now ?? Date.now;
  const faults: SandboxFaults = { errorRate: 0, latencyMs: 0, burst429: 0 };
  const pristineCompany = options.company;
  const sleepFor = options.sleep ?? ((ms: number) => sleep(ms));
  const modules = new Map<string, SandboxModule>();
  const emission = new SandboxEmission((connector, event) => {
    const module = deliveringModule(modules, connector);
    if (!module?.delivery) throw new Error(`connector ${JSON.stringify(connector)} has no event delivery`);
    return module.delivery(context, event);
  }, now);
  const context: SandboxContext = {
    credentials: options.credentials ?? DEFAULT_SANDBOX_CREDENTIALS,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 7200,
    faults,
    // Fakes get a copy: one that edits the company (rather than its own state) can neither change
    // the caller's object, which tests share between sandboxes, nor survive a reset.
    company: structuredClone(pristineCompany),
    now,
    state<T extends object>(connectorId: string, init: () => T): T {
      let state = states.get(connectorId) as T | undefined;
      if (!state) {
        state = init();
        states.set(connectorId, state);
        inits.set(connectorId, init);
      }
      return state;
    },
    allow(key, limit, perMs) {
      if (options.rateLimits === false) return true;
      const t = now();
      const window = windows.get(key);
      if (!window || t - window.start >= perMs) {
        windows.set(key, { start: t, count: 1 });
        return true;
      }
      window.count++;
      if (window.count <= limit) return true;
      refusals++;
      return false;
    },
    get rateLimitRefusals() {
      return refusals;
    },
    emit(connectorId, event) {
      emission.emit(connectorId, event);
    },
    sleep: sleepFor,
  };
  const reset = () => {
    context.company = structuredClone(pristineCompany);
    for (const [id, state] of states) resetInPlace(state, inits.get(id)!());
    windows.clear();
    emission.clear();
    Object.assign(faults, { errorRate: 0, latencyMs: 0, burst429: 0 });
  };

  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  const faultAnswers: VendorFaultAnswers[] = [];
  addFaultHook(app, { faults, answers: faultAnswers, random: options.random ?? Math.random, sleep: sleepFor });
  const ids = existsSync(connectorsDir) ? readdirSync(connectorsDir).sort() : [];
  for (const id of ids) {
    const file = join(connectorsDir, id, sandboxFile);
    if (!existsSync(file)) continue;
    const module = (await import(pathToFileURL(file).href)) as { default: SandboxModule };
    modules.set(id, module.default);
    if (module.default.faults) faultAnswers.push(module.default.faults);
    await module.default.register(app, context);
    module.default.state?.(context);
  }
  await app.register(async (scope) => registerControlRoutes(scope, { context, modules, emission, states, reset }), { prefix: '/_sandbox' });
  return { app, context, modules, emission, reset };
}

const seedQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    section: { type: 'string', minLength: 1, description: 'One section, paged (offers, employees, departments…); without it, a summary of every section.' },
    limit: { type: 'string', description: `Items per section (summary: 5) or per page (50); at most ${SEED_MAX_LIMIT}.` },
    offset: { type: 'string', description: 'Where the page of a section starts (0).' },
    q: { type: 'string', description: 'Only items with a field containing this text, in any case.' },
  },
} as const;

interface EventRequest {
  connector: string;
  type: string;
  payload: Record<string, unknown>;
  id?: string;
  target: string;
}

const eventBodySchema: JSONSchemaType<EventRequest> = {
  type: 'object',
  required: ['connector', 'type', 'payload', 'target'],
  additionalProperties: false,
  properties: {
    connector: { type: 'string', minLength: 1, description: 'Connector id, e.g. lark-hire or docusign.' },
    type: { type: 'string', minLength: 1, description: "The vendor's event type, e.g. hire.offer.status_changed_v1." },
    payload: { type: 'object', required: [], description: 'The event body (Lark: the `event` object).' },
    id: { type: 'string', minLength: 1, nullable: true, description: 'Event id; generated when absent. Repeat it to test de-duplication.' },
    target: { type: 'string', minLength: 1, description: 'Webhook URL on this machine.' },
  },
};

interface EmissionRequest {
  target: string | null;
}

const emissionBodySchema = {
  type: 'object',
  required: ['target'],
  additionalProperties: false,
  properties: {
    target: { type: ['string', 'null'], minLength: 1, description: 'Webhook URL on this machine the fakes push their events to; null stops pushing.' },
  },
} as const;

/**
 * The control API. Its own scope: a strict validator (no coercion, unknown fields rejected) and
 * error answers of its own, whatever a fake configures on the root app.
 */
function registerControlRoutes(scope: FastifyInstance, sandbox: Omit<Sandbox, 'app'> & { states: Map<string, object> }): void {
  const { context, modules, emission, states, reset } = sandbox;
  scope.setValidatorCompiler(({ schema }) => compileSchema(schema));
  scope.setSchemaErrorFormatter((errors, dataVar) => new Error(errors.map((error) => describeValidationError(error, dataVar)).join('; ')));
  scope.setErrorHandler((error: FastifyError, _request, reply) => reply.code(error.statusCode ?? 500).send({ error: error.message }));

  scope.get('/state', { schema: { querystring: { type: 'object', additionalProperties: false, properties: { connector: { type: 'string' } } } } }, async (request, reply) => {
    const { connector } = request.query as { connector?: string };
    const stateIds = [...states.keys()];
    if (connector !== undefined && !stateIds.includes(connector)) {
      return reply.code(404).send({ error: `no state named ${JSON.stringify(connector)}; states so far: ${stateIds.join(', ') || 'none'}` });
    }
    const connectors = Object.fromEntries([...states].filter(([id]) => connector === undefined || id === connector));
    const body = { company: companySummary(context.company), tokenTtlSeconds: context.tokenTtlSeconds, faults: context.faults, connectors };
    return reply.type('application/json; charset=utf-8').send(stateToJson(body));
  });

  scope.get('/seed', { schema: { querystring: seedQuerySchema } }, async (request, reply) => {
    const query = parseSeedQuery(request.query as Record<string, string | undefined>);
    if ('error' in query) return reply.code(400).send(query);
    const { section, ...paging } = query;
    if (section === undefined) return seedSummary(context, modules, paging);
    const page = seedSectionPage(context, modules, { section, ...paging });
    if (page) return page;
    const names = [...seedSections(context, modules).keys()];
    return reply.code(404).send({ error: `no seed section named ${JSON.stringify(section)}; sections: ${names.join(', ') || 'none'}` });
  });

  scope.get('/faults', async () => context.faults);
  scope.post('/faults', { schema: { body: faultsBodySchema } }, async (request) => {
    const body = (request.body ?? {}) as Partial<SandboxFaults>;
    Object.assign(context.faults, { errorRate: body.errorRate ?? 0, latencyMs: body.latencyMs ?? 0, burst429: body.burst429 ?? 0 });
    return context.faults;
  });

  scope.get('/emission', async () => ({ target: emission.target ?? null, events: emission.log() }));
  scope.post('/emission', { schema: { body: emissionBodySchema } }, async (request, reply) => {
    const { target } = request.body as EmissionRequest;
    const refusal = await emission.setTarget(target ?? undefined);
    if (refusal) return reply.code(400).send({ error: refusal });
    return { target: emission.target ?? null, events: emission.log() };
  });

  scope.post('/reset', async () => {
    reset();
    return { reset: true, company: companySummary(context.company) };
  });

  scope.post('/events', { schema: { body: eventBodySchema } }, async (request, reply) => {
    const event = request.body as EventRequest;
    const refusal = await refuseNonLoopback(event.target);
    if (refusal) return reply.code(400).send({ error: refusal });
    const module = deliveringModule(modules, event.connector);
    if (!module?.delivery) {
      const able = [...modules].filter(([, m]) => m.delivery).map(([id]) => id);
      return reply.code(400).send({ error: `connector ${JSON.stringify(event.connector)} emits no events here; connectors that do: ${able.join(', ') || 'none'}` });
    }
    let delivery;
    try {
      delivery = module.delivery(context, { type: event.type, payload: event.payload, ...(event.id ? { id: event.id } : {}) });
    } catch (err) {
      return reply.code(400).send({ error: `cannot build a ${event.connector} ${event.type} delivery: ${(err as Error).message}` });
    }
    try {
      const answer = await sendDelivery(event.target, delivery);
      return { status: answer.status, body: answer.body, delivery };
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return reply.code(502).send({ error: `delivering to ${event.target} failed: ${reason}`, delivery });
    }
  });
}

/** Product connectors of one vendor share the vendor's event delivery: lark-hire → lark-shared. */
function deliveringModule(modules: Map<string, SandboxModule>, connector: string): SandboxModule | undefined {
  const own = modules.get(connector);
  if (own?.delivery) return own;
  return modules.get(`${connector.split('-', 1)[0]}-shared`);
}

/** `body has unknown field "x" (allowed: a, b)` rather than ajv's bare "must NOT have additional properties". */
function describeValidationError(error: ErrorObject, dataVar: string): string {
  const where = `${dataVar}${error.instancePath.replaceAll('/', '.')}`;
  if (error.keyword === 'additionalProperties') {
    const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    return `${where} has unknown field ${JSON.stringify((error.params as { additionalProperty: string }).additionalProperty)} (allowed: ${allowed.join(', ')})`;
  }
  return `${where} ${error.message ?? 'is invalid'}${error.keyword === 'type' || error.keyword === 'minimum' || error.keyword === 'maximum' ? `, got ${JSON.stringify(error.data)}` : ''}`;
}
