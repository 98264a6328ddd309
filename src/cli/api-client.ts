import { got, RequestError } from 'got';
import { InputError, StoreUnavailableError, UsageError } from '../errors/index.js';
import { ServerRequestError } from './cli-errors.js';

/** An answer of the API that is not a success, as `{ code, message, details }`. */
export class ApiAnswerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiAnswerError';
  }

  /** As the same failure on the local store is reported: a usage error for a bad request, else the code and message. */
  asLocalError(): Error {
    if (this.status === 400) return new UsageError(this.message);
    if (this.status === 503) return new StoreUnavailableError('store.io', this.message, '');
    return new InputError(this.message, this.code);
  }
}

export interface ApiRequest {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

const TIMEOUT_MS = 30_000;

/**
 * The CLI's client of a running `staffwire serve` (`--server URL --token T`, or STAFFWIRE_SERVER
 * and STAFFWIRE_TOKEN). Unreachable servers and refused tokens become ServerRequestError with
 * what to do; other error answers become ApiAnswerError.
 */
export class ApiClient {
  readonly server: string;

  constructor(
    server: string,
    private readonly token: string | undefined,
  ) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new UsageError(`--server must be the server's URL, e.g. http://127.0.0.1:3000, got "${server}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server must be an http(s) URL, got "${server}"`);
    this.server = url.href.replace(/\/+$/, '');
  }

  async call<T>(method: 'GET' | 'POST', path: string, request: ApiRequest = {}): Promise<T> {
    const query = Object.fromEntries(Object.entries(request.query ?? {}).filter((e): e is [string, string | number] => e[1] !== undefined));
    let response;
    try {
      response = await got(`${this.server}${path}`, {
        method,
        headers: { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        ...(Object.keys(query).length > 0 ? { searchParams: query } : {}),
        ...(request.body !== undefined ? { json: request.body } : {}),
        throwHttpErrors: false,
        retry: { limit: 0 },
        timeout: { request: TIMEOUT_MS },
        responseType: 'text',
      });
    } catch (err) {
      const code = err instanceof RequestError ? err.code : undefined;
      const why = code === 'ETIMEDOUT' ? `no answer within ${TIMEOUT_MS / 1000} s` : (code ?? (err as Error).message);
      throw new ServerRequestError(`cannot reach the Staffwire server at ${this.server} (${why}): is \`staffwire serve\` running there? (--server, or STAFFWIRE_SERVER)`, 1);
    }
    let body: unknown;
    try {
      body = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      throw new ServerRequestError(`${this.server} did not answer as a Staffwire server does (HTTP ${response.statusCode}, ${String(response.headers['content-type'] ?? 'no content type')}): is --server the address of \`staffwire serve\`?`, 1);
    }
    if (response.statusCode < 400) return body as T;
    const answer = (body ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
    const code = typeof answer.code === 'string' ? answer.code : `http.${response.statusCode}`;
    const message = typeof answer.message === 'string' ? answer.message : `HTTP ${response.statusCode}`;
    if (response.statusCode === 401) {
      const hint = this.token ? 'refused the token' : 'needs a token: pass --token or set STAFFWIRE_TOKEN';
      throw new ServerRequestError(`the server at ${this.server} ${hint}: ${message}`, 2);
    }
    if (response.statusCode === 403) throw new ServerRequestError(`the server at ${this.server} refused: ${message}`, 2);
    if (response.statusCode === 429) throw new ServerRequestError(`the server at ${this.server} refused: ${message}`, 1);
    if (response.statusCode >= 500 && response.statusCode !== 503) throw new ServerRequestError(`the server at ${this.server} failed (HTTP ${response.statusCode}, ${code}): ${message}`, 1);
    throw new ApiAnswerError(response.statusCode, code, message, (answer.details ?? {}) as Record<string, unknown>);
  }
}
