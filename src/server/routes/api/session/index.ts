import type { FastifyPluginAsync } from 'fastify';
import type { ServerConfig } from '../../../../config/config.js';
import { findApiToken } from '../../../auth/api-tokens.js';
import { SESSION_COOKIE, type ConsoleSessions } from '../../../auth/console-sessions.js';
import type { FailedAuthLimiter } from '../../../auth/failed-auth-limiter.js';
import { unauthorized } from '../../../plugins/app/auth.js';
import { apiRoute, errorResponses } from '../../../schemas/responses.js';

export interface SessionRoutesOptions {
  server: Pick<ServerConfig, 'tokens' | 'sessionTtlMs'>;
  sessions: ConsoleSessions;
  failures: FailedAuthLimiter;
}

const tags = ['session'];

const sessionSchema = {
  type: 'object',
  required: ['name', 'role'],
  properties: {
    name: { type: 'string', description: "The token's name: the journal records what the session does as `api:<name>`." },
    role: { enum: ['viewer', 'operator', 'admin'] },
    csrfToken: { type: 'string', description: 'Repeat it in the x-csrf-token header of every POST, PUT, PATCH and DELETE made with the session cookie. Absent when the request came with a bearer token.' },
    expiresAt: { type: 'string', format: 'date-time', description: 'When the session ends; absent for a bearer token.' },
  },
} as const;

/**
 * The console's sign-in: a token exchanged for an HttpOnly, SameSite=Strict session cookie, so no
 * script in the page ever holds the token or the session; who the session is; signing out.
 */
export const sessionRoutes: FastifyPluginAsync<SessionRoutesOptions> = async (fastify, { server, sessions, failures }) => {
  fastify.post<{ Body: { token?: string } | undefined }>(
    '/session',
    {
      config: { signIn: true },
      // No body is a sign-in without a token: a 401 that says what to send, as for the other routes.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags,
        summary: 'Sign in',
        description:
          'Exchanges an API token for a session: sets the HttpOnly, SameSite=Strict cookie `staffwire_session` (Secure over https) lasting server.sessionTtlMs, and answers who it is with the CSRF token. A wrong token counts as a failed authentication.',
        body: { type: 'object', additionalProperties: false, properties: { token: { type: 'string', minLength: 1, maxLength: 500 } } },
        security: [],
        response: { 200: sessionSchema, ...errorResponses(400, 401, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const token = request.body?.token;
      if (token === undefined) throw unauthorized('auth.missing_token', 'send the API token to sign in with as `{ "token": "sw_…" }`');
      const found = findApiToken(token, server.tokens);
      if (!found) {
        failures.recordFailure(request.ip);
        throw unauthorized('auth.invalid_token', 'the API token is not one this server knows (revoked, mistyped, or from another server)');
      }
      const { id, session } = await sessions.create(found);
      request.log.info({ token: found.name }, 'console session started');
      return reply
        .setCookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', path: '/', secure: request.protocol === 'https', maxAge: Math.floor(server.sessionTtlMs / 1000) })
        .send({ name: found.name, role: found.role, csrfToken: session.csrfToken, expiresAt: session.expiresAt });
    },
  );

  fastify.get(
    '/session',
    apiRoute('read', { tags, summary: 'Who am I', description: 'The name and role of the token or session the request came with; for a session, its CSRF token and end.', response: { 200: sessionSchema } }),
    async (request) => {
      const caller = request.caller!;
      return { name: caller.name, role: caller.role, ...(caller.session ? { csrfToken: caller.session.csrfToken, expiresAt: caller.session.expiresAt } : {}) };
    },
  );

  fastify.delete(
    '/session',
    apiRoute('read', {
      tags,
      summary: 'Sign out',
      description: 'Ends the session in the store (every server sharing it forgets it at once) and clears the cookie. With a bearer token there is no session: nothing changes.',
      response: {
        200: { type: 'object', required: ['ended'], properties: { ended: { type: 'boolean', description: 'Whether a session was ended (false for a bearer token).' } } },
      },
    }),
    async (request, reply) => {
      const session = request.caller!.session;
      if (session) await sessions.end(session.id);
      return reply.clearCookie(SESSION_COOKIE, { path: '/' }).send({ ended: session !== undefined });
    },
  );
};
