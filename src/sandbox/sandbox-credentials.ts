import type { SandboxCredentials } from './sandbox-context.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from './sandbox-server.js';

/** `lark.appSecret` → `STAFFWIRE_SANDBOX_LARK_APP_SECRET`. */
export function credentialEnvName(vendor: string, key: string): string {
  return `STAFFWIRE_SANDBOX_${vendor}_${key.replace(/[A-Z]/g, (letter) => `_${letter}`)}`.toUpperCase();
}

/** The default credentials, each overridable by its environment variable. */
export function sandboxCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxCredentials {
  const override = <T extends Record<string, string>>(vendor: string, defaults: T): T =>
    Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, env[credentialEnvName(vendor, key)] || value])) as T;
  return {
    lark: override('lark', DEFAULT_SANDBOX_CREDENTIALS.lark),
    docusign: override('docusign', DEFAULT_SANDBOX_CREDENTIALS.docusign),
  };
}
