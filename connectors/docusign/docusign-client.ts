import type { Logger } from 'pino';
import type { Sleep } from '../../src/clock/clock.js';
import { categoryOfStatus, HttpClient, type HttpResponse } from '../../src/connector-kit/http-client.js';
import type { RateLimiter } from '../../src/connector-kit/rate-limiter.js';
import { DEFAULT_INLINE_ATTEMPTS, DEFAULT_MAX_INLINE_DELAY_MS, retryTransient } from '../../src/connector-kit/retry-transient.js';
import { StaffwireError, VendorError, type ErrorCategory } from '../../src/errors/index.js';

/**
 * Error codes DocuSign answers when a limit is hit. The hourly one arrives with HTTP 400 as
 * often as with 429, so the code, not the status, decides that it is a rate limit.
 */
export const RATE_LIMIT_CODES = new Set([
  'HOURLY_APIINVOCATION_LIMIT_EXCEEDED',
  'BURST_APIINVOCATION_LIMIT_EXCEEDED',
  'HOURLY_ENVELOPE_POLLING_LIMIT_EXCEEDED',
  'HOURLY_ENVELOPE_UPDATE_LIMIT_EXCEEDED',
]);

const HOUR_MS = 3_600_000;

/** The key an account's requests count under in its limiter: DocuSign counts calls per account, whichever connection or app makes them. */
export function docusignAccountLimiterKey(accountId: string): string {
  return `docusign:${accountId}`;
}

export interface DocusignClientOptions {
  /** Named in every error, so a failure says which configured connection to fix. */
  connectionName: string;
  baseUri: string;
  accountId: string;
  accessToken: string;
  timeoutMs?: number;
  /** Client-side limit shared by every run in the process, acquired under `docusignAccountLimiterKey(accountId)` before every request. */
  limiter?: RateLimiter;
  /** Attempts on 429/5xx/timeouts before the error goes up (ActionContext.inlineAttempts); default DEFAULT_INLINE_ATTEMPTS. */
  attempts?: number;
  /** Waits longer than this are left to the engine, which parks the run instead of a worker. */
  maxInlineDelayMs?: number;
  /** The action's logger: the client is made per action call, so requests log the run's and step's ids (and the connection's name, which the action's logger carries). */
  log?: Logger;
  now?: () => number;
  /** How back-offs are waited (ActionContext.sleep); default real time. */
  sleep?: Sleep;
}

export interface DocusignRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the account: `/envelopes`, `/envelopes/<id>`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
}

interface DocusignErrorBody {
  errorCode?: unknown;
  message?: unknown;
}

/**
 * The eSignature REST API v2.1 for one account over the shared HTTP client: bearer token, the
 * `{errorCode, message}` error body turned into a VendorError, rate limits (Retry-After, or
 * X-RateLimit-Reset once the hourly quota is spent), 5xx and timeouts retried, an optional
 * client-side rate limit, and request logs without bodies (they hold names and emails).
 */
export class DocusignClient {
  private readonly http: HttpClient;
  private readonly limiter: RateLimiter | undefined;
  private readonly limiterKey: string;
  private readonly accountPath: string;
  private readonly now: () => number;

  constructor(private readonly options: DocusignClientOptions) {
    this.http = new HttpClient({ baseUrl: apiHost(options.baseUri), timeoutMs: options.timeoutMs ?? 30_000 });
    this.limiter = options.limiter;
    this.limiterKey = docusignAccountLimiterKey(options.accountId);
    this.accountPath = `/restapi/v2.1/accounts/${encodeURIComponent(options.accountId)}`;
    this.now = options.now ?? Date.now;
  }

  /** The JSON body of a successful call, retried on transient failures. */
  call<T>(request: DocusignRequest): Promise<T> {
    return this.retrying(() => this.send<T>(request), request.signal);
  }

  /**
   * Runs a unit of several calls with this client's retry policy, so a caller can make the
   * whole unit (look up, then create) the thing that is retried instead of each call alone.
   */
  retrying<T>(unit: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return retryTransient(unit, {
      attempts: this.options.attempts ?? DEFAULT_INLINE_ATTEMPTS,
      baseDelayMs: 500,
      maxInlineDelayMs: this.options.maxInlineDelayMs ?? DEFAULT_MAX_INLINE_DELAY_MS,
      ...(signal ? { signal } : {}),
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
      onRetry: (error, attempt, delayMs) =>
        this.options.log?.warn({ attempt, delayMs, code: error.code }, 'docusign call failed; retrying'),
    });
  }

  /** One attempt, no retry: the JSON body of a 2xx answer, or a typed error. */
  async send<T>(request: DocusignRequest): Promise<T> {
    // The time logged is the vendor's, not the wait for the limiter.
    let started = 0;
    const exchange = () => {
      started = this.now();
      return this.http.exchange({
        method: request.method,
        url: `${this.accountPath}${request.path}`,
        headers: { authorization: `Bearer ${this.options.accessToken}`, accept: 'application/json' },
        ...(request.query ? { query: request.query } : {}),
        ...(request.body !== undefined ? { json: request.body } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
    };
    let response: HttpResponse & { rawBody: string };
    try {
      response = await (this.limiter ? this.limiter.run(this.limiterKey, exchange, request.signal) : exchange());
    } catch (err) {
      if (!(err instanceof StaffwireError)) throw err;
      throw new StaffwireError(`DocuSign connection "${this.options.connectionName}": ${err.message}`, {
        code: err.code,
        category: err.category,
        cause: err,
      });
    }
    const failure = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as DocusignErrorBody;
    const traceToken = header(response.headers, 'x-docusign-tracetoken');
    // Paths and statuses only: query strings and bodies carry keys, names and email addresses.
    this.options.log?.debug(
      {
        method: request.method,
        requestPath: request.path,
        status: response.status,
        ...(response.status >= 400 && typeof failure.errorCode === 'string' ? { errorCode: failure.errorCode } : {}),
        traceToken,
        ms: this.now() - started,
      },
      'docusign request',
    );
    if (response.status < 400) return (response.body ?? {}) as T;
    throw this.vendorError(request, response, failure, traceToken);
  }

  private vendorError(request: DocusignRequest, response: HttpResponse & { rawBody: string }, failure: DocusignErrorBody, traceToken: string | undefined): VendorError {
    const errorCode = typeof failure.errorCode === 'string' && failure.errorCode !== '' ? failure.errorCode : undefined;
    const vendorMessage = typeof failure.message === 'string' && failure.message !== '' ? failure.message : summarise(response.rawBody);
    const rateLimited = response.status === 429 || (errorCode !== undefined && RATE_LIMIT_CODES.has(errorCode.toUpperCase()));
    const category: ErrorCategory = rateLimited ? 'rate_limit' : categoryOfStatus(response.status);
    const retryAfterMs = rateLimited ? this.rateLimitDelayMs(response.headers, errorCode) : undefined;
    const connection = `connection "${this.options.connectionName}"`;
    const what =
      response.status === 401
        ? `DocuSign rejected the access token of ${connection}: ${vendorMessage}. Put a fresh OAuth access token in the connection's accessToken`
        : `DocuSign ${request.method} ${request.path} failed on ${connection}: ${vendorMessage}`;
    return new VendorError(`${what} (${errorCode ?? 'no error code'}, HTTP ${response.status}${traceToken ? `, trace token ${traceToken}` : ''})`, {
      vendorCode: errorCode ?? response.status,
      httpStatus: response.status,
      ...(traceToken ? { logId: traceToken } : {}),
      category,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  /**
   * Retry-After when DocuSign sends it. Otherwise, once the hourly quota is spent
   * (X-RateLimit-Remaining 0, or an hourly code), X-RateLimit-Reset (epoch seconds) or the next
   * top of the hour, when DocuSign refreshes it. X-RateLimit-Reset comes on every answer, so
   * it is not used for a burst overrun, which clears within 30 s: that gets the usual back-off.
   */
  private rateLimitDelayMs(headers: HttpResponse['headers'], errorCode: string | undefined): number | undefined {
    const retryAfter = header(headers, 'retry-after');
    if (retryAfter !== undefined) {
      if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.round(Number(retryAfter) * 1000);
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) return Math.max(0, at - this.now());
    }
    const hourlySpent = header(headers, 'x-ratelimit-remaining')?.trim() === '0' || (errorCode?.toUpperCase().startsWith('HOURLY_') ?? false);
    if (!hourlySpent) return undefined;
    const reset = header(headers, 'x-ratelimit-reset');
    if (reset !== undefined && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - this.now());
    return HOUR_MS - (this.now() % HOUR_MS);
  }
}

/** Accepts the base URI with or without a trailing slash or `/restapi`, as users paste it. */
function apiHost(baseUri: string): string {
  return baseUri.replace(/\/+$/, '').replace(/\/restapi$/, '');
}

function header(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function summarise(body: string): string {
  const text = body.trim().replace(/\s+/g, ' ');
  if (text === '') return 'no error body';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
