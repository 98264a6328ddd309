import type { Logger } from 'pino';
import type { Sleep } from '../../src/clock/clock.js';
import { HttpClient, retryAfterFromHeaders, categoryOfStatus } from '../../src/connector-kit/http-client.js';
import type { RateLimiter } from '../../src/connector-kit/rate-limiter.js';
import { DEFAULT_INLINE_ATTEMPTS, DEFAULT_MAX_INLINE_DELAY_MS, retryTransient } from '../../src/connector-kit/retry-transient.js';
import { StaffwireError, VendorError } from '../../src/errors/index.js';

/** Lark codes meaning "this token is no good": refresh once and try again. */
export const TOKEN_INVALID_CODES = new Set([99991663, 99991664, 99991671]);
/** "request trigger frequency limit", sometimes with HTTP 400 instead of 429. */
export const RATE_LIMITED_CODE = 99991400;
/** Tokens are used until this long before Lark says they expire, as the official SDKs do. */
export const TOKEN_SAFETY_MS = 3 * 60_000;

export interface LarkAppOptions {
  baseUrl: string;
  appId: string;
  appSecret: string;
  timeoutMs?: number;
  /** Client-side limit, acquired under `larkAppLimiterKey(appId)` before every request, the token request included. */
  limiter?: RateLimiter;
  now?: () => number;
}

/** The key an app's requests count under in its limiter: Lark counts per app, whichever connection or connector calls. */
export function larkAppLimiterKey(appId: string): string {
  return `lark:${appId}`;
}

/** What one action brings to its calls: where they log, and how many attempts they may make. */
export interface LarkCaller {
  /** The run's and step's logger: every request, retry and token refresh of the call logs here. */
  log?: Logger;
  /** Attempts on 429/5xx/timeouts before the error goes up (ActionContext.inlineAttempts); default DEFAULT_INLINE_ATTEMPTS. */
  attempts?: number;
  /** Waits longer than this (default DEFAULT_MAX_INLINE_DELAY_MS) are left to the engine, which parks the run instead of holding a worker. */
  maxInlineDelayMs?: number;
  /** How back-offs are waited (ActionContext.sleep); default real time. */
  sleep?: Sleep;
}

export interface LarkRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /**
   * Product codes that mean "try again shortly" (often sent with HTTP 200), e.g. Bitable's write
   * conflict: retried like a 429 instead of failing as a client error.
   */
  transientCodes?: ReadonlyMap<number, 'rate_limit' | 'server'>;
}

/** Lark's advice for its product-specific transient codes: wait about a second. */
const TRANSIENT_CODE_RETRY_MS = 1000;

interface Envelope {
  code?: number;
  msg?: string;
  data?: unknown;
  tenant_access_token?: string;
  expire?: number;
}

/**
 * One Lark custom app as this process talks to it, shared by every run and every lark-* connector
 * on the connection: the HTTP client, the tenant token (cached until `expire − 3 min`, one request
 * however many callers wait) and the client-side rate limit. It keeps nothing of any run: the
 * caller's logger comes with each request.
 */
export class LarkApp {
  private readonly http: HttpClient;
  private readonly limiterKey: string;
  private token: { value: string; usableUntil: number } | undefined;
  private refreshing: Promise<string> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: LarkAppOptions) {
    this.http = new HttpClient({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs ?? 15_000 });
    this.limiterKey = larkAppLimiterKey(options.appId);
    this.now = options.now ?? Date.now;
  }

  /** The tenant access token, from cache or fetched; the fetch logs through the caller that started it. */
  async tenantToken(log?: Logger): Promise<string> {
    if (this.token && this.now() < this.token.usableUntil) return this.token.value;
    this.refreshing ??= this.fetchToken(log).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * Forgets `token` after Lark refused it. Only that token: a refusal arriving after another
   * caller already refreshed must not throw away the new token and fetch yet another.
   */
  dropToken(token: string): void {
    if (this.token?.value === token) this.token = undefined;
  }

  private async fetchToken(log: Logger | undefined): Promise<string> {
    const body = await this.send<Envelope>(
      { method: 'POST', path: '/open-apis/auth/v3/tenant_access_token/internal', body: { app_id: this.options.appId, app_secret: this.options.appSecret } },
      undefined,
      log,
      true,
    );
    if (!body.tenant_access_token || typeof body.expire !== 'number') {
      throw new StaffwireError('Lark answered the token request without tenant_access_token/expire', { code: 'lark.token_malformed', category: 'server' });
    }
    // A token shorter-lived than the margin (the sandbox issues such to exercise refresh) is still
    // used for half its life, rather than being fetched again for every call.
    const lifetimeMs = body.expire * 1000;
    this.token = { value: body.tenant_access_token, usableUntil: this.now() + lifetimeMs - Math.min(TOKEN_SAFETY_MS, lifetimeMs / 2) };
    return body.tenant_access_token;
  }

  /** One request, no retry: the envelope's `data` (or the whole envelope) on code 0, else a classified VendorError. */
  async send<T>(request: LarkRequest, token: string | undefined, log: Logger | undefined, wholeEnvelope = false): Promise<T> {
    const query = Object.fromEntries(Object.entries(request.query ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;
    // The time logged is the vendor's, not the wait for the limiter.
    let started = 0;
    const exchange = () => {
      started = this.now();
      return this.http.exchange({
        method: request.method,
        url: request.path,
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
        ...(Object.keys(query).length ? { query } : {}),
        ...(request.body !== undefined ? { json: request.body } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
    };
    const limiter = this.options.limiter;
    const response = await (limiter ? limiter.run(this.limiterKey, exchange, request.signal) : exchange());
    const envelope = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Envelope;
    const logId = first(response.headers['x-tt-logid']);
    log?.debug(
      { method: request.method, requestPath: request.path, status: response.status, code: envelope.code, logId, ms: this.now() - started },
      'lark request',
    );
    if (response.status < 400 && typeof envelope.code !== 'number') {
      // Not Lark speaking (a proxy's page, a truncated body): never mistake it for success.
      throw new VendorError(`Lark ${request.method} ${request.path} answered HTTP ${response.status} without Lark's {code, msg} envelope`, {
        vendorCode: response.status,
        httpStatus: response.status,
        category: 'server',
        ...(logId ? { logId } : {}),
      });
    }
    const code = typeof envelope.code === 'number' ? envelope.code : response.status;
    if (response.status < 400 && code === 0) return (wholeEnvelope ? envelope : (envelope.data ?? {})) as T;
    const rateLimited = response.status === 429 || code === RATE_LIMITED_CODE;
    const transient = request.transientCodes?.get(code);
    const retryAfterMs = rateLimited
      ? (retryAfterFromHeaders(response.headers) ?? 1000)
      : transient
        ? TRANSIENT_CODE_RETRY_MS
        : undefined;
    throw new VendorError(`Lark ${request.method} ${request.path} failed: ${envelope.msg ?? `HTTP ${response.status}`} (code ${code}${logId ? `, log id ${logId}` : ''})`, {
      vendorCode: code,
      httpStatus: response.status,
      ...(logId ? { logId } : {}),
      category: rateLimited ? 'rate_limit' : (transient ?? (response.status >= 400 ? categoryOfStatus(response.status) : 'client')),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
}

/**
 * Lark calls on behalf of one action: its app's token and limit, the action's logger and retry
 * budget. Made per action call (`larkClient(context)`), never cached. The `{code, msg, data}`
 * envelope becomes data or a VendorError with Lark's code, message and log id; a token Lark calls
 * invalid is refreshed once (not an attempt); 429/5xx/timeouts are retried within the caller's
 * attempts, honouring `x-ogw-ratelimit-reset`; request logs carry no bodies.
 */
export class LarkClient {
  readonly app: LarkApp;

  /** Over the connection's shared `app`, or over an app of its own made from options (a one-off client outside any connection). */
  constructor(
    app: LarkApp | LarkAppOptions,
    private readonly caller: LarkCaller = {},
  ) {
    this.app = app instanceof LarkApp ? app : new LarkApp(app);
  }

  /** The `data` of a successful call. */
  async call<T = Record<string, unknown>>(request: LarkRequest): Promise<T> {
    return retryTransient(() => this.callWithToken<T>(request), {
      attempts: this.caller.attempts ?? DEFAULT_INLINE_ATTEMPTS,
      baseDelayMs: 500,
      maxInlineDelayMs: this.caller.maxInlineDelayMs ?? DEFAULT_MAX_INLINE_DELAY_MS,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(this.caller.sleep ? { sleep: this.caller.sleep } : {}),
      onRetry: (error, attempt, delayMs) => this.caller.log?.warn({ requestPath: request.path, attempt, delayMs, code: error.code }, 'lark call failed; retrying'),
    });
  }

  /** Every item of a paginated list, page after page (`page_token`/`has_more`); each page has the caller's attempts. */
  async *paginate<T>(request: LarkRequest, itemsKey = 'items', pageSize?: number): AsyncGenerator<T> {
    let pageToken: string | undefined;
    do {
      const data = await this.call<Record<string, unknown>>({
        ...request,
        query: { ...request.query, ...(pageSize ? { page_size: pageSize } : {}), ...(pageToken ? { page_token: pageToken } : {}) },
      });
      for (const item of (data[itemsKey] as T[] | undefined) ?? []) yield item;
      pageToken = data.has_more ? (data.page_token as string | undefined) : undefined;
    } while (pageToken);
  }

  /** The app's tenant access token. */
  tenantToken(): Promise<string> {
    return this.app.tenantToken(this.caller.log);
  }

  private async callWithToken<T>(request: LarkRequest): Promise<T> {
    const { log } = this.caller;
    const token = await this.app.tenantToken(log);
    try {
      return await this.app.send<T>(request, token, log);
    } catch (err) {
      if (!(err instanceof VendorError) || !TOKEN_INVALID_CODES.has(Number(err.vendorCode))) throw err;
      log?.info({ requestPath: request.path, code: err.vendorCode }, 'lark token rejected; refreshing once');
      this.app.dropToken(token);
      return this.app.send<T>(request, await this.app.tenantToken(log), log);
    }
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
