import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const invalid = (name: string) => `test/fixtures/invalid-flows/${name}`;
const valid = (name: string) => `test/fixtures/valid-flows/${name}`;

/** `file:line:col  pointer  message`, as every problem line must read. */
const PROBLEM_LINE = /^(?<file>\S+):(?<line>[1-9]\d*):(?<column>[1-9]\d*) {2}(?<pointer>\/\S*) {2}(?<message>\S.*)$/;

let dir: string;
let config: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'staffwire-validate-'));
  config = join(dir, 'staffwire.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      connections: {
        hr: { connector: 'http', baseUrl: 'http://127.0.0.1:1' },
        hr_sandbox: { connector: 'http', baseUrl: 'http://127.0.0.1:2' },
      },
    }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function validate(...args: string[]): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const result = await runCli(['validate', ...args], { cwd: root });
  return { code: result.code, stdout: lines(result.stdout), stderr: lines(result.stderr) };
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

describe('staffwire validate', () => {
  it('exits 0 and says ok for each valid flow', async () => {
    const files = readdirSync(join(root, 'test/fixtures/valid-flows')).sort().map(valid);
    const result = await validate('--config', config, ...files);
    expect(result.code).toBe(0);
    expect(result.stdout).toEqual(files.map((file) => `${file}  ok`));
    expect(result.stderr).toEqual([`${files.length} valid, 0 invalid`]);
  });

  it('exits 1 and prints each problem as file:line:col  pointer  message', async () => {
    const result = await validate('--config', config, invalid('reference-to-later-step.json'), valid('minimal.json'), invalid('missing-id-and-version.json'));
    expect(result.code).toBe(1);
    expect(result.stdout).toEqual([
      'test/fixtures/invalid-flows/reference-to-later-step.json:8:31  /steps/0/values/name  $steps.offer refers to step "offer", which runs later (at /steps/1)',
      'test/fixtures/valid-flows/minimal.json  ok',
      'test/fixtures/invalid-flows/missing-id-and-version.json:1:1  /  missing required property "id"',
      'test/fixtures/invalid-flows/missing-id-and-version.json:1:1  /  missing required property "version"',
    ]);
    expect(result.stderr).toEqual(['1 valid, 2 invalid']);
  });

  it('reads connections from the --config file', async () => {
    const result = await validate('--config', config, invalid('unknown-connection.json'));
    expect(result.code).toBe(1);
    expect(result.stdout).toEqual([
      'test/fixtures/invalid-flows/unknown-connection.json:9:7  /steps/0/connection  unknown connection "core_hr": add it under "connections" in staffwire.config.json (configured: hr, hr_sandbox)',
    ]);
    expect(result.stderr).toEqual(['0 valid, 1 invalid']);
  });

  it('gives every malformed fixture at least one problem line of the right shape', async () => {
    const files = readdirSync(join(root, 'test/fixtures/invalid-flows')).sort().map(invalid);
    const result = await validate('--config', config, ...files);
    expect(result.code).toBe(1);
    for (const line of result.stdout) expect(line).toMatch(PROBLEM_LINE);
    const reported = new Set(result.stdout.map((line) => PROBLEM_LINE.exec(line)?.groups?.file));
    expect([...reported].sort()).toEqual(files);
    expect(result.stderr).toEqual([`0 valid, ${files.length} invalid`]);
  });

  it('exits 2 when a flow file does not exist, checking none', async () => {
    const result = await validate('--config', config, valid('minimal.json'), 'test/fixtures/no-such-flow.json');
    expect(result.code).toBe(2);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toEqual(['staffwire: no such file: test/fixtures/no-such-flow.json']);
  });

  it('exits 2 when the --config file does not exist', async () => {
    const missing = join(dir, 'missing.config.json');
    const result = await validate('--config', missing, valid('minimal.json'));
    expect(result.code).toBe(2);
    expect(result.stderr).toEqual([`staffwire: config file ${missing} does not exist`]);
  });

  it('exits 2 when no flow file is given', async () => {
    const result = await validate('--config', config);
    expect(result.code).toBe(2);
    expect(result.stderr[0]).toBe("error: missing required argument 'files'");
  });
});
