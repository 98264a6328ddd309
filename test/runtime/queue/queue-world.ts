import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp, type App, type ProcessRole } from '../../../src/app/create-app.js';
import { loadConfig } from '../../../src/config/config.js';
import type { FlowDefinition } from '../../../src/engine/flow-types.js';
import type { ChildProcess } from 'node:child_process';
import type { CliResult } from '../../support/cli.js';
import { CountingServer } from '../../support/counting-server.js';
import { startWorker } from '../../support/queue-processes.js';
import { dropSchema, freshSchema, TEST_DATABASE_URL } from '../../support/postgres.js';
import { dropPrefix, TEST_REDIS_URL, testPrefix } from '../../support/redis-prefix.js';

/**
 * Queue mode in one test process: any number of apps (a `serve`, workers) on one PostgreSQL
 * schema and one Redis key prefix of their own, calling a counting server through the `http`
 * connector as `svc`.
 */
export class QueueWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'staffwire-queue-'));
  readonly prefix = testPrefix('queue');
  readonly schema = freshSchema();
  readonly server = new CountingServer();
  private readonly apps: App[] = [];
  private configFile = '';

  /** Environment the apps and worker processes read connection secrets from. */
  env: NodeJS.ProcessEnv = {};
  private readonly workers = new Set<ChildProcess>();

  async start(flows: FlowDefinition[], queue: Record<string, unknown> = {}, extra: { connections?: Record<string, unknown>; secrets?: Record<string, string> } = {}): Promise<void> {
    this.env = { ...(extra.secrets ?? {}) };
    const url = await this.server.start();
    mkdirSync(join(this.dir, 'flows'));
    for (const flow of flows) writeFileSync(join(this.dir, 'flows', `${flow.id}.json`), JSON.stringify(flow));
    this.configFile = join(this.dir, 'staffwire.config.json');
    writeFileSync(
      this.configFile,
      JSON.stringify({
        dataDir: 'data',
        store: { url: TEST_DATABASE_URL, schema: this.schema },
        flowDirs: ['flows'],
        connections: { svc: { connector: 'http', baseUrl: url }, ...extra.connections },
        queue: { redisUrl: TEST_REDIS_URL, prefix: this.prefix, sweepMs: 200, stalledIntervalMs: 1000, ...queue },
      }),
    );
  }

  /** One process of the deployment, started. */
  async boot(role: ProcessRole, workerConcurrency = 4): Promise<App> {
    const config = loadConfig(this.configFile, {});
    Object.assign(process.env, this.env);
    const app = await createApp(config, { log: pino({ level: 'silent' }), role, workerConcurrency });
    this.apps.push(app);
    await app.start();
    return app;
  }

  /** A `staffwire worker` child process on this deployment; resolves once it said it is executing runs. */
  async spawnWorker(concurrency = 16): Promise<{ child: ChildProcess; exited: Promise<CliResult> }> {
    const { watched, ready } = startWorker(this.configFile, concurrency, { ...this.env, STAFFWIRE_LOG_LEVEL: 'warn' });
    this.workers.add(watched.child);
    await ready;
    return { child: watched.child, exited: watched.exited };
  }

  async stop(app: App): Promise<void> {
    this.apps.splice(this.apps.indexOf(app), 1);
    await app.close();
  }

  async close(): Promise<void> {
    for (const child of this.workers) child.kill('SIGKILL');
    this.workers.clear();
    for (const app of this.apps.splice(0).reverse()) await app.close();
    await this.server.stop();
    await dropPrefix(this.prefix);
    await dropSchema(this.schema);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
