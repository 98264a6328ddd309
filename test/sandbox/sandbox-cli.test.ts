import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seedCompany } from '../../src/sandbox/seed-company.js';
import { runCli, startCli } from '../support/cli.js';

const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface StartedSandbox {
  child: ChildProcess;
  baseUrl: string;
  /** Everything printed so far, and the exit once it stops. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `staffwire sandbox` and learns its address from the first line it prints. */
async function startSandbox(args: string[], env: NodeJS.ProcessEnv = {}): Promise<StartedSandbox> {
  const child = startCli(['sandbox', '--port', '0', ...args], { env });
  running.push(child);
  child.stdin?.end();
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const listening = /staffwire sandbox listening on (http:\/\/\S+)/.exec(stdout);
      if (listening && stdout.includes('Ctrl-C stops')) resolve(listening[1]!);
    });
    void exited.then(({ code }) => reject(new Error(`staffwire sandbox exited ${code} before listening: ${stderr}`)));
  });
  return { child, baseUrl, output: () => stdout, exited };
}

describe('staffwire sandbox', () => {
  it('serves the fakes on the port it prints, with the credentials and connections block it prints, and stops on SIGTERM', async () => {
    const sandbox = await startSandbox(['--seed', '50', '--token-ttl', '60']);
    expect(sandbox.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const state = (await (await fetch(`${sandbox.baseUrl}/_sandbox/state`)).json()) as { company: { employees: number }; tokenTtlSeconds: number };
    expect(state.company.employees).toBe(50);
    expect(state.tokenTtlSeconds).toBe(60);

    const token = await fetch(`${sandbox.baseUrl}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'cli_sandbox0000000001', app_secret: 'sandbox-app-secret' }),
    });
    expect(await token.json()).toMatchObject({ code: 0, expire: 60 });

    const printed = sandbox.output();
    expect(printed).toContain('50 employees');
    expect(printed).toMatch(/App Secret\s+sandbox-app-secret\s+env STAFFWIRE_SANDBOX_LARK_APP_SECRET/);
    expect(printed).toMatch(/Encrypt Key\s+sandbox-encrypt-key\s+env STAFFWIRE_SANDBOX_LARK_ENCRYPT_KEY/);
    expect(printed).toMatch(/Connect HMAC key\s+sandbox-connect-secret\s+env STAFFWIRE_SANDBOX_DOCUSIGN_CONNECT_SECRET/);
    expect(printed).toContain('export LARK_APP_SECRET=sandbox-app-secret');
    const block = JSON.parse(printed.slice(printed.indexOf('  {\n'), printed.indexOf('\n\nControl:'))) as {
      connections: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(block.connections)).toEqual(['lark', 'docusign']);
    expect(block.connections.lark).toEqual({
      connector: 'lark-bitable',
      baseUrl: sandbox.baseUrl,
      appId: 'cli_sandbox0000000001',
      appSecret: { env: 'LARK_APP_SECRET' },
      webhook: { verificationToken: { env: 'LARK_VERIFICATION_TOKEN' }, encryptKey: { env: 'LARK_ENCRYPT_KEY' } },
    });
    expect(block.connections.docusign).toMatchObject({ connector: 'docusign', baseUri: sandbox.baseUrl, accessToken: { env: 'DOCUSIGN_ACCESS_TOKEN' } });

    sandbox.child.kill('SIGTERM');
    expect(await sandbox.exited).toMatchObject({ code: 0, signal: null });
  });

  it('takes its credentials from STAFFWIRE_SANDBOX_* variables and stops on SIGINT', async () => {
    const sandbox = await startSandbox(['--seed', '5'], { STAFFWIRE_SANDBOX_LARK_APP_SECRET: 'secret-from-env', STAFFWIRE_SANDBOX_DOCUSIGN_ACCESS_TOKEN: 'ds-from-env' });
    const tokenWith = (secret: string) =>
      fetch(`${sandbox.baseUrl}/open-apis/auth/v3/tenant_access_token/internal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: 'cli_sandbox0000000001', app_secret: secret }),
      }).then((response) => response.json());
    expect(await tokenWith('secret-from-env')).toMatchObject({ code: 0 });
    expect(await tokenWith('sandbox-app-secret')).toMatchObject({ code: 10014 });
    expect(sandbox.output()).toContain('export LARK_APP_SECRET=secret-from-env');
    expect(sandbox.output()).toContain('DOCUSIGN_ACCESS_TOKEN=ds-from-env');

    sandbox.child.kill('SIGINT');
    expect(await sandbox.exited).toMatchObject({ code: 0, signal: null });
  });

  it('serves the company of a seed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'staffwire-sandbox-seed-'));
    const file = join(dir, 'company.json');
    const company = { ...seedCompany({ employees: 12, seed: 'file' }), name: 'Seed File Ltd' };
    writeFileSync(file, JSON.stringify(company));
    const sandbox = await startSandbox(['--seed', file]);
    expect(sandbox.output()).toContain(`Seed File Ltd: 12 employees`);
    expect(sandbox.output()).toContain(`(from ${file})`);
    sandbox.child.kill('SIGTERM');
    expect((await sandbox.exited).code).toBe(0);
  });

  it('exits 1 naming the file and the place of each problem in an invalid seed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'staffwire-sandbox-seed-'));
    const file = join(dir, 'broken.json');
    const company = seedCompany({ employees: 12 });
    company.employees[3]!.departmentId = 'nowhere';
    writeFileSync(file, JSON.stringify(company));
    const result = await runCli(['sandbox', '--port', '0', '--seed', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`staffwire: seed file ${file} is not a valid seeded company:`);
    expect(result.stderr).toContain(`${file} /employees/3/departmentId  "nowhere" is not the id of any department`);
    expect(result.stdout).toBe('');
  });

  it.each([
    [['--port', 'eighty'], '--port expects a whole number from 0 to 65535, got "eighty"'],
    [['--token-ttl', '0'], '--token-ttl expects a whole number from 1 to 7200, got "0"'],
    [['--seed', '0'], '--seed expects a whole number from 1 to 1000000, got "0"'],
  ])('exits 2 for the usage error in %j', async (args, message) => {
    const result = await runCli(['sandbox', '--port', '0', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`staffwire: ${message}`);
  });

  it('describes its options in --help', async () => {
    const result = await runCli(['sandbox', '--help']);
    expect(result.code).toBe(0);
    for (const option of ['--port <port>', '--host <host>', '--seed <file or size>', '--token-ttl <seconds>', '--print-seed', '--json']) expect(result.stdout).toContain(option);
  });

  it('prints what the fakes hold with --print-seed and exits 0 without listening, even on a port in use', async () => {
    const holder = await startSandbox(['--seed', '5']);
    const port = new URL(holder.baseUrl).port;
    const result = await runCli(['sandbox', '--print-seed', '--seed', '30', '--port', port]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('listening');
    const company = seedCompany({ employees: 30 });
    expect(result.stdout).toContain(`${company.name}: 30 employees`);
    expect(result.stdout).toMatch(/^employees \(lark-corehr\): 30 — /m);
    expect(result.stdout).toContain(company.employees[0]!.openId);
    expect(result.stdout).toContain('… 25 more: GET /_sandbox/seed?section=employees&offset=5');
    holder.child.kill('SIGTERM');
    await holder.exited;
  });

  it('prints the seed summary as JSON with --print-seed --json', async () => {
    const result = await runCli(['sandbox', '--print-seed', '--json', '--seed', '30']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { company: { employees: number }; sections: Record<string, { connector: string; total: number; items: { employment_id?: string }[] }> };
    expect(summary.company.employees).toBe(30);
    expect(summary.sections.employees).toMatchObject({ connector: 'lark-corehr', total: 30 });
    expect(summary.sections.employees!.items[0]!.employment_id).toBe(seedCompany({ employees: 30 }).employees[0]!.employmentId);
  });

  it('exits 1 when the seed file cannot be read', async () => {
    const result = await runCli(['sandbox', '--port', '0', '--seed', '/nonexistent/company.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('staffwire: cannot read seed file /nonexistent/company.json: ENOENT');
  });
});
