import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp } from '../app/create-app.js';
import { loadConfig } from '../config/config.js';
import { packageRoot } from '../package-root.js';
import { buildServer } from './server.js';

/** The console's API types, generated from the OpenAPI document and committed (test/console/api-types.test.ts keeps them current). */
export const CONSOLE_API_TYPES_FILE = join(packageRoot, 'console', 'src', 'api', 'schema.d.ts');

/** The server's OpenAPI document, from a server built on an empty data folder and never listening. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'staffwire-openapi-'));
  try {
    const app = await createApp(loadConfig(undefined, { STAFFWIRE_DATA_DIR: dir }, dir), { log: pino({ level: 'silent' }) });
    try {
      const server = await buildServer(app);
      const document = server.swagger() as unknown as Record<string, unknown>;
      await server.close();
      return document;
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * console/src/api/schema.d.ts as openapi-typescript writes it from the document. openapi-typescript
 * is a development dependency, loaded only here: nothing that serves requests imports this.
 */
export async function consoleApiTypes(): Promise<string> {
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  const ast = await openapiTS(JSON.parse(JSON.stringify(await openApiDocument())) as Parameters<typeof openapiTS>[0]);
  return `/** Generated from the server's OpenAPI document by \`npm run console:api\`: do not edit. */\n\n${astToString(ast)}`;
}
