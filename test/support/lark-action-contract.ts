import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LARK_BASE_URL } from '../../connectors/lark-shared/lark-connection.js';
import type { ActionContext, Connector } from '../../src/connector-kit/connector.js';
import { ConnectorRegistry } from '../../src/connector-kit/registry.js';
import { VendorError } from '../../src/errors/index.js';
import { compileSchema } from '../../src/schemas.js';
import { actionContext, failure, runAction } from './action-context.js';
import { SLOWER_THAN_ANY_TIMEOUT_MS } from './slow-answer.js';

const TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';
const APP_SECRET = 'lark-test-secret';
const LOG_ID = '20250301abcdef';

/** One request to Lark as a connector must send it. */
export interface ExpectedLarkRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** The exact query string; query values are strings on the wire. Absent: no query string. */
  query?: Record<string, string>;
  /** The exact JSON body. Absent: the request carries no body. */
  body?: Record<string, unknown>;
}

/** One row of a connector's contract table: an action, the request it must make, and what it returns. */
export interface LarkActionCase {
  action: string;
  input: Record<string, unknown>;
  request: ExpectedLarkRequest;
  /** Lark's `data` on success. */
  data: Record<string, unknown>;
  output: unknown;
  /** A refusal code this API documents, where it differs from the connector's usual one. */
  errorCode?: number;
  /**
   * Registers Lark's answers to what the action sends after a refusal (the read-back by which a
   * non-idempotent change finds out whether an earlier attempt went through), answering "not done".
   */
  afterRefusal?: (token: string) => void;
  /**
   * Registers Lark's answers to what the action reads before the request under test (a suspend
   * reads the user first), answering so that the request goes ahead; called before every run.
   */
  beforeRequest?: (token: string) => void;
}

export interface LarkTestApp {
  appId: string;
  context: ActionContext;
}

/** Lark's success envelope. */
export function larkSuccess(data: unknown): { code: 0; msg: string; data: unknown } {
  return { code: 0, msg: 'success', data };
}

/** Lark issues `token` to this app once; the interceptor checks the app's credentials. */
export function larkTokenIssued(baseUrl: string, app: { appId: string; appSecret: string }, token: string, expire = 7200): nock.Scope {
  return nock(baseUrl)
    .post(TOKEN_PATH, { app_id: app.appId, app_secret: app.appSecret })
    .reply(200, { code: 0, msg: 'ok', tenant_access_token: token, expire });
}

// Every context has resources (a token cache) of its own; distinct app ids also keep one test's token interceptor from answering another's request.
let apps = 0;

/** Points a Lark connector at nock: test apps with their contexts, the token interceptor, and request expectations. */
export class LarkConnectorHarness {
  /** Where the tests expect the connector to send requests. */
  readonly baseUrl: string;

  /**
   * @param options.baseUrl the connection's baseUrl; without one the connection names none, and the
   *   connector is held to Lark's default base URL.
   */
  constructor(
    readonly connector: Connector,
    private readonly options: { baseUrl?: string } = {},
  ) {
    this.baseUrl = options.baseUrl ?? DEFAULT_LARK_BASE_URL;
  }

  /** A connection to an app no other test uses, and the context of a step's first attempt on it. */
  app(settings: Record<string, unknown> = {}): LarkTestApp {
    const appId = `cli_${this.connector.manifest.id.replace(/\W/g, '_')}_test_${++apps}`;
    const connection = {
      name: 'lark',
      connector: this.connector.manifest.id,
      settings: { ...(this.options.baseUrl ? { baseUrl: this.options.baseUrl } : {}), appId, appSecret: APP_SECRET, ...settings },
    };
    return { appId, context: actionContext(connection) };
  }

  /** A fresh app for which Lark issues `token`. */
  appWithToken(token: string, settings: Record<string, unknown> = {}): LarkTestApp {
    const app = this.app(settings);
    this.tokenIssued(app.appId, token);
    return app;
  }

  tokenIssued(appId: string, token: string): nock.Scope {
    return larkTokenIssued(this.baseUrl, { appId, appSecret: APP_SECRET }, token);
  }

  /** Matches exactly this request (method, path, query, body) carrying `token`; the caller says how Lark answers. */
  expectRequest(request: ExpectedLarkRequest, token: string): nock.Interceptor {
    const body: nock.RequestBodyMatcher = (request.body as nock.DataMatcherMap | undefined) ?? ((sent: unknown) => sent === '');
    return nock(this.baseUrl, { reqheaders: { authorization: `Bearer ${token}` } })
      .intercept(request.path, request.method, body)
      .query(request.query ?? {});
  }

  run(action: string, input: unknown, context: ActionContext): Promise<unknown> {
    return runAction(this.connector, action, input, context);
  }
}

export interface LarkContractOptions {
  /** How this Lark product refuses bad parameters: its usual code and message, and the HTTP status they come with. */
  refusal: { httpStatus: number; code: number; msg: string };
}

/**
 * Declares, in the calling describe, what every Lark action must do: a manifest test for the
 * connector, then per row of `cases` (a describe named after the action) the exact request with
 * the tenant token and the declared output; Lark's code, message and log id on a refusal; a wait
 * for `x-ogw-ratelimit-reset` after a 429; one token refresh on 99991663; one request only when
 * the step's policy owns the retries; and a timeout after the client's inline retries. The calling
 * file installs the nock guard (`useNockOnly`).
 */
export function describeLarkActionContract<C extends LarkActionCase>(lark: LarkConnectorHarness, cases: C[], options: LarkContractOptions): void {
  const { connector } = lark;

  it('has a manifest the registry accepts, every schema compiling, and a contract case for every action', () => {
    expect(() => new ConnectorRegistry().register(connector)).not.toThrow();
    expect(Object.keys(connector.actions).sort()).toEqual(Object.keys(connector.manifest.actions).sort());
    for (const action of Object.values(connector.manifest.actions)) {
      expect(() => compileSchema(action.input)).not.toThrow();
      expect(() => compileSchema(action.output)).not.toThrow();
    }
    for (const event of Object.values(connector.manifest.events ?? {})) expect(() => compileSchema(event.payload)).not.toThrow();
    expect([...new Set(cases.map((c) => c.action))].sort()).toEqual(Object.keys(connector.manifest.actions).sort());
  });

  describe.each(cases)('$action', (c) => {
    const succeed = (token: string) => lark.expectRequest(c.request, token).reply(200, larkSuccess(c.data));

    it('sends the documented request with the tenant token and returns what the manifest declares', async () => {
      const declared = connector.manifest.actions[c.action];
      if (!declared) throw new Error(`${connector.manifest.id} declares no action ${c.action}`);
      const validateInput = compileSchema(declared.input);
      expect(validateInput(c.input), JSON.stringify(validateInput.errors)).toBe(true);
      const { context } = lark.appWithToken('t-A');
      c.beforeRequest?.('t-A');
      succeed('t-A');
      const output = await lark.run(c.action, c.input, context);
      expect(output).toEqual(c.output);
      const validateOutput = compileSchema(declared.output);
      expect(validateOutput(output), JSON.stringify(validateOutput.errors)).toBe(true);
    });

    it("fails with Lark's code, message and log id on a refusal", async () => {
      const { httpStatus, msg } = options.refusal;
      const code = c.errorCode ?? options.refusal.code;
      const { context } = lark.appWithToken('t-A');
      c.beforeRequest?.('t-A');
      lark.expectRequest(c.request, 't-A').reply(httpStatus, { code, msg }, { 'x-tt-logid': LOG_ID });
      c.afterRefusal?.('t-A');
      const err = await failure(lark.run(c.action, c.input, context));
      expect(err).toBeInstanceOf(VendorError);
      expect(err).toMatchObject({ vendorCode: code, logId: LOG_ID, httpStatus, category: 'client', code: `vendor.${code}` });
      expect(err.message).toContain(`${msg} (code ${code}, log id ${LOG_ID})`);
    });

    it('waits for x-ogw-ratelimit-reset after a 429 and then succeeds', async () => {
      const { context } = lark.appWithToken('t-A');
      const waits: number[] = [];
      const waiting = { ...context, sleep: async (ms: number) => void waits.push(ms) };
      c.beforeRequest?.('t-A');
      lark.expectRequest(c.request, 't-A').reply(429, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-reset': '1' });
      succeed('t-A');
      expect(await lark.run(c.action, c.input, waiting)).toEqual(c.output);
      expect(waits).toEqual([1000]);
    });

    it('refreshes a rejected tenant token once and retries with the new one', async () => {
      const { appId, context } = lark.appWithToken('t-A');
      c.beforeRequest?.('t-A');
      lark.expectRequest(c.request, 't-A').reply(400, { code: 99991663, msg: 'Invalid access token for authorization.' });
      lark.tokenIssued(appId, 't-B');
      succeed('t-B');
      expect(await lark.run(c.action, c.input, context)).toEqual(c.output);
    });

    it("sends once when the step's retry policy owns the budget (inlineAttempts 1), handing a 5xx and a 429 up with category and retryAfterMs", async () => {
      const { context } = lark.appWithToken('t-A');
      const budgeted = { ...context, inlineAttempts: 1 };
      c.beforeRequest?.('t-A');
      lark.expectRequest(c.request, 't-A').reply(500, { code: 1000001, msg: 'internal error' }, { 'x-tt-logid': LOG_ID });
      const serverError = await failure(lark.run(c.action, c.input, budgeted));
      expect(serverError).toMatchObject({ category: 'server', httpStatus: 500, vendorCode: 1000001, logId: LOG_ID });
      expect(serverError.retryAfterMs).toBeUndefined();
      c.beforeRequest?.('t-A');
      lark.expectRequest(c.request, 't-A').reply(429, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-reset': '1' });
      expect(await failure(lark.run(c.action, c.input, budgeted))).toMatchObject({ category: 'rate_limit', retryAfterMs: 1000, vendorCode: 99991400 });
    });

    it('fails as a timeout when Lark does not answer within timeoutMs, after the inline retries', async () => {
      const { context } = lark.appWithToken('t-A', { timeoutMs: 50 });
      c.beforeRequest?.('t-A');
      // One slow answer per attempt the client makes before giving up.
      lark.expectRequest(c.request, 't-A').times(3).delay(SLOWER_THAN_ANY_TIMEOUT_MS).reply(200, larkSuccess(c.data));
      const err = await failure(lark.run(c.action, c.input, context));
      expect(err.category).toBe('timeout');
    });
  });
}
