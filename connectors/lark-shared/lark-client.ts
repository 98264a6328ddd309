import type { Logger } from 'pino';
import { HttpClient, retryAfterFromHeaders, categoryOfStatus } from '../../src/connector-kit/http-client.js';
import { RateLimiter } from '../../src/connector-kit/rate-limiter.js';
import { DEFAULT_MAX_INLINE_DELAY_MS, retryTransient } from '../../src/connector-kit/retry-transient.js';
import { StaffwireError, VendorError } from '../../src/errors/index.js';

/** Lark codes meaning "this token is no good": refresh once and try again. */
export const TOKEN_INVALID_CODES = new Set([99991663, 99991664, 99991671]);
/** "request trigger frequency limit", sometimes with HTTP 400 instead of 429. */
export const RATE_LIMITED_CODE = 99991400;
/** Tokens are used until this long before Lark says they expire, as the official SDKs do. */
export const TOKEN_SAFETY_MS = 3 * 60_000;

export interface LarkClientOptions {
  baseUrl: string;
  appId: string;
  appSecret: string;
  timeoutMs?: number;
  /** Client-side limit for this connection, requests per second. */
  requestsPerSecond?: number;
  /** Attempts on 429/5xx/timeouts before the error goes to the engine's retry policy. */
  attempts?: number;
  /** Waits longer than this (default DEFAULT_MAX_INLINE_DELAY_MS) are left to the engine, which parks the run instead of holding a worker. */
  maxInlineDelayMs?: number;
  log?: Logger;
  now?: () => number;
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
 * Lark Open Platform over the shared HTTP client: tenant token cached until `expire − 3 min`
 * and refreshed once on an invalid-token code; the `{code, msg, data}` envelope turned into data
 * or a VendorError with the vendor's code, message and log id; 429/5xx/timeouts retried with
 * `x-ogw-ratelimit-reset` honoured; an optional client-side rate limit; redacted request logs.
 */
export class LarkClient {
  private readonly http: HttpClient;
  private readonly limiter: RateLimiter | undefined;
  private token: { value: string; usableUntil: number } | undefined;
  private refreshing: Promise<string> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: LarkClientOptions) {
    this.http = new HttpClient({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs ?? 15_000 });
    this.limiter = options.requestsPerSecond ? new RateLimiter(options.requestsPerSecond, 1000) : undefined;
    this.now = options.now ?? Date.now;
  }

  /** The `data` of a successful call. */
  async call<T = Record<string, unknown>>(request: LarkRequest): Promise<T> {
    return retryTransient(() => this.callWithToken<T>(request), {
      attempts: this.options.attempts ?? 3,
      baseDelayMs: 500,
      maxInlineDelayMs: this.options.maxInlineDelayMs ?? DEFAULT_MAX_INLINE_DELAY_MS,
      ...(request.signal ? { signal: request.signal } : {}),
      onRetry: (error, attempt, delayMs) =>
        this.options.log?.warn({ path: request.path, attempt, delayMs, code: error.code }, 'lark call failed; retrying'),
    });
  }

  /** Every item of a paginated list, page after page (`page_token`/`has_more`). */
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

  /** The tenant access token, from cache or fetched (one request however many callers wait). */
  async tenantToken(): Promise<string> {
    if (this.token && this.now() < this.token.usableUntil) return this.token.value;
    this.refreshing ??= this.fetchToken().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async callWithToken<T>(request: LarkRequest): Promise<T> {
    const token = await this.tenantToken();
    try {
      return await this.send<T>(request, token);
    } catch (err) {
      if (!(err instanceof VendorError) || !TOKEN_INVALID_CODES.has(Number(err.vendorCode))) throw err;
      this.options.log?.info({ path: request.path, code: err.vendorCode }, 'lark token rejected; refreshing once');
      // Only the rejected token is dropped: a refusal that arrives after another caller already
      // refreshed must not throw away the new token and fetch yet another.
      if (this.token?.value === token) this.token = undefined;
      return this.send<T>(request, await this.tenantToken());
    }
  }

  private async fetchToken(): Promise<string> {
    const body = await this.send<Envelope>(
      { method: 'POST', path: '/open-apis/auth/v3/tenant_access_token/internal', body: { app_id: this.options.appId, app_secret: this.options.appSecret } },
      undefined,
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

  private async send<T>(request: LarkRequest, token: string | undefined, wholeEnvelope = false): Promise<T> {
    await this.limiter?.acquire(request.signal);
    const started = this.now();
    const query = Object.fromEntries(Object.entries(request.query ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;
    const response = await this.http.exchange({
      method: request.method,
      url: request.path,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      ...(Object.keys(query).length ? { query } : {}),
      ...(request.body !== undefined ? { json: request.body } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const envelope = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Envelope;
    const logId = first(response.headers['x-tt-logid']);
    this.options.log?.debug(
      { method: request.method, path: request.path, status: response.status, code: envelope.code, logId, ms: this.now() - started },
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

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
