import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createApp, type App } from '../app/create-app.js';
import { loadConfig } from '../config/config.js';
import { discoverConnectors } from '../connector-kit/registry.js';
import { makeFolder } from '../fs/make-folder.js';
import { packageRoot } from '../package-root.js';
import { sandboxConnections } from '../sandbox/sandbox-connections.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../sandbox/sandbox-server.js';
import { seedCompany } from '../sandbox/seed-company.js';
import { newApiToken, tokenSha256 } from '../server/auth/api-tokens.js';
import { startServer, type RunningServer } from '../server/server.js';
import type { StepRecord } from '../store/records.js';

/** Employees of the demo's company: enough for a real sync, few enough to start in a second. */
export const DEMO_EMPLOYEES = 312;

export interface DemoEnvironment {
  sandbox: Sandbox;
  sandboxUrl: string;
  app: App;
  server: RunningServer;
  /** The configuration file the demo wrote, for `staffwire … --config` from another terminal. */
  configFile: string;
  /** An operator token for the API, made for this demo. */
  token: string;
  close(): Promise<void>;
}

/**
 * The sandbox (a seeded company) and an embedded `serve` whose connections point at it, on free
 * loopback ports, with a configuration and a data folder of their own under `dataDir`: what
 * `staffwire demo` tells its story against. Webhooks the sandbox's fakes cause go to serve's
 * intake, signed and encrypted as the vendors do.
 */
export async function startDemoEnvironment(dataDir: string, options: { log: Logger; onCheckpoint: (step: StepRecord) => void; now?: () => number }): Promise<DemoEnvironment> {
  const sandbox = await createSandbox({ company: seedCompany({ employees: DEMO_EMPLOYEES }), ...(options.now ? { now: options.now } : {}) });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  const sandboxUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  try {
    const ids = (await discoverConnectors()).list().map((manifest) => manifest.id);
    const { connections, secrets } = sandboxConnections(sandboxUrl, DEFAULT_SANDBOX_CREDENTIALS, ids);
    // The configuration reads its secrets from the environment, as a real one does.
    for (const [name, value] of Object.entries(secrets)) process.env[name] ??= value;
    const token = newApiToken();
    makeFolder(dataDir);
    const configFile = join(dataDir, 'staffwire.config.json');
    writeFileSync(
      configFile,
      `${JSON.stringify(
        {
          dataDir: '.',
          flowDirs: [join(packageRoot, 'flows')],
          connections,
          server: { port: 0, host: '127.0.0.1', tokens: [{ name: 'demo', role: 'operator', sha256: tokenSha256(token) }] },
        },
        null,
        2,
      )}\n`,
    );
    const config = loadConfig(configFile);
    const app = await createApp(config, { log: options.log, onCheckpoint: options.onCheckpoint });
    const server = await startServer(app, { port: 0, host: '127.0.0.1' });
    await app.start();
    return {
      sandbox,
      sandboxUrl,
      app,
      server,
      configFile,
      token,
      async close() {
        await server.close();
        await sandbox.app.close();
      },
    };
  } catch (err) {
    await sandbox.app.close();
    throw err;
  }
}
