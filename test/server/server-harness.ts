import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, expect } from 'vitest';
import { createApp, type App } from '../../src/app/create-app.js';
import type { Clock } from '../../src/clock/clock.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import { loadConfig } from '../../src/config/config.js';
import { tokenSha256 } from '../../src/server/auth/api-tokens.js';
import type { Role } from '../../src/server/auth/roles.js';
import { buildServer, type ServerOptions } from '../../src/server/server.js';
import { CountingServer } from '../support/counting-server.js';

/** One token per role, as a client would send them. */
export const TOKENS: Record<Role, string> = {
  viewer: 'sw_test-viewer-token-0000000000000000000000000',
  operator: 'sw_test-operator-token-00000000000000000000000',
  admin: 'sw_test-admin-token-000000000000000000000000000',
};

export type BootOptions = ServerOptions & { readonly?: boolean; start?: boolean; log?: Logger; clock?: Clock };

export interface ServerHarness {
  readonly dir: string;
  readonly app: App;
  readonly server: FastifyInstance;
  /** A loopback HTTP server the `svc` connection points at. */
  readonly vendor: CountingServer;
  readonly vendorUrl: string;
  /** Writes a flow into the flow folder. */
  flow(definition: Record<string, unknown>): void;
  /** Builds the app and server on the configuration as it is now (with `extra` top-level settings). */
  boot(extra?: Record<string, unknown>, options?: BootOptions): Promise<{ app: App; server: FastifyInstance }>;
  /** A request with the role's token (or `token` as given, or none). */
  call(method: InjectOptions['method'], url: string, options?: { as?: Role; token?: string; body?: unknown; headers?: Record<string, string>; remoteAddress?: string }): Promise<LightMyRequestResponse>;
}

/**
 * A fresh folder per test with a config holding a token per role and a connection `svc` to a
 * loopback server; `boot()` builds the app and the server over it (not listening: tests inject).
 */
export function useServerHarness(prefix: string): ServerHarness {
  let dir = '';
  let vendor = new CountingServer();
  let vendorUrl = '';
  let current: { app: App; server: FastifyInstance } | undefined;
  const opened: { app: App; server: FastifyInstance }[] = [];
  const harness: ServerHarness = {
    get dir() {
      return dir;
    },
    get app() {
      if (!current) throw new Error('boot() first');
      return current.app;
    },
    get server() {
      if (!current) throw new Error('boot() first');
      return current.server;
    },
    get vendor() {
      return vendor;
    },
    get vendorUrl() {
      return vendorUrl;
    },
    flow(definition) {
      writeFileSync(join(dir, 'flows', `${String(definition.id)}.json`), JSON.stringify(definition, null, 2));
    },
    async boot(extra = {}, options = {}) {
      const { readonly, start, log, clock, ...serverOptions } = options;
      const file = join(dir, 'staffwire.config.json');
      const server = (extra.server ?? {}) as Record<string, unknown>;
      writeFileSync(
        file,
        JSON.stringify({
          dataDir: 'data',
          flowDirs: ['flows'],
          connections: { svc: { connector: 'http', baseUrl: vendorUrl } },
          ...extra,
          server: {
            tokens: (Object.keys(TOKENS) as Role[]).map((role) => ({ name: `${role}-token`, role, sha256: tokenSha256(TOKENS[role]) })),
            ...server,
          },
        }),
      );
      const app = await createApp(loadConfig(file, {}), { log: log ?? pino({ level: 'silent' }), ...(readonly ? { readonly: true } : {}), ...(clock ? { clock } : {}) });
      if (start) await app.start();
      current = { app, server: await buildServer(app, serverOptions) };
      opened.push(current);
      return current;
    },
    call(method, url, options = {}) {
      const token = options.token ?? (options.as ? TOKENS[options.as] : undefined);
      return harness.server.inject({
        method,
        url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
        ...(options.body !== undefined ? { payload: options.body as InjectOptions['payload'] } : {}),
        ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
      });
    },
  };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), `staffwire-${prefix}-`));
    mkdirSync(join(dir, 'flows'));
    vendor = new CountingServer();
    vendorUrl = await vendor.start();
  });
  afterEach(async () => {
    for (const { app, server } of opened.splice(0).reverse()) {
      await server.close();
      await app.close();
    }
    current = undefined;
    await vendor.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return harness;
}

/** Whether a body shows anything of the server's insides: a stack line or a source file path. */
export function leaksInternals(body: string): boolean {
  return /\bat [\w.<>]+ \(|\bat (?:file:|node:|\/)|\/(?:src|node_modules|test)\/[\w./-]+\.(?:ts|js)\b|\.ts:\d+/.test(body);
}

/** Asserts an error answer in the one shape, with this status (and code), and nothing internal in it. */
export function expectApiError(res: LightMyRequestResponse, status: number, code?: string): { code: string; message: string; details: Record<string, unknown> } {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as { code: string; message: string; details: Record<string, unknown> };
  expect(Object.keys(body).sort()).toEqual(['code', 'details', 'message']);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(typeof body.details).toBe('object');
  if (code !== undefined) expect(body.code).toBe(code);
  expect(leaksInternals(res.body), res.body).toBe(false);
  return body;
}

/** A flow taking a person's e-mail and an employee id (its business key), answering with both. */
export const helloFlow = {
  id: 'hello',
  version: '1',
  input: { type: 'object', additionalProperties: false, required: ['email', 'employeeId'], properties: { email: { type: 'string' }, employeeId: { type: 'string' } } },
  businessKey: '${ $input.employeeId }',
  steps: [
    { id: 'greet', kind: 'set', values: { greeting: 'Hello, ${ $input.email }', email: '${ $input.email }' } },
    { id: 'out', kind: 'return', output: { email: '${ $input.email }', greeting: '${ $steps.greet.greeting }' } },
  ],
} satisfies FlowDefinition;

/** A flow that calls `svc` twice: `/first`, then `/second` (answer it 4xx to fail the run there). */
export const twoCallsFlow = {
  id: 'two-calls',
  version: '1',
  steps: [
    { id: 'first', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/first', body: {} } },
    { id: 'second', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/second', body: {} } },
  ],
} satisfies FlowDefinition;

/** A flow that parks for an hour. */
export const waitingFlow = {
  id: 'waiting',
  version: '1',
  steps: [{ id: 'hold', kind: 'wait', for: '1h' }],
} satisfies FlowDefinition;

/** Every route the server serves, as `printRoutes` shows its tree (HEAD routes fastify adds left out). */
export function routesOf(server: FastifyInstance): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const parents: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const url = `${parents[depth - 1] ?? ''}${match[2]!}`;
    parents[depth] = url;
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') routes.push({ method, url });
  }
  return routes;
}

/** One page of a listing, asked as `as` (viewer by default); fails the test unless it is a 200. */
export async function listPage<Item>(h: ServerHarness, url: string, as: Role = 'viewer'): Promise<{ items: Item[]; next: string | null }> {
  const res = await h.call('GET', url, { as });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
}

/** Follows a listing's `next` from the first page to the last: every item in order, and how many pages that took. */
export async function allPages<Item>(h: ServerHarness, url: string, as: Role = 'viewer'): Promise<{ items: Item[]; pages: number }> {
  const items: Item[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const page: { items: Item[]; next: string | null } = await listPage<Item>(h, next ? `${url}${url.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(next)}` : url, as);
    items.push(...page.items);
    next = page.next;
    pages++;
  } while (next !== null);
  return { items, pages };
}
