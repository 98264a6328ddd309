import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSOLE_API_TYPES_FILE, consoleApiTypes } from '../../src/server/console-api-types.js';

describe('console/src/api/schema.d.ts', () => {
  it('is what openapi-typescript makes of the server’s OpenAPI document now (else run `npm run console:api`)', async () => {
    expect(readFileSync(CONSOLE_API_TYPES_FILE, 'utf8') === (await consoleApiTypes()), 'the API changed: run `npm run console:api` and commit console/src/api/schema.d.ts').toBe(true);
  });
});
