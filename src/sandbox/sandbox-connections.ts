import type { SandboxCredentials } from './sandbox-context.js';

/**
 * Connections pointing at a sandbox served at `baseUrl`, as staffwire.config.json spells them,
 * and the environment variables their secrets are read from: one `lark` connection serving every
 * lark-* connector (with its webhook verification), and `docusign`. `connectorIds` are the
 * installed connectors; a vendor none of them serves gets no connection.
 */
export function sandboxConnections(baseUrl: string, credentials: SandboxCredentials, connectorIds: readonly string[]) {
  const connections: Record<string, Record<string, unknown>> = {};
  const secrets: Record<string, string> = {};
  const lark = connectorIds.find((connectorId) => connectorId.startsWith('lark-'));
  if (lark) {
    connections.lark = {
      connector: lark,
      baseUrl,
      appId: credentials.lark.appId,
      appSecret: { env: 'LARK_APP_SECRET' },
      webhook: { verificationToken: { env: 'LARK_VERIFICATION_TOKEN' }, encryptKey: { env: 'LARK_ENCRYPT_KEY' } },
    };
    Object.assign(secrets, {
      LARK_APP_SECRET: credentials.lark.appSecret,
      LARK_VERIFICATION_TOKEN: credentials.lark.verificationToken,
      LARK_ENCRYPT_KEY: credentials.lark.encryptKey,
    });
  }
  if (connectorIds.includes('docusign')) {
    connections.docusign = {
      connector: 'docusign',
      baseUri: baseUrl,
      accountId: credentials.docusign.accountId,
      accessToken: { env: 'DOCUSIGN_ACCESS_TOKEN' },
      connectSecrets: [{ env: 'DOCUSIGN_CONNECT_SECRET' }],
    };
    Object.assign(secrets, { DOCUSIGN_ACCESS_TOKEN: credentials.docusign.accessToken, DOCUSIGN_CONNECT_SECRET: credentials.docusign.connectSecret });
  }
  return { connections, secrets };
}
