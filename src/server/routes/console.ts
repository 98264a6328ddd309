import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { packageRoot } from '../../package-root.js';

/** Where `npm run build:console` (run by `npm ci`) writes the console. */
export const CONSOLE_DIR = join(packageRoot, 'dist', 'console');

/**
 * The console's own addresses, each answered with its one page (the console draws the page the
 * address names). Listed rather than caught by a wildcard, so an unknown /api or /webhooks
 * address stays a JSON 404.
 */
export const CONSOLE_PAGES = ['/', '/sign-in', '/flows', '/runs', '/runs/:id', '/schedules', '/deliveries', '/connections'] as const;

const NOT_BUILT = `The Staffwire console is not built, so there is nothing to show here.
Build it with \`npm run build:console\` (\`npm ci\` does it), then restart \`staffwire serve\`.
The REST API (/api/v1) and its documentation (/docs) work without it.
`;

export interface ConsoleRoutesOptions {
  dir: string;
}

/**
 * The built console as static files: hashed `/assets/*` cached for a year (a new build has new
 * names), the page itself never cached, so a deployment is picked up at the next load.
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (fastify, { dir }) => {
  if (!existsSync(join(dir, 'index.html'))) {
    for (const page of CONSOLE_PAGES) {
      fastify.get(page, { schema: { hide: true } }, async (_request, reply) => reply.code(503).type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT));
    }
    return;
  }
  await fastify.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    // Routes for the files there are at start-up, not a wildcard that would answer every unknown address.
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader('cache-control', path.startsWith(join(dir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  for (const page of CONSOLE_PAGES) {
    fastify.get(page, { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
  }
};
