import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { SandboxContext } from '../../src/sandbox/sandbox-context.js';

/**
 * What every Lark fake shares: tenant tokens issued and expired as Lark does, the `{code, msg,
 * data}` envelope, Lark's error codes and rate-limit headers, page-size checks.
 */
interface TokenState {
  tokens: Map<string, number>;
}

/** The tenant tokens issued, at GET /_sandbox/state?connector=lark-tokens. */
export function tokenState(context: SandboxContext): TokenState {
  return context.state('lark-tokens', () => ({ tokens: new Map<string, number>() }));
}

/** POST /open-apis/auth/v3/tenant_access_token/internal */
export function issueTenantToken(context: SandboxContext, body: { app_id?: unknown; app_secret?: unknown }) {
  const { appId, appSecret } = context.credentials.lark;
  if (body.app_id !== appId || body.app_secret !== appSecret) {
    return { status: 400, body: { code: 10014, msg: 'app secret invalid' } };
  }
  const token = `t-sandbox-${randomUUID()}`;
  tokenState(context).tokens.set(token, context.now() + context.tokenTtlSeconds * 1000);
  return { status: 200, body: { code: 0, msg: 'ok', tenant_access_token: token, expire: context.tokenTtlSeconds } };
}

/** Sends Lark's 99991663 and returns false unless the request carries a live tenant token. */
export function requireTenantToken(context: SandboxContext, request: FastifyRequest, reply: FastifyReply): boolean {
  const header = request.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  const expires = tokenState(context).tokens.get(token);
  if (expires === undefined || expires <= context.now()) {
    void larkError(reply, 400, 99991663, 'Invalid access token for authorization. Please make a request with token attached.');
    return false;
  }
  return true;
}

export function larkOk(reply: FastifyReply, data: unknown): FastifyReply {
  return reply.header('x-tt-logid', logId()).code(200).send({ code: 0, msg: 'success', data });
}

export function larkError(reply: FastifyReply, httpStatus: number, code: number, msg: string): FastifyReply {
  return reply.header('x-tt-logid', logId()).code(httpStatus).send({ code, msg });
}

/**
 * Enforces a per-API limit (per app, per tenant) and answers an overrun as Lark does: HTTP 429,
 * code 99991400 and the x-ogw-ratelimit headers. Returns false when it answered.
 */
export function larkRateLimit(context: SandboxContext, reply: FastifyReply, api: string, limit: number, perMs: number): boolean {
  if (context.allow(`lark:${api}`, limit, perMs)) return true;
  void reply
    .header('x-ogw-ratelimit-limit', String(limit))
    .header('x-ogw-ratelimit-reset', String(Math.max(1, Math.ceil(perMs / 1000))));
  void larkError(reply, 429, 99991400, 'request trigger frequency limit');
  return false;
}

/** Lark's answer to a page_size above an endpoint's maximum: code 99992402 (field validation failed). */
export type LarkUserIdType = 'open_id' | 'union_id' | 'user_id';

/** The user_id_type / department_id_type of a request, or undefined after answering Lark's validation error. */
export function larkIdTypes(request: FastifyRequest, reply: FastifyReply): { user: LarkUserIdType; department: LarkDepartmentIdType } | undefined {
  const query = request.query as Record<string, string | undefined>;
  const user = query.user_id_type ?? 'open_id';
  const department = query.department_id_type ?? 'open_department_id';
  if (user !== 'open_id' && user !== 'union_id' && user !== 'user_id') {
    void larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: user_id_type must be open_id, union_id or user_id, not ${user}`);
    return undefined;
  }
  if (department !== 'open_department_id' && department !== 'department_id') {
    void larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: department_id_type must be open_department_id or department_id, not ${department}`);
    return undefined;
  }
  return { user, department };
}

/** Lark's "field validation failed". */
export const FIELD_VALIDATION_FAILED = 99992402;

export function checkPageSize(reply: FastifyReply, pageSize: unknown, max: number): number | undefined {
  const size = pageSize === undefined ? Math.min(20, max) : Number(pageSize);
  if (!Number.isInteger(size) || size < 1 || size > max) {
    void larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: page_size must be between 1 and ${max}`);
    return undefined;
  }
  return size;
}

/** Pages over a list with opaque page tokens (offsets, base64url), as Lark's `page_token`. */
export function page<T>(items: T[], pageSize: number, pageToken: unknown): { items: T[]; has_more: boolean; page_token?: string } {
  const offset = typeof pageToken === 'string' && pageToken !== '' ? Number(Buffer.from(pageToken, 'base64url').toString()) || 0 : 0;
  const slice = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return next < items.length
    ? { items: slice, has_more: true, page_token: Buffer.from(String(next)).toString('base64url') }
    : { items: slice, has_more: false };
}

function logId(): string {
  return `sandbox${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

export type LarkDepartmentIdType = 'open_department_id' | 'department_id';

/** Open department ids are the seeded ids with Lark's `od-` prefix, in every Lark fake. */
export function larkDepartmentId(seededId: string, type: LarkDepartmentIdType): string {
  return type === 'department_id' ? seededId : `od-${seededId}`;
}

/** The seeded id behind a department id as a client sent it. */
export function seededDepartmentId(id: string, type: LarkDepartmentIdType): string {
  return type === 'open_department_id' && id.startsWith('od-') ? id.slice(3) : id;
}
