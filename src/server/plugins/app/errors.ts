import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { FlowInvalidError } from '../../../engine/flow-invalid-error.js';
import { InputError, RunInterruptedError, StoreUnavailableError } from '../../../errors/index.js';
import { BusinessKeyTakenError } from '../../../store/store.js';
import { ApiError } from '../../api-error.js';

/** Engine input errors by code: whose problem it is. Codes not listed are invalid input (422). */
const INPUT_ERROR_STATUS: Record<string, number> = {
  'run.not_found': 404,
  'run.not_failed': 409,
  'run.finished': 409,
  'schedule.not_found': 404,
  'schedule.not_pending': 409,
};

/** Framework errors the client caused, by fastify's code. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'request.malformed_json', message: 'the request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'request.empty_body', message: 'the request says it has a JSON body but it is empty: send a JSON value, or no content-type' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'request.too_large', message: 'the request body is larger than this server accepts (server.bodyLimitBytes)' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'request.unsupported_media_type', message: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'request.bad_content_length', message: 'the body is not as long as its Content-Length says' },
  FST_ERR_BAD_URL: { status: 400, code: 'request.bad_url', message: 'the URL is not valid (a bad %-escape?)' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'request.url_too_long', message: 'a path parameter is too long' },
};

/** What a value of a format must look like, instead of ajv's `must match format "date-time"`. */
const FORMAT_HINTS: Record<string, string> = {
  'date-time': 'must be an ISO 8601 moment with its zone (Z or ±hh:mm), e.g. 2030-03-01T18:00:00+08:00',
};

/** Any failure as the answer it gets: the right status, a stable code, never a stack trace. */
export function apiErrorOf(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreUnavailableError) return storeUnavailable(err);
  if (err instanceof RunInterruptedError) return storeUnavailable(err.cause);
  if (err instanceof BusinessKeyTakenError) {
    return new ApiError(409, 'run.duplicate_business_key', `${err.message}: run ${err.runId} holds the key until it finishes (the flow has onDuplicate: skip)`, {
      runId: err.runId,
      flowId: err.flowId,
      businessKey: err.businessKey,
    });
  }
  if (err instanceof FlowInvalidError) {
    return new ApiError(422, 'flow.invalid', err.message, { diagnostics: err.diagnostics });
  }
  if (err instanceof InputError) return new ApiError(INPUT_ERROR_STATUS[err.code] ?? 422, err.code, err.message, err.details ?? {});
  const framework = err as FastifyError;
  if (framework.validation) {
    const where = framework.validationContext ?? 'request';
    const problems = framework.validation.map((v) => {
      const field = v.instancePath.slice(1).replaceAll('/', '.');
      const property = v.keyword === 'additionalProperties' ? (v.params as { additionalProperty?: string }).additionalProperty : undefined;
      const name = `${where}${field ? `.${field}` : ''}`;
      const message = property ? `${name} has unknown property "${property}"` : `${name} ${FORMAT_HINTS[(v.params as { format?: string }).format ?? ''] ?? v.message ?? 'is invalid'}`;
      return { in: where, pointer: v.instancePath || '/', message, ...(property ? { property } : {}) };
    });
    return new ApiError(400, 'request.invalid', problems.map((p) => p.message).join('; '), { problems });
  }
  const known = framework.code ? FRAMEWORK_ERRORS[framework.code] : undefined;
  if (known) return new ApiError(known.status, known.code, known.message ?? framework.message);
  if (err instanceof SyntaxError && framework.statusCode === 400) {
    return new ApiError(400, 'request.malformed_json', `the request body is not valid JSON: ${err.message}`);
  }
  const status = framework.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, status === 429 ? 'request.rate_limited' : 'request.invalid', framework.message);
  }
  return new ApiError(500, 'internal', 'the server failed to answer this request; its log has the details under this request id');
}

function storeUnavailable(err: StoreUnavailableError): ApiError {
  return new ApiError(503, err.code, `the store cannot be used: ${err.message}`, { problem: err.code }, { 'retry-after': '5' });
}

export function sendApiError(error: ApiError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = { code: error.code, message: error.message, details: error.statusCode === 500 ? { requestId: request.id } : error.details };
  return reply.code(error.statusCode).headers(error.headers).type('application/json; charset=utf-8').send(body);
}

/**
 * Every error answer in one shape, `{ code, message, details }`; an unknown route is a 404 in the
 * same shape. A 5xx is logged with its cause (and stack) under the request id; the client gets
 * the id, never the stack.
 */
export default fp(
  async function errorAnswers(fastify: FastifyInstance) {
    fastify.setErrorHandler((err, request, reply) => {
      const error = apiErrorOf(err);
      if (error.statusCode >= 500) request.log.error({ err }, 'request failed');
      else request.log.info({ code: error.code, status: error.statusCode }, 'request refused');
      return sendApiError(error, request, reply);
    });
    fastify.setNotFoundHandler((request, reply) =>
      sendApiError(
        new ApiError(404, 'route.not_found', `no route ${request.method} ${request.url.split('?')[0]}: /docs lists the API`, { method: request.method, url: request.url.split('?')[0] }),
        request,
        reply,
      ),
    );
  },
  { name: 'staffwire-errors' },
);
