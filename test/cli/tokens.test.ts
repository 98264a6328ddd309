import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.js';
import { loadConfig } from '../../src/config/config.js';
import { buildServer } from '../../src/server/server.js';
import { runCli } from '../support/cli.js';

const TOKEN = /\bsw_[A-Za-z0-9_-]{43}\b/g;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The `server.tokens` entry line the command prints. */
function entryOf(stdout: string): { name: string; role: string; sha256: string } {
  const line = stdout.split('\n').find((l) => l.trim().startsWith('{"name"'));
  expect(line, stdout).toBeDefined();
  return JSON.parse(line!.trim());
}

describe('staffwire tokens create', () => {
  it('prints a new token once and the config entry holding only its SHA-256', async () => {
    const result = await runCli(['tokens', 'create', '--name', 'ops', '--role', 'operator']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const tokens = result.stdout.match(TOKEN) ?? [];
    expect(tokens).toHaveLength(1);
    const token = tokens[0]!;
    const entry = entryOf(result.stdout);
    expect(entry).toEqual({ name: 'ops', role: 'operator', sha256: sha256(token) });
    expect(result.stdout).toContain('server.tokens');
    expect(result.stdout).toMatch(/shown this once/i);
  });

  it('prints an entry that, pasted into server.tokens, lets the token in with its role and name', async () => {
    const result = await runCli(['tokens', 'create', '--name', 'ops', '--role', 'operator']);
    const token = result.stdout.match(TOKEN)![0];
    const dir = mkdtempSync(join(tmpdir(), 'staffwire-tokens-'));
    try {
      mkdirSync(join(dir, 'flows'));
      const file = join(dir, 'staffwire.config.json');
      writeFileSync(file, JSON.stringify({ dataDir: 'data', flowDirs: ['flows'], server: { tokens: [entryOf(result.stdout)] } }));
      const app = await createApp(loadConfig(file, {}), { log: pino({ level: 'silent' }) });
      const server = await buildServer(app);
      try {
        const ask = (url: string, method: 'GET' | 'POST' = 'GET') => server.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
        expect((await ask('/api/v1/flows')).statusCode).toBe(200);
        // An operator: may cancel runs, may not check connections.
        expect((await ask('/api/v1/runs/run_x/cancel', 'POST')).statusCode).toBe(404);
        expect((await ask('/api/v1/connections/x/check', 'POST')).json()).toMatchObject({ code: 'auth.forbidden', message: expect.stringContaining('"ops" has role operator') });
      } finally {
        await server.close();
        await app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes a different token each time', async () => {
    const [a, b] = await Promise.all([runCli(['tokens', 'create', '--name', 'a', '--role', 'viewer']), runCli(['tokens', 'create', '--name', 'a', '--role', 'viewer'])]);
    expect(a.stdout.match(TOKEN)![0]).not.toBe(b.stdout.match(TOKEN)![0]);
    expect(entryOf(a.stdout).sha256).not.toBe(entryOf(b.stdout).sha256);
  });

  it('prints the token and the entry as JSON with --json', async () => {
    const result = await runCli(['tokens', 'create', '--name', 'ci.deploy', '--role', 'admin', '--json']);
    expect(result.code).toBe(0);
    const { token, entry } = JSON.parse(result.stdout) as { token: string; entry: { sha256: string } };
    expect(token).toMatch(/^sw_[A-Za-z0-9_-]{43}$/);
    expect(entry).toEqual({ name: 'ci.deploy', role: 'admin', sha256: sha256(token) });
  });

  it.each([
    [['--name', 'ops', '--role', 'boss'], '--role must be one of viewer, operator, admin, got "boss"'],
    [['--name', 'ops', '--role', 'Operator'], '--role must be one of viewer, operator, admin'],
    [['--name', 'has space', '--role', 'viewer'], '--name must be letters, digits, _ . -'],
    [['--name=-dash-first', '--role', 'viewer'], 'starting with a letter or digit), got "-dash-first"'],
    [['--name', 'x'.repeat(65), '--role', 'viewer'], 'at most 64'],
    [['--name', '', '--role', 'viewer'], '--name must be'],
    [['--role', 'viewer'], "required option '--name <name>' not specified"],
    [['--name', 'ops'], "required option '--role <role>' not specified"],
  ])('refuses %j with exit 2, saying what is wrong, and prints no token', async (args, message) => {
    const result = await runCli(['tokens', 'create', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).not.toMatch(TOKEN);
  });
});
