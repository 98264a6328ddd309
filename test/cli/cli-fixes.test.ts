import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { countedCall } from '../support/counting-server.js';
import { readStoreFile } from '../support/store-file.js';

/** The CLI defects of the issue, each as a user met it. */

const ws = useCliWorkspace('cli-fixes');

const waiting = { id: 'pausing', version: '1', steps: [{ id: 'pause', kind: 'wait', for: '1h' }] };
const greeting = {
  id: 'greeting',
  version: '1',
  input: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  steps: [countedCall('greet')],
};

describe('--wait-up-to', () => {
  it('refuses a value that is not a number of seconds from 0 as a usage error naming the option, with an example', async () => {
    const flow = ws.file('flows/pausing.json', waiting);
    const results = await Promise.all([
      ws.cli(['run', flow, '--wait-up-to', 'abc']),
      ws.cli(['run', flow, '--wait-up-to', '-5']),
      ws.cli(['runs', 'retry', 'run_x', '--wait-up-to', '-5']),
    ]);
    for (const [result, value] of [[results[0]!, 'abc'], [results[1]!, '-5'], [results[2]!, '-5']] as const) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`option '--wait-up-to <seconds>' argument '${value}' is invalid`);
      expect(result.stderr).toContain('e.g. --wait-up-to 30');
    }
    expect(readStoreFile(ws.database).runs).toEqual([]);
  });

  it('takes seconds or a duration, and with 0 leaves the wait to serve', async () => {
    const flow = ws.file('flows/short.json', { id: 'short', version: '1', steps: [{ id: 'pause', kind: 'wait', for: '1s' }, { id: 'done', kind: 'return', output: { ok: true } }] });
    const [zero, zeroSeconds, stays] = await Promise.all([
      ws.cli(['run', flow, '--wait-up-to', '0']),
      ws.cli(['run', flow, '--wait-up-to', '0s']),
      ws.cli(['run', flow, '--wait-up-to', '1m']),
    ]);
    for (const left of [zero, zeroSeconds]) {
      expect(left.code).toBe(0);
      expect(left.stdout).toContain('waits until');
    }
    expect(stays.code).toBe(0);
    expect(stays.stdout).toMatch(/succeeded short@1/);
  });
});

describe('staffwire run', () => {
  it('says a folder is a folder, and names a flow file in it to pass instead', async () => {
    ws.file('flows/greeting.json', greeting);
    const result = await ws.cli(['run', join(ws.dir, 'flows')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(ws.dir, 'flows')} is a folder: name a flow file in it (e.g. ${join(ws.dir, 'flows', 'greeting.json')}), or a flow id`);
  });

  it('prints no run id for input the flow refuses: no run was created', async () => {
    const flow = ws.file('flows/greeting.json', greeting);
    const [wrong, wrongJson] = await Promise.all([ws.cli(['run', flow, '--input', '-'], { input: '{"name": 42}' }), ws.cli(['run', flow, '--input', '-', '--json'], { input: '{}' })]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('staffwire: input of flow greeting is invalid: /name must be string\n');
    expect(wrong.stdout).toBe('');
    expect(wrongJson.code).toBe(1);
    expect(wrongJson.stdout).toBe('');
    expect(readStoreFile(ws.database).runs).toEqual([]);
    expect(ws.server.calls('/greet')).toEqual([]);
  });
});

describe('runs retry', () => {
  it('stays with the retried run while it waits up to --wait-up-to, as run does', async () => {
    const flow = ws.file('flows/retry-then-wait.json', {
      id: 'retry-then-wait',
      version: '1',
      steps: [countedCall('flaky'), { id: 'pause', kind: 'wait', for: '1s' }, { id: 'done', kind: 'return', output: { ok: true } }],
    });
    let fail = true;
    ws.server.onCall((_call, respond) => (fail ? respond(400, { error: 'no' }) : respond()));
    const failed = await Promise.all([ws.cli(['run', flow]), ws.cli(['run', flow])]);
    const [stays, leaves] = failed.map((r) => {
      expect(r.code).toBe(1);
      return /^run (run_\w+)/.exec(r.stdout)![1]!;
    });
    fail = false;
    const [stayed, left] = await Promise.all([ws.cli(['runs', 'retry', stays!]), ws.cli(['runs', 'retry', leaves!, '--wait-up-to', '0'])]);
    expect(stayed.code).toBe(0);
    expect(stayed.stdout).toMatch(/✓ succeeded flaky[\s\S]*✓ succeeded pause[\s\S]*succeeded retry-then-wait@1/);
    expect(stayed.stdout).toContain('"ok": true');
    expect(left.code).toBe(0);
    expect(left.stdout).toMatch(/waiting +retry-then-wait@1/);
    expect(left.stdout).toContain('waits until');
  });
});

describe('a data directory no folder can be made in', () => {
  // Node's recursive mkdir spins at full CPU on /proc/…: the command must fail at once instead.
  it('fails the command naming the directory and the setting, and logs nowhere it cannot', async () => {
    const flow = ws.file('flows/pausing.json', waiting);
    const result = await ws.cli(['run', flow], { env: { STAFFWIRE_DATA_DIR: '/proc/staffwire-cli-test' } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('cannot create the data directory /proc/staffwire-cli-test');
    expect(result.stderr).toContain('STAFFWIRE_DATA_DIR');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('naming something that does not exist', () => {
  it('is a usage error (exit 2) for every command that takes a run id or a schedule key', async () => {
    ws.file('flows/pausing.json', waiting);
    const results = await Promise.all([
      ws.cli(['runs', 'show', 'run_missing']),
      ws.cli(['runs', 'cancel', 'run_missing']),
      ws.cli(['runs', 'retry', 'run_missing']),
      ws.cli(['schedules', 'show', 'freeze:nobody']),
      ws.cli(['schedules', 'cancel', 'freeze:nobody']),
      ws.cli(['schedules', 'move', 'freeze:nobody', '--at', '2031-01-01T00:00:00Z']),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    for (const result of results) expect(result.stderr).toMatch(/^staffwire: (no run with id run_missing|nothing is scheduled under key freeze:nobody)/);
  });
});
