import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../../../config/config.js';
import { ApiError } from '../../api-error.js';
import { findApiToken } from '../../auth/api-tokens.js';
import { csrfMatches, CSRF_HEADER, SESSION_COOKIE, type ConsoleSession, type ConsoleSessions } from '../../auth/console-sessions.js';
import type { FailedAuthLimiter } from '../../auth/failed-auth-limiter.js';
import { LEAST_ROLE, roleMay, seesPersonalData, type Access, type Role } from '../../auth/roles.js';
import { maskPersonalData } from '../../personal-data.js';

/** Who called: the configured token's name and role. */
export interface Caller {
  name: string;
  role: Role;
  /** As the journal records what the caller did: `api:<token name>`. */
  actor: string;
  /** The console session the request came with, when it came with the cookie rather than a bearer token. */
  session?: { id: string } & ConsoleSession;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | undefined;
  }
  interface FastifyContextConfig {
    /** What the route does, which decides the least role that may call it. */
    access?: Access;
    /** Signing in: the route checks the token it is sent itself (failures counted as any other). */
    signIn?: boolean;
  }
}

const CREATE_TOKEN_HINT = '`staffwire tokens create --name ops --role operator`';

export interface AuthOptions {
  server: Pick<ServerConfig, 'tokens'>;
  /** The configuration file named in the hint for a server without tokens. */
  configFile: string | undefined;
  failures: FailedAuthLimiter;
  sessions: ConsoleSessions;
}

/** Methods that change something: with the session cookie they must repeat the CSRF token. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Bearer tokens, console sessions and roles for the routes of the scope it is registered in: 401
 * without a token or session or with one not configured, 403 for a role the route's `access` does
 * not allow or a state-changing request with the cookie but without its CSRF token, 429 with
 * Retry-After for an address that failed too often. Registered inside the API scope only, so
 * the webhook intake (signed by vendors) and health never see it.
 */
export function registerAuth(fastify: FastifyInstance, options: AuthOptions): void {
  const { failures, sessions } = options;
  const tokens = options.server.tokens;
  const where = options.configFile ? `server.tokens in ${options.configFile}` : 'server.tokens in staffwire.config.json';
  fastify.decorateRequest('caller', undefined);
  fastify.addHook('onRequest', async (request) => {
    const { access, signIn } = request.routeOptions.config ?? {};
    // Unknown routes answer 404 whoever asks; a route without `access` is a bug caught by tests.
    if (access === undefined && !signIn) return;
    const blockedMs = failures.blockedFor(request.ip);
    if (blockedMs > 0) {
      const seconds = Math.ceil(blockedMs / 1000);
      throw new ApiError(429, 'auth.too_many_failures', `too many failed authentications from ${request.ip}: try again in ${seconds} s`, { retryAfterSeconds: seconds }, { 'retry-after': String(seconds) });
    }
    if (tokens.length === 0) {
      throw unauthorized('auth.no_tokens', `this server has no API tokens configured: create one with ${CREATE_TOKEN_HINT} and add the entry it prints to ${where}, then restart \`staffwire serve\``);
    }
    if (signIn || access === undefined) return;
    const found = await callerOf(request);
    request.caller = found;
    if (!roleMay(found.role, access)) {
      const needed = LEAST_ROLE[access];
      throw new ApiError(403, 'auth.forbidden', `token "${found.name}" has role ${found.role}, which may not do this: it needs ${needed}${needed === 'admin' ? '' : ' or admin'}`, {
        role: found.role,
        needed,
      });
    }
  });

  /** Who sent the request: by its bearer token, else by its session cookie. */
  async function callerOf(request: FastifyRequest): Promise<Caller> {
    const token = bearerToken(request);
    if (token !== undefined) {
      const found = findApiToken(token, tokens);
      if (!found) {
        failures.recordFailure(request.ip);
        throw unauthorized('auth.invalid_token', 'the API token is not one this server knows (revoked, mistyped, or from another server)');
      }
      return { name: found.name, role: found.role, actor: `api:${found.name}` };
    }
    const sessionId = request.cookies[SESSION_COOKIE];
    if (sessionId === undefined) {
      throw unauthorized('auth.missing_token', 'send an API token as `Authorization: Bearer <token>`; an administrator creates one with ' + CREATE_TOKEN_HINT);
    }
    // A 256-bit random id cannot be guessed, so an ended session is not counted as a failed
    // authentication: a console left open over its expiry would otherwise lock its address out.
    const session = await sessions.find(sessionId, tokens);
    if (!session) throw unauthorized('auth.session_ended', 'the console session has ended (signed out, expired, or its token was removed): sign in again');
    if (STATE_CHANGING.has(request.method) && !csrfMatches(session, request.headers[CSRF_HEADER])) {
      throw new ApiError(403, 'auth.csrf', `a ${request.method} with the session cookie must repeat the session's CSRF token in the ${CSRF_HEADER} header (GET /api/v1/session gives it)`, {
        header: CSRF_HEADER,
      });
    }
    return { name: session.token.name, role: session.token.role, actor: `api:${session.token.name}`, session: { id: sessionId, ...session } };
  }
}

export function unauthorized(code: string, message: string): ApiError {
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
