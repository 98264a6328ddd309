import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { expectApiError, helloFlow, routesOf, twoCallsFlow, useServerHarness, waitingFlow } from './server-harness.js';

const h = useServerHarness('api-docs-health');

interface Operation {
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: unknown }> }>;
}
type OpenApi = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } };

/** `/api/v1/runs/:id` as OpenAPI spells it: `/api/v1/runs/{id}`. */
const openApiPath = (url: string) => url.replaceAll(/:(\w+)/g, '{$1}');

/** Every `$ref` in the document resolves to something in it. */
function danglingRefs(doc: OpenApi): string[] {
  const dangling: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') {
        const target = child.replace(/^#\//, '').split('/').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], doc);
        if (!child.startsWith('#/') || target === undefined) dangling.push(child);
      } else visit(child);
    }
  };
  visit(doc);
  return dangling;
}

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document listing every /api/v1 route with its request and response schemas', async () => {
    await h.boot();
    const res = await h.call('GET', '/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as OpenApi;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Staffwire API', version: '1' });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(danglingRefs(doc)).toEqual([]);

    const api = routesOf(h.server).filter((r) => r.url.startsWith('/api/v1/'));
    expect(api.length).toBeGreaterThanOrEqual(15);
    for (const { method, url } of api) {
      const operation = doc.paths[openApiPath(url)]?.[method.toLowerCase()];
      expect(operation, `${method} ${url} in the document`).toBeDefined();
      expect(operation!.security, `${method} ${url} security`).toEqual(method === 'POST' && url === '/api/v1/session' ? [] : [{ bearerAuth: [] }, { sessionCookie: [] }]);
      const success = Object.keys(operation!.responses).filter((status) => status.startsWith('2'));
      expect(success, `${method} ${url} success answers`).toHaveLength(1);
      expect(operation!.responses[success[0]!]!.content?.['application/json']?.schema, `${method} ${url} response schema`).toBeDefined();
      // Signing in checks the token it is sent: no role is involved, so it answers no 403.
      for (const status of method === 'POST' && url === '/api/v1/session' ? ['400', '401', '429'] : ['400', '401', '403', '429']) {
        expect(operation!.responses[status]?.content?.['application/json']?.schema, `${method} ${url} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
      for (const name of url.match(/:(\w+)/g) ?? []) {
        expect(operation!.parameters, `${method} ${url} ${name}`).toContainEqual(expect.objectContaining({ in: 'path', name: name.slice(1) }));
      }
    }
    // What takes a body says what the body is.
    for (const [path, method] of [
      ['/api/v1/flows/{id}/runs', 'post'],
      ['/api/v1/schedules/{key}/move', 'post'],
      ['/api/v1/flows/validate', 'post'],
    ] as const) {
      expect(doc.paths[path]![method]!.requestBody?.content['application/json']?.schema, `${method} ${path} body`).toBeDefined();
    }
    // Listings say how to filter and page them.
    const runsList = doc.paths['/api/v1/runs']!.get!;
    expect(runsList.parameters!.filter((p) => p.in === 'query').map((p) => p.name).sort()).toEqual(['businessKey', 'cursor', 'flow', 'from', 'limit', 'status', 'to']);
  });

  it('has component schemas that compile, and its answers follow them', async () => {
    h.flow(helloFlow);
    await h.boot();
    const doc = (await h.call('GET', '/openapi.json')).json() as OpenApi;
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'doc', components: doc.components } as object);
    const follows = (name: string, value: unknown) => {
      const validate = ajv.getSchema(`doc#/components/schemas/${name}`)!;
      expect(validate(value), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    const started = await h.call('POST', '/api/v1/flows/hello/runs', { as: 'operator', body: { input: { email: 'a@example.com', employeeId: 'e-1' } } });
    const runId = (started.json() as { id: string }).id;
    await h.app.engine.executeRun(runId);
    follows('RunDetail', (await h.call('GET', `/api/v1/runs/${runId}`, { as: 'operator' })).json());
    follows('FlowDetail', (await h.call('GET', '/api/v1/flows/hello', { as: 'operator' })).json());
    follows('Error', (await h.call('GET', '/api/v1/runs/none', { as: 'operator' })).json());
  });
});

describe('answers', () => {
  const asStored = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

  it('carry every field of the store’s runs, steps, journal entries, schedules and deliveries', async () => {
    h.flow(twoCallsFlow);
    h.flow(waitingFlow);
    await h.boot();
    h.vendor.onCall((call, respond) => (call.path === '/second' ? respond(422, { error: 'rejected' }) : respond()));
    const failed = (await h.app.engine.startRun(h.app.engine.compile(twoCallsFlow), {}, { actor: 'api:test' })).id;
    await h.app.engine.executeRun(failed);
    const waiting = (await h.app.engine.startRun(h.app.engine.compile(waitingFlow), {})).id;
    await h.app.engine.executeRun(waiting);
    for (const id of [failed, waiting]) {
      const [run, steps, journal] = await Promise.all([h.app.store.getRun(id), h.app.store.listSteps(id), h.app.store.listJournal(id)]);
      const answer = (await h.call('GET', `/api/v1/runs/${id}`, { as: 'operator' })).json() as Record<string, unknown>;
      expect(answer).toEqual(asStored({ ...run, steps, journal, subRuns: [] }));
      const listed = (await h.call('GET', `/api/v1/runs?flow=${run!.flowId}`, { as: 'operator' })).json() as { items: unknown[] };
      expect(listed.items).toEqual([asStored(run)]);
    }
    expect((await h.app.store.getRun(failed))!.error).toBeDefined();
    expect((await h.app.store.getRun(waiting))!.waitingFor).toBeDefined();

    const schedule = await h.app.store.putSchedule({ key: 'k', flowId: 'waiting', input: { a: 1 }, fireAt: '2099-01-01T00:00:00.000Z', timeZone: 'Asia/Tokyo', createdBy: 'test', at: new Date().toISOString() });
    expect((await h.call('GET', '/api/v1/schedules/k', { as: 'operator' })).json()).toEqual(asStored(schedule));
    const accepted = await h.app.store.recordDelivery({ source: 'svc', receivedAt: new Date().toISOString(), outcome: 'accepted', event: { id: 'e1', type: 't', occurredAt: new Date().toISOString(), tenant: 'acme', payload: { x: [1] } } });
    await h.app.store.markDispatched(accepted.id, new Date().toISOString(), [{ flowId: 'waiting', runId: 'run_1', started: true }]);
    const refused = await h.app.store.recordDelivery({ source: 'svc', receivedAt: new Date().toISOString(), outcome: 'refused', reason: { code: 'webhook.bad_signature', message: 'forged' } });
    for (const id of [accepted.id, refused.id]) {
      expect((await h.call('GET', `/api/v1/deliveries/${id}`, { as: 'operator' })).json()).toEqual(asStored(await h.app.store.getDelivery(id)));
    }
  });
});

describe('/docs', () => {
  it('serves the API browser over the document, without a token', async () => {
    await h.boot();
    const page = await h.call('GET', '/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    const redirect = await h.call('GET', '/docs');
    expect([200, 302]).toContain(redirect.statusCode);
    const json = await h.call('GET', '/docs/json');
    expect(json.statusCode).toBe(200);
    expect(Object.keys((json.json() as OpenApi).paths)).toContain('/api/v1/runs');
  });
});

describe('/healthz and /readyz', () => {
  it('says the process is up and the store writable, without a token', async () => {
    await h.boot();
    expect((await h.call('GET', '/healthz')).json()).toEqual({ status: 'ok', uptimeSeconds: expect.any(Number) });
    const ready = await h.call('GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { store: 'writable' } });
  });

  it('is not ready (503, naming the store) when the store is read-only, and alive all the same', async () => {
    await h.boot();
    await h.boot({}, { readonly: true });
    expect((await h.call('GET', '/healthz')).statusCode).toBe(200);
    const res = await h.call('GET', '/readyz');
    const body = expectApiError(res, 503);
    expect(body.code).toMatch(/^store\./);
    expect(body.details).toMatchObject({ check: 'store' });
    expect(res.headers['retry-after']).toBe('5');
  });

  it('is not ready once the store is closed', async () => {
    await h.boot();
    await h.app.store.close();
    const res = await h.call('GET', '/readyz');
    expect(expectApiError(res, 503).details).toMatchObject({ check: 'store' });
  });
});

describe('/metrics', () => {
  /** The value of one series in Prometheus text, or undefined when it is not there. */
  function sample(text: string, series: string): number | undefined {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }

  it('exposes runs by flow and status, deliveries by outcome, pending schedules and the oldest due age, and they change', async () => {
    h.flow(helloFlow);
    await h.boot();
    const scrape = async () => {
      const res = await h.call('GET', '/metrics');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      return res.body;
    };
    const before = await scrape();
    for (const name of ['staffwire_runs', 'staffwire_schedules_pending', 'staffwire_runs_waiting', 'staffwire_oldest_due_seconds', 'staffwire_webhook_deliveries_total', 'staffwire_step_duration_seconds']) {
      expect(before).toContain(`# TYPE ${name} `);
    }
    expect(sample(before, 'staffwire_schedules_pending')).toBe(0);
    expect(sample(before, 'staffwire_oldest_due_seconds')).toBe(0);
    expect(sample(before, 'staffwire_runs{flow="hello",status="succeeded"}')).toBeUndefined();

    const started = await h.call('POST', '/api/v1/flows/hello/runs', { as: 'operator', body: { input: { email: 'a@example.com', employeeId: 'e-1' } } });
    const runId = (started.json() as { id: string }).id;
    expect(sample(await scrape(), 'staffwire_runs{flow="hello",status="queued"}')).toBe(1);
    await h.app.engine.executeRun(runId);
    const now = Date.now();
    await h.app.store.putSchedule({ key: 'later', flowId: 'hello', input: {}, fireAt: new Date(now + 3_600_000).toISOString(), createdBy: 'test', at: new Date(now).toISOString() });
    await h.app.store.putSchedule({ key: 'overdue', flowId: 'hello', input: {}, fireAt: new Date(now - 120_000).toISOString(), createdBy: 'test', at: new Date(now).toISOString() });
    await h.app.store.recordDelivery({ source: 'svc', receivedAt: new Date(now).toISOString(), outcome: 'refused', reason: { code: 'webhook.bad_signature', message: 'forged' } });
    await h.app.store.recordDelivery({ source: 'svc', receivedAt: new Date(now).toISOString(), outcome: 'refused', reason: { code: 'webhook.bad_signature', message: 'forged' } });
    await h.app.store.recordDelivery({ source: 'svc', receivedAt: new Date(now).toISOString(), outcome: 'challenge' });

    const after = await scrape();
    expect(sample(after, 'staffwire_runs{flow="hello",status="succeeded"}')).toBe(1);
    expect(sample(after, 'staffwire_runs{flow="hello",status="queued"}')).toBeUndefined();
    expect(sample(after, 'staffwire_schedules_pending')).toBe(2);
    expect(sample(after, 'staffwire_oldest_due_seconds')).toBeGreaterThanOrEqual(120);
    expect(sample(after, 'staffwire_webhook_deliveries_total{source="svc",outcome="refused"}')).toBe(2);
    expect(sample(after, 'staffwire_webhook_deliveries_total{source="svc",outcome="challenge"}')).toBe(1);
    // A second scrape counts nothing twice.
    expect(sample(await scrape(), 'staffwire_webhook_deliveries_total{source="svc",outcome="refused"}')).toBe(2);
    // Counts, never run data.
    expect(after).not.toContain('a@example.com');
  });
});
