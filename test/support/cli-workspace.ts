import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { runCli, type CliResult } from './cli.js';
import { CountingServer } from './counting-server.js';

/**
 * A fresh folder per test with a `staffwire.config.json` whose connection `svc` points at a
 * CountingServer on loopback: the set-up every CLI test starts from.
 */
export interface CliWorkspace {
  readonly dir: string;
  readonly config: string;
  readonly server: CountingServer;
  readonly url: string;
  /** The SQLite file the commands use. */
  readonly database: string;
  /** Rewrites the configuration with these top-level settings added. */
  configure(extra?: Record<string, unknown>): void;
  /** Writes a file in the folder (JSON unless text or bytes are given) and returns its path. */
  file(name: string, content: unknown): string;
  /** The CLI with `--config` of this workspace. */
  cli(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
}

/** Registers hooks that give each test of the calling suite its own workspace. */
export function useCliWorkspace(prefix: string): CliWorkspace {
  let dir = '';
  let server = new CountingServer();
  let url = '';
  const workspace: CliWorkspace = {
    get dir() {
      return dir;
    },
    get config() {
      return join(dir, 'staffwire.config.json');
    },
    get server() {
      return server;
    },
    get url() {
      return url;
    },
    get database() {
      return join(dir, 'data', 'staffwire.db');
    },
    configure(extra = {}) {
      writeFileSync(
        workspace.config,
        JSON.stringify({ dataDir: 'data', flowDirs: ['flows'], connections: { svc: { connector: 'http', baseUrl: url } }, ...extra }),
      );
    },
    file(name, content) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content));
      return path;
    },
    cli(args, options = {}) {
      return runCli([...args, '--config', workspace.config], options);
    },
  };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), `staffwire-${prefix}-`));
    mkdirSync(join(dir, 'flows'));
    server = new CountingServer();
    url = await server.start();
    workspace.configure();
  });
  afterEach(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return workspace;
}
