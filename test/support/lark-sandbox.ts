import type { ResolvedConnection } from '../../src/connector-kit/connector.js';
import { DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import type { SandboxSession } from './sandbox-session.js';

export type LarkMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** How the sandbox's Lark fakes answered one request. */
export interface LarkAnswer {
  status: number;
  headers: Record<string, unknown>;
  // Tests reach into `data` by the shape each API documents; typing every one would restate the fakes.
  body: { code: number; msg: string; data?: Record<string, any> };
}

/** A tenant access token the sandbox issues to its default Lark app. */
export async function larkTenantToken(s: Sandbox): Promise<string> {
  const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;
  const response = await s.app.inject({ method: 'POST', url: '/open-apis/auth/v3/tenant_access_token/internal', payload: { app_id: appId, app_secret: appSecret } });
  return (response.json() as { tenant_access_token: string }).tenant_access_token;
}

/**
 * Sends one request to the sandbox as a Lark client would: with `token` as the bearer (none when
 * undefined) and `payload` as JSON, or as the exact body when it is a string.
 */
export async function larkCall(s: Sandbox, token: string | undefined, method: LarkMethod, url: string, payload?: object | string): Promise<LarkAnswer> {
  const response = await s.app.inject({
    method,
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) } : {}),
  });
  return { status: response.statusCode, headers: response.headers, body: response.json() as LarkAnswer['body'] };
}

export interface LarkSandboxSession extends SandboxSession {
  token: string;
  /** `larkCall` with this session's tenant token. */
  call(method: LarkMethod, url: string, payload?: object | string): Promise<LarkAnswer>;
}

/** The session with a tenant token fetched and a caller that carries it. */
export async function withLarkToken(s: SandboxSession): Promise<LarkSandboxSession> {
  const token = await larkTenantToken(s);
  return { ...s, token, call: (method, url, payload) => larkCall(s, token, method, url, payload) };
}

/** The sandbox's default Lark app as a connection of the given connector, served at `baseUrl`. */
export function larkSandboxConnection(connector: string, baseUrl: string): ResolvedConnection {
  const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;
  return { name: 'lark', connector, settings: { baseUrl, appId, appSecret } };
}
