import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, runCli, startCli } from '../support/cli.js';
import { countedCall, CountingServer } from '../support/counting-server.js';
import { readStoreFile } from '../support/store-file.js';
import { waitFor } from '../support/wait-for.js';

/** Three side-effecting calls in a row; the kill lands around the second. */
function flowWithThreeCalls(between: unknown[] = []) {
  const call = countedCall;
  return {
    id: 'crash-test',
    version: '1',
    steps: [call('first'), ...between, call('second'), call('third'), { id: 'done', kind: 'return', output: { third: '${ $steps.third.body.nth }' } }],
  };
}

describe('crash and resume', () => {
  let dir: string;
  let server: CountingServer;
  let config: string;
  let flowFile: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'staffwire-crash-'));
    server = new CountingServer();
    const url = await server.start();
    config = join(dir, 'staffwire.config.json');
    writeFileSync(config, JSON.stringify({ dataDir: 'data', connections: { svc: { connector: 'http', baseUrl: url } } }));
    flowFile = join(dir, 'flow.json');
  });

  afterEach(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const database = () => join(dir, 'data', 'staffwire.db');

  function readRun(): { id: string; status: string; steps: Record<string, { status: string; attempts: number }> } {
    const { runs, steps } = readStoreFile(database());
    if (!runs[0]) throw new Error('no run in the store yet');
    return { ...runs[0], steps: Object.fromEntries(steps.map((s) => [s.path, s])) };
  }

  async function resumeAndCheck() {
    const resumed = await runCli(['runs', 'resume', '--config', config, '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const runs = JSON.parse(resumed.stdout) as { status: string; output: unknown }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('succeeded');
    expect(runs[0]!.output).toEqual({ third: 1 });
    // Nothing is left to resume.
    const again = await runCli(['runs', 'resume', '--config', config]);
    expect(again.stdout.trim()).toBe('no interrupted runs');
  }

  it('resumes at the first incomplete step after SIGKILL while a call is in flight', async () => {
    writeFileSync(flowFile, JSON.stringify(flowWithThreeCalls()));
    let killed!: Promise<unknown>;
    const child = startCli(['run', flowFile, '--config', config]);
    const exited = collect(child);
    killed = new Promise<void>((resolve) => {
      server.onCall((call, respond, nth) => {
        if (call.path === '/second' && nth === 1) {
          // Never answered: the call did not complete.
          child.kill('SIGKILL');
          resolve();
          return;
        }
        respond();
      });
    });
    await killed;
    expect((await exited).signal).toBe('SIGKILL');
    expect(readRun().status).toBe('running');
    expect(readRun().steps.first?.status).toBe('succeeded');

    await resumeAndCheck();
    expect(server.calls('/first')).toHaveLength(1);
    expect(server.calls('/third')).toHaveLength(1);
    const second = server.calls('/second');
    expect(second).toHaveLength(2);
    expect(second[1]!.idempotencyKey).toBe(second[0]!.idempotencyKey);
    expect(server.answered.get('/second')).toBe(1);
  });

  it('resumes a run killed between calls, while it waited', async () => {
    writeFileSync(flowFile, JSON.stringify(flowWithThreeCalls([{ id: 'pause', kind: 'wait', for: '1s' }])));
    server.onCall((_call, respond) => respond());
    const child = startCli(['run', flowFile, '--config', config]);
    const exited = collect(child);
    // The wait is checkpointed before the process sleeps through it.
    await waitFor(() => readRunIfAny()?.steps.pause?.status === 'waiting', 'the wait to be checkpointed');
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    expect(server.calls('/second')).toHaveLength(0);

    // Let the wait fall due, then resume: the timer is in the store, not in the dead process.
    await sleep(1100);
    await resumeAndCheck();
    expect(server.calls('/first')).toHaveLength(1);
    expect(server.calls('/second')).toHaveLength(1);
    expect(server.calls('/third')).toHaveLength(1);
  });

  it('sends the same idempotency key again after SIGKILL between a call returning and its checkpoint', async () => {
    writeFileSync(flowFile, JSON.stringify(flowWithThreeCalls()));
    const child = startCli(['run', flowFile, '--config', config]);
    const exited = collect(child);
    let lock: Database.Database | undefined;
    const answeredSecond = new Promise<void>((resolve) => {
      server.onCall((call, respond, nth) => {
        if (call.path === '/second' && nth === 1) {
          // Hold SQLite's write lock so the child cannot checkpoint the answer it is about to get.
          lock = new Database(database());
          lock.exec('BEGIN IMMEDIATE');
          respond();
          resolve();
          return;
        }
        respond();
      });
    });
    await answeredSecond;
    // The child now has the answer and is blocked writing its checkpoint.
    for (let i = 0; i < 100 && server.answered.get('/second') !== 1; i++) await sleep(10);
    await sleep(300);
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    lock!.exec('ROLLBACK');
    lock!.close();

    const afterKill = readRun();
    expect(server.answered.get('/second')).toBe(1);
    expect(afterKill.steps.second?.status).toBe('running');
    expect(afterKill.steps.first?.status).toBe('succeeded');

    await resumeAndCheck();
    expect(server.calls('/first')).toHaveLength(1);
    expect(server.calls('/third')).toHaveLength(1);
    const second = server.calls('/second');
    expect(second).toHaveLength(2);
    expect(second[0]!.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second[1]!.idempotencyKey).toBe(second[0]!.idempotencyKey);
    expect(server.calls('/first')[0]!.idempotencyKey).not.toBe(second[0]!.idempotencyKey);
  });

  function readRunIfAny() {
    try {
      return readRun();
    } catch {
      return undefined;
    }
  }
});
