import type { FastifyReply } from 'fastify';
import { WebhookRejectedError, type WebhookRejectionReason } from '../../connector-kit/webhooks/webhook.js';
import { StoreUnavailableError } from '../../errors/index.js';

/** How long an accepted event's id is remembered to tell a redelivery from a new event, unless configured. */
export const DEFAULT_DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The error answer every intake route gives: what went wrong, where, and what it means. */
export const errorAnswerSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', additionalProperties: true } },
} as const;

export const acceptedAnswerSchema = {
  type: 'object',
  required: ['ok', 'outcome', 'delivery'],
  properties: { ok: { type: 'boolean' }, outcome: { type: 'string' }, delivery: { type: 'integer' } },
} as const;

/** 401 for anything that says the sender is not who it claims; 400 for what is malformed or stale. */
const STATUS: Record<WebhookRejectionReason, number> = {
  bad_signature: 401,
  bad_token: 401,
  missing_header: 401,
  stale: 400,
  malformed: 400,
  truncated: 400,
  not_json: 400,
};

export function refusalStatus(err: WebhookRejectedError): number {
  return STATUS[err.reason];
}

export function answerError(reply: FastifyReply, status: number, code: string, message: string, details?: Record<string, unknown>) {
  return reply.code(status).send({ code, message, ...(details ? { details } : {}) });
}

/** A store that cannot take the delivery: the vendor is told to send it again later, nothing is lost. */
export function answerStoreTrouble(reply: FastifyReply, err: unknown): boolean {
  if (!(err instanceof StoreUnavailableError)) return false;
  void answerError(reply, 503, err.code, `the delivery could not be recorded: ${err.message}; send it again later`);
  return true;
}

export { WebhookRejectedError };
