// Regenerates console/src/api/schema.d.ts from the built server (`npm run console:api` builds it first).
import { writeFileSync } from 'node:fs';
import { CONSOLE_API_TYPES_FILE, consoleApiTypes } from '../../dist/src/server/console-api-types.js';

writeFileSync(CONSOLE_API_TYPES_FILE, await consoleApiTypes());
console.log(`wrote ${CONSOLE_API_TYPES_FILE}`);
