import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, runCli, startCli } from '../support/cli.js';
import { waitFor } from '../support/wait-for.js';

/**
 * `staffwire demo`, the README's "run it" command, on a fresh data folder with nothing else
 * installed: the story's lines as the README shows them, every run it starts succeeding.
 */
let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'staffwire-demo-test-'));
});

afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('staffwire demo', () => {
  it('tells the story through the real intake and prints what it did and where to look next', async () => {
    const result = await runCli(['demo', '--no-serve'], { env: { STAFFWIRE_DATA_DIR: dataDir } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain('Staffwire demo: starting the sandbox (312 employees) and an embedded staffwire serve…');
    expect(out).toMatch(/^1\. An offer is accepted in Lark Hire, and the candidate signs the contract in DocuSign$/m);
    expect(out).toMatch(/contract sent to .+ \(envelope [0-9a-f-]{36}\); the run waits for DocuSign without holding a worker/);
    expect(out).toMatch(/→ pre-hire \d+ for .+: completed \(run \S+ succeeded\)/);
    expect(out).toMatch(/freeze scheduled under deactivate:\d+ at 00:00:00 Asia\/Shanghai = 16:00:00 UTC \(24:00 local\)/);
    expect(out).toMatch(/→ account of .+ frozen at \d\d:\d\d:\d\d Asia\/Shanghai = \d\d:\d\d:\d\d UTC/);
    expect(out).toMatch(/→ 313 rows synced to the talent review table \(run \S+ succeeded\)/);
    expect(out).toMatch(/100000\.00 CNY split across (\d+) employees by rating: the \1 suggested amounts add up to 100000\.00/);
    expect(out).toMatch(/→ \d+ lump-sum payments created in Payroll, each once by its unique_id \(run \S+ succeeded\)/);
    expect(out).not.toMatch(/✗ failed/);
    expect(out).toContain('Where to look next:');
    expect(out).toMatch(/API token {2}sw_\S+ {2}\(operator;/);

    // The runs stay in the data folder for the commands the demo points at.
    const configFile = join(dataDir, 'staffwire.config.json');
    const runs = await runCli(['runs', 'list', '--config', configFile, '--json']);
    expect(runs.code).toBe(0);
    const listed = JSON.parse(runs.stdout) as { flowId: string; status: string }[];
    expect(new Set(listed.map((r) => r.flowId))).toEqual(
      new Set(['offer-to-onboard', 'offboarding-deactivation', 'offboarding-deactivation-plan', 'offboarding-deactivation-moments', 'offboarding-deactivation-freeze', 'offboarding-deactivation-notify', 'talent-review-sync', 'bonus-allocation', 'bonus-to-payroll']),
    );
    expect(listed.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('keeps serving after the story until Ctrl-C, then exits 0', async () => {
    const child = startCli(['demo'], { env: { ...process.env, STAFFWIRE_DATA_DIR: dataDir } });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = collect(child);
    await waitFor(() => out.includes('Serving until Ctrl-C.'), 'the demo to finish its story', 120_000);
    const docs = out.match(/API docs {3}(\S+)/)![1]!;
    expect((await fetch(docs)).status).toBe(200);
    const consolePage = await fetch(out.match(/console {4}(\S+)/)![1]!);
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toContain('<div id="root">');
    child.kill('SIGINT');
    expect((await exited).code).toBe(0);
  });
});
