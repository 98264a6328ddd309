import type { ActionContext } from '../../src/connector-kit/connector.js';
import { InputError } from '../../src/errors/index.js';
import { LarkClient } from './lark-client.js';

/** A Lark connection's settings, as every lark-* manifest declares them. */
export interface LarkSettings {
  baseUrl?: string;
  appId: string;
  appSecret: string;
  timeoutMs?: number;
  requestsPerSecond?: number;
}

export const DEFAULT_LARK_BASE_URL = 'https://open.feishu.cn';

/** One client per app and base URL, so the tenant token is shared by every Lark connector. */
const clients = new Map<string, LarkClient>();

export function larkClient(context: ActionContext): LarkClient {
  const connection = context.connection;
  if (!connection) throw new InputError('a Lark action needs a connection with appId and appSecret', 'lark.no_connection');
  const settings = connection.settings as unknown as LarkSettings;
  const baseUrl = settings.baseUrl ?? DEFAULT_LARK_BASE_URL;
  const key = `${baseUrl}\u0000${settings.appId}\u0000${settings.appSecret}\u0000${settings.requestsPerSecond ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    client = new LarkClient({
      baseUrl,
      appId: settings.appId,
      appSecret: settings.appSecret,
      ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
      ...(settings.requestsPerSecond ? { requestsPerSecond: settings.requestsPerSecond } : {}),
      log: context.log,
    });
    clients.set(key, client);
  }
  return client;
}
