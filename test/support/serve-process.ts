import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { tokenSha256 } from '../../src/server/auth/api-tokens.js';
import { runCli, startCli, watchCli, type CliResult } from './cli.js';
import { CountingServer } from './counting-server.js';
import { waitFor } from './wait-for.js';

/** A `staffwire serve` child process, listening. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** The URL it printed: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when it has exited. */
  readonly exited: Promise<CliResult>;
  /** Sends `signal` (SIGTERM unless told) and resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

/**
 * The `staffwire serve` processes a test suite starts: `start` waits until one prints where it
 * listens (or fails with what it printed when it exits first); `killAll` SIGKILLs every one still
 * running and waits for each to exit. Call `killAll` from afterEach (or afterAll).
 */
export class ServeProcesses {
  private readonly running = new Set<ServeProcess>();

  async start(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<ServeProcess> {
    const { child, output, exited, ended } = watchCli(startCli(['serve', '--port', '0', ...args], options));
    const serve: ServeProcess = {
      child,
      url: '',
      output,
      exited,
      stop: (signal = 'SIGTERM') => {
        if (!ended()) child.kill(signal);
        return exited;
      },
    };
    this.running.add(serve);
    void exited.then(() => this.running.delete(serve));
    await waitFor(() => ended() !== undefined || /^staffwire serving on \S+$/m.test(output().stdout), 'staffwire serve to print where it listens');
    const end = ended();
    if (end) throw new Error(`staffwire serve exited (${end.code ?? end.signal}) before listening:\n${output().stdout}${output().stderr}`);
    return Object.assign(serve, { url: /^staffwire serving on (\S+)$/m.exec(output().stdout)![1]! });
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.running].map((serve) => serve.stop('SIGKILL')));
  }
}

/** A fresh API token and the `server.tokens` entry that holds its hash. */
export function apiToken(name: string, role: 'viewer' | 'operator' | 'admin') {
  const token = `sw_${randomBytes(32).toString('base64url')}`;
  return { token, entry: { name, role, sha256: tokenSha256(token) } };
}

/**
 * One `staffwire serve` for a whole test file (started in beforeAll, killed in afterAll) on a
 * fresh folder: a configuration with an operator and a viewer token and a connection `svc` to a
 * CountingServer, the given flows, and ways to run the CLI on the local store or through the server.
 */
export interface ServedWorkspace {
  readonly dir: string;
  readonly config: string;
  readonly database: string;
  readonly vendor: CountingServer;
  readonly serve: ServeProcess;
  readonly operator: ReturnType<typeof apiToken>;
  readonly viewer: ReturnType<typeof apiToken>;
  /** Writes a flow file into the flow folder. */
  flow(definition: FlowFile): void;
  /** The CLI on the local store, as the configuration names it. */
  local(args: string[]): Promise<CliResult>;
  /** The CLI with --server and --token (the operator's unless given), from a folder with no configuration or store. */
  remote(args: string[], token?: string): Promise<CliResult>;
  /** The CLI with STAFFWIRE_SERVER (and the environment given; the operator's STAFFWIRE_TOKEN unless told), from that folder. */
  remoteByEnv(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** Runs a flow on the local store: what it printed and the run id it printed. */
  runLocally(flowId: string): Promise<{ result: CliResult; runId: string }>;
}

/** A flow definition as written to its file. */
type FlowFile = { id: string } & Record<string, unknown>;

export function useServedWorkspace(prefix: string, flows: FlowFile[] = []): ServedWorkspace {
  const serves = new ServeProcesses();
  const vendor = new CountingServer();
  const operator = apiToken('ops', 'operator');
  const viewer = apiToken('watcher', 'viewer');
  let dir = '';
  let serve: ServeProcess | undefined;
  const elsewhere = () => join(dir, 'elsewhere');
  const workspace: ServedWorkspace = {
    get dir() {
      return dir;
    },
    get config() {
      return join(dir, 'staffwire.config.json');
    },
    get database() {
      return join(dir, 'data', 'staffwire.db');
    },
    get serve() {
      if (!serve) throw new Error('staffwire serve has not started');
      return serve;
    },
    vendor,
    operator,
    viewer,
    flow: (definition) => writeFileSync(join(dir, 'flows', `${definition.id}.json`), JSON.stringify(definition)),
    local: (args) => runCli([...args, '--config', workspace.config]),
    remote: (args, token = operator.token) => runCli([...args, '--server', workspace.serve.url, '--token', token], { cwd: elsewhere() }),
    remoteByEnv: (args, env = { STAFFWIRE_TOKEN: operator.token }) => runCli(args, { cwd: elsewhere(), env: { STAFFWIRE_SERVER: workspace.serve.url, ...env } }),
    async runLocally(flowId) {
      const result = await workspace.local(['run', flowId]);
      return { result, runId: /^run (run_\w+)/.exec(result.stdout)?.[1] ?? '' };
    },
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `staffwire-${prefix}-`));
    mkdirSync(elsewhere());
    mkdirSync(join(dir, 'flows'));
    const url = await vendor.start();
    writeFileSync(workspace.config, JSON.stringify({ dataDir: 'data', connections: { svc: { connector: 'http', baseUrl: url } }, server: { tokens: [operator.entry, viewer.entry] } }));
    for (const definition of flows) workspace.flow(definition);
    serve = await serves.start(['--config', workspace.config]);
  });
  afterAll(async () => {
    await serves.killAll();
    await vendor.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return workspace;
}
