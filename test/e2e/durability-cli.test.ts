import Database from 'better-sqlite3';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/store/records.js';
import { collect, runCli, startCli, type CliResult } from '../support/cli.js';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { countedCall, type ReceivedCall } from '../support/counting-server.js';
import { readStoreFile } from '../support/store-file.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The durability defects an outside audit reproduced with real processes, each as the audit
 * did it: SIGKILL, SIGSTOP, a second process cancelling, a held write lock, a file edited or
 * deleted under a run.
 */

const call = countedCall;

const ws = useCliWorkspace('durability');

function flowFile(name: string, definition: unknown): string {
  return ws.file(`flows/${name}.json`, definition);
}

const database = () => ws.database;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => ws.cli(args, { env });
const runsOf = (flowId: string) => readStoreFile(database()).runs.filter((r) => r.flowId === flowId);
const bodyOf = (c: ReceivedCall) => c.body as { runId: string; step: string };
const keysByRun = (path: string) => {
  const keys = new Map<string, string[]>();
  for (const c of ws.server.calls(path)) keys.set(bodyOf(c).runId, [...(keys.get(bodyOf(c).runId) ?? []), c.idempotencyKey ?? '']);
  return keys;
};

function subFlows() {
  flowFile('child', { id: 'child', version: '1', steps: [call('child_a'), call('child_b'), { id: 'out', kind: 'return', output: { from: '${ $run.id }' } }] });
  return flowFile('parent', {
    id: 'parent',
    version: '1',
    steps: [{ id: 'sub', kind: 'run', flow: 'child' }, call('parent_after'), { id: 'done', kind: 'return', output: { child: '${ $steps.sub.from }' } }],
  });
}

describe('sub-flows', () => {
  async function killParentsMidChild(pairs: number, env: NodeJS.ProcessEnv = {}) {
    const parent = subFlows();
    // Every child's second call stays unanswered until its parent process is killed.
    ws.server.onCall((c, respond) => {
      if (c.path !== '/child_b' || ws.server.calls('/child_b').length > pairs) respond();
    });
    const children = Array.from({ length: pairs }, () => startCli(['run', parent, '--config', ws.config], { env }));
    const ended: CliResult[] = [];
    const exited = children.map((child) => collect(child).then((result) => (ended.push(result), result)));
    // A process that ended before its child's call says why, instead of a bare time-out.
    const progress = () =>
      `${pairs} children mid-call (${ws.server.calls('/child_b').length} are; ${ended.length} processes ended: ${ended.map((r) => `exit ${r.code ?? r.signal}: ${r.stderr.trim() || '(no stderr)'}`).join(' | ') || 'none'})`;
    await waitFor(() => ws.server.calls('/child_b').length === pairs || ended.length > 0, progress, 120_000);
    expect(ended, progress()).toEqual([]);
    for (const child of children) child.kill('SIGKILL');
    for (const result of await Promise.all(exited)) expect(result.signal).toBe('SIGKILL');
  }

  it('resumes 20 parents killed while their children were mid-call: every parent and child succeeds, every call once', async () => {
    await killParentsMidChild(20);
    const resumed = await cli(['runs', 'resume', '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const parents = runsOf('parent');
    const children = runsOf('child');
    expect(parents).toHaveLength(20);
    expect(parents.map((r) => r.status)).toEqual(Array(20).fill('succeeded'));
    expect(children.map((r) => r.status)).toEqual(Array(20).fill('succeeded'));
    expect(keysByRun('/child_a').size).toBe(20);
    for (const keys of keysByRun('/child_a').values()) expect(keys).toHaveLength(1);
    for (const keys of keysByRun('/child_b').values()) {
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
    }
    for (const keys of keysByRun('/parent_after').values()) expect(keys).toHaveLength(1);
    expect(keysByRun('/parent_after').size).toBe(20);
  }, 180_000);

  it('resumes a parent killed mid-child with one run at a time (STAFFWIRE_CONCURRENCY=1)', async () => {
    await killParentsMidChild(1);
    const resumed = await cli(['runs', 'resume'], { STAFFWIRE_CONCURRENCY: '1' });
    expect(resumed.code).toBe(0);
    expect(runsOf('parent').map((r) => r.status)).toEqual(['succeeded']);
    expect(runsOf('child').map((r) => r.status)).toEqual(['succeeded']);
    expect(ws.server.calls('/parent_after')).toHaveLength(1);
  });

  it('retries 20 parents whose children were cancelled mid-call without repeating any completed call', async () => {
    // The held calls must stay unanswered until all 20 are in, however slowly a loaded machine
    // starts the 20 processes: the client's default timeout would fail the first children meanwhile.
    ws.configure({ connections: { svc: { connector: 'http', baseUrl: ws.url, timeoutMs: 600_000 } } });
    const parent = subFlows();
    const held: { call: ReceivedCall; respond: () => void }[] = [];
    ws.server.onCall((c, respond) => {
      if (c.path === '/child_b' && ws.server.calls('/child_b').length <= 20) held.push({ call: c, respond: () => respond() });
      else respond();
    });
    const parents = Array.from({ length: 20 }, () => collect(startCli(['run', parent, '--config', ws.config])));
    await waitFor(() => held.length === 20, '20 children mid-call', 120_000);
    const cancels = await Promise.all(held.map(({ call: c }) => cli(['runs', 'cancel', bodyOf(c).runId])));
    expect(cancels.map((r) => r.code)).toEqual(Array(20).fill(0));
    for (const { respond } of held) respond();
    for (const result of await Promise.all(parents)) expect(result.code).toBe(1);
    expect(runsOf('parent').map((r) => r.status)).toEqual(Array(20).fill('failed'));
    expect(runsOf('child').map((r) => r.status)).toEqual(Array(20).fill('cancelled'));

    const retries = await Promise.all(runsOf('parent').map((run) => cli(['runs', 'retry', run.id])));
    expect(retries.map((r) => r.code)).toEqual(Array(20).fill(0));
    expect(runsOf('parent').map((r) => r.status)).toEqual(Array(20).fill('succeeded'));
    // No new child: each parent continued the one it had.
    expect(runsOf('child')).toHaveLength(20);
    expect(runsOf('child').map((r) => r.status)).toEqual(Array(20).fill('succeeded'));
    for (const keys of keysByRun('/child_a').values()) expect(keys).toHaveLength(1);
    for (const keys of keysByRun('/child_b').values()) expect(new Set(keys).size).toBe(1);
    expect(keysByRun('/parent_after').size).toBe(20);
  }, 180_000);

  it('retrying a parent that failed although its child succeeded reuses the child’s output', async () => {
    const parent = subFlows();
    // The parent fails after its child has finished: the state a lost claim used to leave.
    ws.server.onCall((c, respond) => respond(c.path === '/parent_after' && ws.server.calls('/parent_after').length === 1 ? 400 : 200));
    const first = await cli(['run', parent]);
    expect(first.code, first.stdout + first.stderr).toBe(1);
    const [failed] = runsOf('parent');
    const db = new Database(database());
    const sub = JSON.parse((db.prepare("SELECT body FROM run_records WHERE run_id = ? AND key = 's:sub'").get(failed!.id) as { body: string }).body);
    db.prepare("UPDATE run_records SET body = ? WHERE run_id = ? AND key = 's:sub'").run(
      JSON.stringify({ ...sub, status: 'failed', error: { code: 'subflow.running', message: 'no error recorded', category: 'internal' } }),
      failed!.id,
    );
    db.close();
    const retried = await cli(['runs', 'retry', failed!.id]);
    expect(retried.code, retried.stdout + retried.stderr).toBe(0);
    expect(runsOf('child')).toHaveLength(1);
    expect(ws.server.calls('/child_a')).toHaveLength(1);
    expect(ws.server.calls('/child_b')).toHaveLength(1);
  });

  it('runs the child flow as it was when the parent started, though its file was edited before the child started', async () => {
    flowFile('child', { id: 'child', version: '1', steps: [call('child_v1')] });
    const parent = flowFile('parent', { id: 'parent', version: '1', steps: [call('before'), { id: 'sub', kind: 'run', flow: 'child' }] });
    const process = startCli(['run', parent, '--config', ws.config]);
    const exited = collect(process);
    ws.server.onCall((c, respond) => (c.path === '/before' && ws.server.calls('/before').length === 1 ? process.kill('SIGKILL') : respond()));
    expect((await exited).signal).toBe('SIGKILL');
    flowFile('child', { id: 'child', version: '2', steps: [call('child_v2')] });
    expect((await cli(['runs', 'resume'])).code).toBe(0);
    expect(runsOf('child')).toMatchObject([{ flowVersion: '1', status: 'succeeded' }]);
    expect(ws.server.calls('/child_v1')).toHaveLength(1);
    expect(ws.server.calls('/child_v2')).toHaveLength(0);
  });
});

describe('a process that lost its lease', () => {
  it('sends nothing more and writes nothing after another process took its run over (SIGSTOP, resume, SIGCONT)', async () => {
    ws.configure({ limits: { leaseMs: 1000 } });
    const flow = flowFile('three', { id: 'three', version: '1', steps: [call('first'), call('second'), call('third')] });
    const owner = startCli(['run', flow, '--config', ws.config]);
    const exited = collect(owner);
    let stopped = false;
    // A vendor that replays a reused key as a new request: every raw call is counted.
    ws.server.onCall((c, respond) => {
      if (c.path === '/second' && !stopped) {
        stopped = true;
        owner.kill('SIGSTOP');
      }
      respond();
    });
    await waitFor(() => stopped, 'the owner to be stopped mid-call');
    const [run] = runsOf('three');
    await waitFor(() => Date.now() > Date.parse(runsOf('three')[0]!.leaseUntil ?? '0'), "the owner's lease to lapse");
    const resumed = await cli(['runs', 'resume', '--json']);
    expect(resumed.code).toBe(0);
    expect((JSON.parse(resumed.stdout) as RunRecord[]).map((r) => r.status)).toEqual(['succeeded']);
    const takeover = ws.server.received.length;
    owner.kill('SIGCONT');
    const old = await exited;
    expect(old.stderr).not.toMatch(/at .*\.js:\d+/);
    // After the take-over, each key went out at most once more: the old owner sent nothing.
    const after = ws.server.received.slice(takeover);
    expect(after).toEqual([]);
    expect(ws.server.calls('/third')).toHaveLength(1);
    expect(ws.server.calls('/second')).toHaveLength(2);
    expect(new Set(ws.server.calls('/second').map((c) => c.idempotencyKey)).size).toBe(1);
    expect(runsOf('three')[0]).toMatchObject({ id: run!.id, status: 'succeeded' });
    expect(runsOf('three')[0]).not.toHaveProperty('owner');
  });
});

describe('runs cancel from another process', () => {
  async function cancelMidCall(next: unknown) {
    const flow = flowFile('cancel-me', { id: 'cancel-me', version: '1', steps: [call('first'), next, call('last')] });
    let release!: () => void;
    ws.server.onCall((c, respond) => {
      if (c.path === '/first') release = () => respond();
      else respond();
    });
    const running = collect(startCli(['run', flow, '--config', ws.config]));
    await waitFor(() => ws.server.calls('/first').length === 1, 'the first call');
    const runId = bodyOf(ws.server.calls('/first')[0]!).runId;
    const cancelled = await cli(['runs', 'cancel', runId]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('cancelled');
    release();
    return { runId, result: await running };
  }

  it('sends no further call once the cancel is recorded', async () => {
    const { runId, result } = await cancelMidCall(call('second'));
    expect(result.code).toBe(1);
    expect(ws.server.calls('/second')).toHaveLength(0);
    expect(ws.server.calls('/last')).toHaveLength(0);
    expect(runsOf('cancel-me')).toMatchObject([{ id: runId, status: 'cancelled' }]);
  });

  it('stays cancelled when the next step is a wait: nothing parks it, nothing resumes it', async () => {
    const { runId } = await cancelMidCall({ id: 'pause', kind: 'wait', for: '1s' });
    expect(runsOf('cancel-me')).toMatchObject([{ id: runId, status: 'cancelled' }]);
    const resumed = await cli(['runs', 'resume']);
    expect(resumed.stdout.trim()).toBe('no interrupted runs');
    expect(runsOf('cancel-me')).toMatchObject([{ id: runId, status: 'cancelled' }]);
    expect(ws.server.calls('/last')).toHaveLength(0);
  });
});

describe('the store under a run', () => {
  it('fails loudly, naming the path, when the data directory is deleted while a run waits', async () => {
    const flow = flowFile('pausing', {
      id: 'pausing',
      version: '1',
      steps: [{ id: 'a', kind: 'set', values: { x: 1 } }, { id: 'pause', kind: 'wait', for: '1s' }, { id: 'b', kind: 'set', values: { y: 2 } }],
    });
    const running = collect(startCli(['run', flow, '--config', ws.config]));
    await waitFor(() => readStoreFile(database()).steps.some((s) => s.path === 'pause' && s.status === 'waiting'), 'the wait to be checkpointed');
    rmSync(join(ws.dir, 'data'), { recursive: true, force: true });
    const result = await running;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the store ${database()}`);
    expect(result.stderr).toContain('was deleted or replaced while in use');
    expect(result.stdout).not.toContain('"y": 2');
  });

  it('survives a write lock held past the busy timeout while a call is in flight: lease renewal waits, the run succeeds', async () => {
    ws.configure({ limits: { leaseMs: 1000 }, store: { busyTimeoutMs: 100 } });
    const flow = flowFile('locked', { id: 'locked', version: '1', steps: [call('first'), call('second')] });
    let release!: () => void;
    ws.server.onCall((c, respond) => (c.path === '/first' ? (release = () => respond()) : respond()));
    const process = startCli(['run', flow, '--config', ws.config], { env: { STAFFWIRE_LOG_LEVEL: 'warn', STAFFWIRE_LOG_FILE: '-' } });
    let stderr = '';
    process.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const running = collect(process);
    await waitFor(() => ws.server.calls('/first').length === 1, 'the first call');
    const lock = new Database(database());
    lock.exec('BEGIN IMMEDIATE');
    await waitFor(() => stderr.includes('could not renew the claim on a run'), 'a lease renewal to meet the lock');
    lock.exec('ROLLBACK');
    lock.close();
    release();
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/SqliteError|at .*\.js:\d+/);
    expect(runsOf('locked')).toMatchObject([{ status: 'succeeded' }]);
    expect(ws.server.calls('/second')).toHaveLength(1);
  });

  it('leaves a run interrupted, not failed, when its checkpoint after a call cannot be written; resume sends the call again with the same key', async () => {
    ws.configure({ store: { busyTimeoutMs: 200 } });
    const flow = flowFile('busy', { id: 'busy', version: '1', steps: [call('first'), call('second'), call('third')] });
    let lock: Database.Database | undefined;
    ws.server.onCall((c, respond) => {
      if (c.path === '/second' && !lock) {
        lock = new Database(database());
        lock.exec('BEGIN IMMEDIATE');
      }
      respond();
    });
    const result = await cli(['run', flow]);
    lock!.exec('ROLLBACK');
    lock!.close();
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the store ${database()}`);
    expect(result.stderr).toContain('is busy: another process held its write lock longer than 200 ms');
    expect(result.stderr).toContain('was interrupted, not failed');
    expect(result.stderr).toContain('staffwire runs resume');
    expect(result.stdout).not.toContain('succeeded second');
    expect(result.stdout + result.stderr).not.toMatch(/failed second|✗/);
    expect(runsOf('busy')).toMatchObject([{ status: 'running' }]);

    const resumed = await cli(['runs', 'resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(runsOf('busy')).toMatchObject([{ status: 'succeeded' }]);
    const second = ws.server.calls('/second');
    expect(second).toHaveLength(2);
    expect(second[1]!.idempotencyKey).toBe(second[0]!.idempotencyKey);
    expect(ws.server.calls('/third')).toHaveLength(1);
  });

  it('on a read-only data directory, lists and shows runs, and refuses to run naming the file and the setting', async () => {
    const flow = flowFile('simple', { id: 'simple', version: '1', steps: [call('only')] });
    expect((await cli(['run', flow])).code).toBe(0);
    const [run] = runsOf('simple');
    chmodSync(ws.dir, 0o755);
    chmodSync(join(ws.dir, 'flows'), 0o755);
    chmodSync(join(ws.dir, 'data'), 0o555);
    // Root writes anywhere: the commands run as an unprivileged user instead.
    const asUser = (args: string[]): Promise<CliResult> =>
      collect(startCli([...args, '--config', ws.config], process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}));
    try {
      const list = await asUser(['runs', 'list']);
      expect(list.stderr).toBe('');
      expect(list.stdout).toContain(run!.id);
      const show = await asUser(['runs', 'show', run!.id]);
      expect(show.code).toBe(0);
      expect(show.stdout).toContain('succeeded only');
      const refused = await asUser(['run', flow]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(`the store ${database()} (data directory set by dataDir in ${ws.config}, or STAFFWIRE_DATA_DIR) is read-only for this user`);
      expect(refused.stderr).not.toContain('unexpected error');
      // With nothing to continue, resume needs no write; when it does need one, it names the file.
      const resume = await asUser(['runs', 'resume']);
      expect(resume.stderr).not.toContain('unexpected error');
      if (resume.code === 0) expect(resume.stdout.trim()).toBe('no interrupted runs');
      else expect(resume.stderr).toContain(`the store ${database()}`);
    } finally {
      chmodSync(join(ws.dir, 'data'), 0o755);
    }
  });
});

describe('the terminal', () => {
  it('keeps executing when the reader of its output goes away (`staffwire run … | head -1`)', async () => {
    const flow = flowFile('four', { id: 'four', version: '1', steps: [call('one'), call('two'), call('three'), call('four')] });
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    ws.server.onCall((c, respond) => (c.path === '/two' ? void blocked.then(() => respond()) : respond()));
    const process = startCli(['run', flow, '--config', ws.config]);
    const exited = collect(process);
    await waitFor(() => ws.server.calls('/two').length === 1, 'the second call');
    process.stdout!.destroy();
    unblock();
    const result = await exited;
    expect(result.signal).toBeNull();
    expect(result.stderr).not.toMatch(/EPIPE|Error/);
    expect(result.code).toBe(0);
    expect(runsOf('four')).toMatchObject([{ status: 'succeeded' }]);
    expect(ws.server.calls('/four')).toHaveLength(1);
  });

  it('fails a $sort of 40k items under a 512 MB heap cleanly, or finishes it — the process never dies', async () => {
    const flow = flowFile('sorting', {
      id: 'sorting',
      version: '1',
      steps: [{ id: 'sorted', kind: 'set', values: { first: '${ $sort([1..40000].($string(40000 - $))) [0] }' } }],
    });
    const result = await runCli(['run', flow, '--config', ws.config, '--json'], { env: { NODE_OPTIONS: '--max-old-space-size=512' } });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as RunRecord).output).toEqual({ first: '0' });
  });
});
