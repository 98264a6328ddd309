import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxModule } from '../../src/sandbox/sandbox-context.js';
import { issueTenantToken, larkError, tokenState } from './lark-sandbox.js';
import { encryptLark, LARK_NONCE_HEADER, LARK_SIGNATURE_HEADER, LARK_TIMESTAMP_HEADER, larkSignature } from './lark-webhook.js';

/** The parts of Lark every Lark product fake relies on: tenant token issuance and event pushes. */
const sandbox: SandboxModule = {
  register(app, context) {
    app.post('/open-apis/auth/v3/tenant_access_token/internal', async (request, reply) => {
      const { status, body } = issueTenantToken(context, (request.body ?? {}) as Record<string, unknown>);
      return reply.code(status).send(body);
    });
  },

  state: tokenState,

  // Lark answers `{code, msg}` whatever the status; an observed 500 body is {"code":121001,"msg":"internal error"}.
  faults: {
    pathPrefix: '/open-apis/',
    exemptPaths: ['/open-apis/auth/v3/tenant_access_token/internal', '/open-apis/auth/v3/app_access_token/internal'],
    serverError: (reply) => larkError(reply, 500, 121001, 'internal error'),
    rateLimited: (reply) =>
      larkError(reply.header('x-ogw-ratelimit-limit', '50').header('x-ogw-ratelimit-reset', '1'), 429, 99991400, 'request trigger frequency limit'),
  },

  /** A schema 2.0 push, encrypted with the Encrypt Key and signed with a fresh timestamp and nonce, as Lark sends it. */
  delivery(context, { type, payload, id }) {
    const { appId, verificationToken, encryptKey, tenantKey } = context.credentials.lark;
    const now = context.now();
    const event = {
      schema: '2.0',
      header: {
        event_id: id ?? randomUUID().replaceAll('-', ''),
        event_type: type,
        create_time: String(now),
        token: verificationToken,
        app_id: appId,
        tenant_key: tenantKey,
      },
      event: payload,
    };
    const body = JSON.stringify({ encrypt: encryptLark(encryptKey, JSON.stringify(event)) });
    const timestamp = String(Math.floor(now / 1000));
    const nonce = randomBytes(8).toString('hex');
    return {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        [LARK_TIMESTAMP_HEADER]: timestamp,
        [LARK_NONCE_HEADER]: nonce,
        [LARK_SIGNATURE_HEADER]: larkSignature(timestamp, nonce, encryptKey, body),
      },
      body,
    };
  },
};

export default sandbox;
