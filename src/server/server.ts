import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { App } from '../app/create-app.js';
import { UsageError } from '../errors/index.js';
import { staffwireServer, type StaffwireServerOptions } from './app.js';
import { apiErrorOf, sendApiError } from './plugins/app/errors.js';

export type ServerOptions = Omit<StaffwireServerOptions, 'app'>;

/** A client's own request id is kept when it is a plain token; anything else gets a fresh one. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The server for an app, ready but not listening (tests `inject()` into it): the app's logger
 * with a request id on every line, the configured body limit and request timeout, and a
 * validator that refuses unknown properties instead of dropping them.
 */
export async function buildServer(app: App, options: ServerOptions = {}): Promise<FastifyInstance> {
  const config = app.config.server;
  const fastify = Fastify({
    loggerInstance: app.log,
    genReqId: requestIdOf,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    // A URL fastify cannot route (a bad %-escape) never reaches the error handler: answer it the same way.
    frameworkErrors: (error, request, reply) => sendApiError(apiErrorOf(error), request, reply),
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true } },
  });
  await fastify.register(fp(staffwireServer), { app, ...options });
  await fastify.ready();
  return fastify as unknown as FastifyInstance;
}

export interface RunningServer {
  fastify: FastifyInstance;
  /** Where it listens, as a client on this machine reaches it. */
  url: string;
  /**
   * Stops: takes no new requests, lets those under way finish for up to server.shutdownGraceMs
   * (then closes their connections), then closes the app (runs in flight finish or park where
   * they stand, background work stops, the store closes). Calling it again waits for the first.
   */
  close(): Promise<void>;
}

/** Listens on the configured (or given) port and host; a port in use or a foreign host is a usage error. */
export async function startServer(app: App, listen: { port: number; host: string }, options: ServerOptions = {}): Promise<RunningServer> {
  const fastify = await buildServer(app, options);
  try {
    await fastify.listen({ port: listen.port, host: listen.host });
  } catch (err) {
    await fastify.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${listen.port} on ${listen.host} is in use: stop what holds it, or pass another --port (0 picks a free one)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new UsageError(`--host ${listen.host} is not an address of this machine`);
    if (code === 'EACCES') throw new UsageError(`port ${listen.port} needs privileges this user lacks: pick one above 1023`);
    throw err;
  }
  const address = fastify.server.address() as AddressInfo;
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    fastify,
    url,
    close() {
      closing ??= (async () => {
        const grace = setTimeout(() => {
          app.log.warn({ graceMs: app.config.server.shutdownGraceMs }, 'requests still under way after the grace period; closing their connections');
          fastify.server.closeAllConnections();
        }, app.config.server.shutdownGraceMs);
        try {
          await fastify.close();
        } finally {
          clearTimeout(grace);
        }
        await app.close();
      })();
      return closing;
    },
  };
}

/**
 * Resolves with the first SIGTERM or SIGINT. A second one while the process is stopping ends it
 * at once (exit 130): what runs were doing stays in the store, and any process continues it.
 */
export function stopSignal(log: App['log']): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      process.off('SIGINT', first);
      process.off('SIGTERM', first);
      const again = (second: NodeJS.Signals) => {
        log.warn({ signal: second }, 'stopping at once: runs in flight continue where their last checkpoint stands, in whichever process picks them up');
        log.flush();
        process.exit(130);
      };
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      resolve(signal);
    };
    process.on('SIGINT', first);
    process.on('SIGTERM', first);
  });
}
