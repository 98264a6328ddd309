import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../../../config/config.js';
import { ApiError } from '../../api-error.js';
import { findApiToken } from '../../auth/api-tokens.js';
import { FailedAuthLimiter } from '../../auth/failed-auth-limiter.js';
import { LEAST_ROLE, roleMay, seesPersonalData, type Access, type Role } from '../../auth/roles.js';
import { maskPersonalData } from '../../personal-data.js';

/** Who called: the configured token's name and role. */
export interface Caller {
  name: string;
  role: Role;
  /** As the journal records what the caller did: `api:<token name>`. */
  actor: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | undefined;
  }
  interface FastifyContextConfig {
    /** What the route does, which decides the least role that may call it. */
    access?: Access;
  }
}

const CREATE_TOKEN_HINT = '`staffwire tokens create --name ops --role operator`';

export interface AuthOptions {
  server: Pick<ServerConfig, 'tokens' | 'authFailures'>;
  /** The configuration file named in the hint for a server without tokens. */
  configFile: string | undefined;
  now?: () => number;
}

/**
 * Bearer tokens and roles for the routes of the scope it is registered in: 401 without a token
 * or with one not configured, 403 for a role the route's `access` does not allow, 429 with
 * Retry-After for an address that failed too often. Registered inside the API scope only, so
 * the webhook intake (signed by vendors) and health never see it.
 */
export function registerAuth(fastify: FastifyInstance, options: AuthOptions): void {
  const tokens = options.server.tokens;
  const failures = new FailedAuthLimiter({ ...options.server.authFailures, ...(options.now ? { now: options.now } : {}) });
  const where = options.configFile ? `server.tokens in ${options.configFile}` : 'server.tokens in staffwire.config.json';
  fastify.decorateRequest('caller', undefined);
  fastify.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    // Unknown routes answer 404 whoever asks; a route without `access` is a bug caught by tests.
    if (access === undefined) return;
    const blockedMs = failures.blockedFor(request.ip);
    if (blockedMs > 0) {
      const seconds = Math.ceil(blockedMs / 1000);
      throw new ApiError(429, 'auth.too_many_failures', `too many failed authentications from ${request.ip}: try again in ${seconds} s`, { retryAfterSeconds: seconds }, { 'retry-after': String(seconds) });
    }
    if (tokens.length === 0) {
      throw unauthorized('auth.no_tokens', `this server has no API tokens configured: create one with ${CREATE_TOKEN_HINT} and add the entry it prints to ${where}, then restart \`staffwire serve\``);
    }
    const token = bearerToken(request);
    if (token === undefined) {
      throw unauthorized('auth.missing_token', 'send an API token as `Authorization: Bearer <token>`; an administrator creates one with ' + CREATE_TOKEN_HINT);
    }
    const found = findApiToken(token, tokens);
    if (!found) {
      failures.recordFailure(request.ip);
      throw unauthorized('auth.invalid_token', 'the API token is not one this server knows (revoked, mistyped, or from another server)');
    }
    request.caller = { name: found.name, role: found.role, actor: `api:${found.name}` };
    if (!roleMay(found.role, access)) {
      const needed = LEAST_ROLE[access];
      throw new ApiError(403, 'auth.forbidden', `token "${found.name}" has role ${found.role}, which may not do this: it needs ${needed}${needed === 'admin' ? '' : ' or admin'}`, {
        role: found.role,
        needed,
      });
    }
  });
}

function unauthorized(code: string, message: string): ApiError {
  return new ApiError(401, code, message, {}, { 'www-authenticate': 'Bearer realm="staffwire"' });
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Whether the caller sees personal data whole (operators and admins) or masked (viewers). */
export function callerSeesPersonalData(request: FastifyRequest): boolean {
  return request.caller !== undefined && seesPersonalData(request.caller.role);
}

/** The caller's view of run, schedule and event data: personal fields masked for viewers. */
export function forCaller<T>(request: FastifyRequest, value: T): T {
  return callerSeesPersonalData(request) ? value : maskPersonalData(value);
}

/** The actor the journal records for what this request does. */
export function actorOf(request: FastifyRequest): string {
  return request.caller?.actor ?? 'api';
}
