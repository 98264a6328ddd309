import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { startCli, watchCli, type CliResult, type WatchedCli } from './cli.js';
import { dropSchema, freshSchema, TEST_DATABASE_URL } from './postgres.js';
import { dropPrefix, testPrefix } from './redis-prefix.js';
import { apiToken, ServeProcesses, type ServeProcess } from './serve-process.js';
import { waitFor } from './wait-for.js';

/** A port on loopback nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A `redis-server` of the test's own on a loopback port, persisting nothing (`--save ""
 * --appendonly no`): killing it and starting it again on the same port is Redis restarted empty,
 * which a test must never do to the Redis other tests share.
 */
export class OwnRedis {
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), mkdtempSync(join(tmpdir(), 'staffwire-redis-')));
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a new, empty redis-server on the same port (killing the running one first) and resolves once it accepts connections. */
  async restart(): Promise<void> {
    await this.kill();
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let ended = false;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    this.child = child;
    this.exited = new Promise((resolve) => child.on('close', resolve)).then(() => (ended = true));
    await waitFor(() => ended || output.includes('Ready to accept connections'), `redis-server to listen on port ${this.port}`);
    if (ended) throw new Error(`redis-server on port ${this.port} exited before accepting connections:\n${output}`);
  }

  /** SIGKILLs the running redis-server, if any, and resolves once it has exited: everything it held is gone. */
  async kill(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A `staffwire worker` child process that said it is executing runs. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  readonly exited: Promise<CliResult>;
}

/** A flow definition as written to its file. */
export type FlowFile = { id: string } & Record<string, unknown>;

export interface QueueDeploymentOptions {
  /** Names the folder and the Redis key prefix. */
  name: string;
  flows: FlowFile[];
  /** Connections as staffwire.config.json spells them. */
  connections: Record<string, unknown>;
  /** Environment variables the connections' secrets are read from. */
  secrets?: Record<string, string>;
  /** The test's own redis-server, or the URL of a Redis shared with other tests (the prefix is deleted from it at close). */
  redis: OwnRedis | string;
}

/**
 * A queue-mode deployment of real processes — `staffwire serve` and `staffwire worker` children
 * of bin/staffwire.js — on a PostgreSQL schema and a Redis key prefix of their own, with an
 * operator token for the API. The test reads what happened from the store (`store()`). `close`
 * SIGKILLs every process still running and drops the schema (and the prefix from a shared Redis),
 * so call it from afterEach/afterAll whether the test passed or not.
 */
export class QueueDeployment {
  readonly dir: string;
  readonly config: string;
  readonly schema = freshSchema();
  readonly prefix: string;
  readonly operator = apiToken('ops', 'operator');
  private readonly serves = new ServeProcesses();
  private readonly workers = new Set<WorkerProcess>();
  private readonly env: NodeJS.ProcessEnv;
  private opened: PostgresStore | undefined;

  constructor(private readonly options: QueueDeploymentOptions) {
    this.dir = mkdtempSync(join(tmpdir(), `staffwire-${options.name}-`));
    this.prefix = testPrefix(options.name);
    this.config = join(this.dir, 'staffwire.config.json');
    const redisUrl = typeof options.redis === 'string' ? options.redis : options.redis.url;
    mkdirSync(join(this.dir, 'flows'));
    for (const flow of options.flows) writeFileSync(join(this.dir, 'flows', `${flow.id}.json`), JSON.stringify(flow));
    writeFileSync(
      this.config,
      JSON.stringify({
        dataDir: 'data',
        store: { url: TEST_DATABASE_URL, schema: this.schema, poolSize: 4 },
        flowDirs: ['flows'],
        connections: options.connections,
        // A sweep every half second: what Redis lost is back with the workers within the test's patience.
        queue: { redisUrl, prefix: this.prefix, sweepMs: 500, stalledIntervalMs: 1000 },
        server: { tokens: [this.operator.entry] },
      }),
    );
    // The environment wins over the file: whatever the test runner's own says, the children use this deployment's.
    this.env = { ...options.secrets, REDIS_URL: redisUrl, STAFFWIRE_DATABASE_URL: TEST_DATABASE_URL, STAFFWIRE_QUEUE_PREFIX: this.prefix, STAFFWIRE_LOG_LEVEL: 'warn' };
  }

  /** A `staffwire serve` on this deployment (with extra arguments such as `--with-worker`), listening. */
  serve(args: string[] = []): Promise<ServeProcess> {
    return this.serves.start(['--config', this.config, ...args], { env: this.env });
  }

  /** A `staffwire worker`, started. */
  async worker(concurrency = 8): Promise<WorkerProcess> {
    const started = startWorker(this.config, concurrency, this.env);
    const { child, output, exited } = started.watched;
    const worker: WorkerProcess = { child, output, exited };
    this.workers.add(worker);
    void exited.then(() => this.workers.delete(worker));
    await started.ready;
    return worker;
  }

  /** Calls serve's API with the operator's token. */
  async api(serve: ServeProcess, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${serve.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.operator.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** The deployment's store, opened by the test to read what the processes did; open it once a serve has migrated the schema. */
  async store(): Promise<PostgresStore> {
    this.opened ??= await PostgresStore.open({ url: TEST_DATABASE_URL, schema: this.schema, poolSize: 2 });
    return this.opened;
  }

  /** SIGKILLs every serve and worker still running and resolves once each has exited. */
  async killAll(): Promise<void> {
    await Promise.all([
      this.serves.killAll(),
      ...[...this.workers].map((worker) => {
        worker.child.kill('SIGKILL');
        return worker.exited;
      }),
    ]);
  }

  async close(): Promise<void> {
    await this.killAll();
    try {
      await this.opened?.close();
      await dropSchema(this.schema);
      // An own redis-server holds nothing once the test kills it; a shared one keeps what is not deleted.
      if (typeof this.options.redis === 'string') await dropPrefix(this.prefix, this.options.redis);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/**
 * A `staffwire worker` process: `ready` resolves once it says it executes runs, or rejects with
 * what it printed when it exits first. The process is `watched` from the start, so a caller can
 * register it for cleanup before it is ready.
 */
export function startWorker(config: string, concurrency: number, env: NodeJS.ProcessEnv): { watched: WatchedCli; ready: Promise<void> } {
  const watched = watchCli(startCli(['worker', '--config', config, '--concurrency', String(concurrency)], { env }));
  const ready = (async () => {
    await waitFor(() => watched.ended() !== undefined || watched.output().stdout.includes('staffwire worker executing runs'), 'a worker process to start');
    const end = watched.ended();
    if (end) throw new Error(`staffwire worker exited (${end.code ?? end.signal}) before starting:\n${watched.output().stdout}${watched.output().stderr}`);
  })();
  return { watched, ready };
}
