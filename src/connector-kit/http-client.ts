import { got, HTTPError, RequestError, TimeoutError, type Got, type Method, type Response } from 'got';
import { StaffwireError, VendorError, type ErrorCategory } from '../errors/index.js';

export interface HttpClientOptions {
  baseUrl?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface HttpRequest {
  method: Method;
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean>;
  json?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * The shared outbound client: got with retries left to the caller (the engine's retry policy
 * owns them), every failure classified into a typed error the policy can act on.
 */
export class HttpClient {
  private readonly got: Got;

  constructor(options: HttpClientOptions = {}) {
    this.got = got.extend({
      ...(options.baseUrl ? { prefixUrl: options.baseUrl } : {}),
      headers: { 'user-agent': 'staffwire', ...options.headers },
      timeout: { request: options.timeoutMs ?? 30_000 },
      retry: { limit: 0 },
      throwHttpErrors: false,
      responseType: 'text',
    });
  }

  /** Sends and fails on a non-2xx answer with a VendorError classified by status. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const response = await this.exchange(request);
    if (response.status >= 400) {
      const retryAfterMs = retryAfterFromHeaders(response.headers);
      throw new VendorError(`${request.method} ${request.url} answered HTTP ${response.status}${summariseBody(response.rawBody)}`, {
        vendorCode: response.status,
        httpStatus: response.status,
        category: categoryOfStatus(response.status),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    return { status: response.status, headers: response.headers, body: response.body };
  }

  /**
   * Sends and returns whatever the server answered, for clients that read a vendor's own error
   * envelope; only timeouts and network failures throw.
   */
  async exchange(request: HttpRequest): Promise<HttpResponse & { rawBody: string }> {
    let response: Response<string>;
    try {
      response = await this.got(stripLeadingSlash(request.url), {
        method: request.method,
        ...(request.headers ? { headers: request.headers } : {}),
        ...(request.query ? { searchParams: request.query } : {}),
        ...(request.json !== undefined ? { json: request.json } : {}),
        ...(request.timeoutMs ? { timeout: { request: request.timeoutMs } } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (err) {
      throw classifyHttpFailure(err, request);
    }
    return { status: response.statusCode, headers: response.headers, body: parseBody(response), rawBody: response.body };
  }
}

function stripLeadingSlash(url: string): string {
  // got's prefixUrl refuses paths starting with "/"; absolute URLs pass through untouched.
  return url.startsWith('/') ? url.slice(1) : url;
}

function parseBody(response: Response<string>): unknown {
  const type = String(response.headers['content-type'] ?? '');
  if (response.body === '') return undefined;
  if (type.includes('json')) {
    try {
      return JSON.parse(response.body);
    } catch {
      return response.body;
    }
  }
  return response.body;
}

export function classifyHttpFailure(err: unknown, request: Pick<HttpRequest, 'method' | 'url'>): StaffwireError {
  const where = `${request.method} ${request.url}`;
  if (err instanceof HTTPError) {
    const status = err.response.statusCode;
    const retryAfterMs = retryAfterFromHeaders(err.response.headers);
    return new VendorError(`${where} answered HTTP ${status}${summariseBody(err.response.body)}`, {
      vendorCode: status,
      httpStatus: status,
      category: categoryOfStatus(status),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      cause: err,
    });
  }
  if (err instanceof TimeoutError) {
    return new StaffwireError(`${where} timed out (${err.event})`, { code: 'http.timeout', category: 'timeout', cause: err });
  }
  if (err instanceof RequestError) {
    return new StaffwireError(`${where} failed: ${err.code ?? ''} ${err.message}`.trim(), {
      code: 'http.network',
      category: 'network',
      cause: err,
    });
  }
  if (err instanceof StaffwireError) return err;
  return new StaffwireError(`${where} failed: ${String(err)}`, { code: 'http.failed', category: 'internal', cause: err });
}

export function categoryOfStatus(status: number): ErrorCategory {
  if (status === 429) return 'rate_limit';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'client';
}

/** `Retry-After` (seconds or an HTTP date) or Lark's `x-ogw-ratelimit-reset` (seconds), in ms. */
export function retryAfterFromHeaders(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const reset = first(headers['x-ogw-ratelimit-reset']);
  if (reset !== undefined && /^\d+(\.\d+)?$/.test(reset.trim())) return Math.round(Number(reset) * 1000);
  const retryAfter = first(headers['retry-after']);
  if (retryAfter === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.round(Number(retryAfter) * 1000);
  const at = Date.parse(retryAfter);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function summariseBody(body: unknown): string {
  if (typeof body !== 'string' || body.trim() === '') return '';
  const text = body.trim().replace(/\s+/g, ' ');
  return `: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
}
