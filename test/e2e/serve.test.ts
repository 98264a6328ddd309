import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, startCli } from '../support/cli.js';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { countedCall } from '../support/counting-server.js';
import { ServeProcesses } from '../support/serve-process.js';
import { readStoreFile } from '../support/store-file.js';
import { waitFor } from '../support/wait-for.js';

/**
 * `staffwire serve` as a real process: what it prints, how it stops, and the work it takes over
 * from other processes on the same store (a CLI run parked on a wait, a CLI run killed mid-call)
 * without being restarted.
 */

const ws = useCliWorkspace('serve');
const serves = new ServeProcesses();
const others: ChildProcess[] = [];
let portHolder: Server | undefined;

afterEach(async () => {
  await serves.killAll();
  for (const child of others.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await new Promise<void>((resolve) => (portHolder ? portHolder.close(() => resolve()) : resolve()));
  portHolder = undefined;
});

const runsOf = (flowId: string) => readStoreFile(ws.database).runs.filter((r) => r.flowId === flowId);

describe('staffwire serve', () => {
  it('prints its URL (a free port for --port 0), the docs and how to make a token; SIGTERM stops it with exit 0', async () => {
    const serve = await serves.start(['--config', ws.config]);
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.url).not.toMatch(/:0$/);
    await waitFor(() => serve.output().stdout.includes('Ctrl-C stops.'), 'the whole banner');
    const { stdout } = serve.output();
    expect(stdout).toContain(`  api      ${serve.url}/api/v1\n`);
    expect(stdout).toContain(`  docs     ${serve.url}/docs  (OpenAPI: ${serve.url}/openapi.json)\n`);
    expect(stdout).toContain('no tokens configured, so the API refuses every call: `staffwire tokens create --name ops --role operator`');
    expect(stdout).toContain(`to server.tokens in ${ws.config}`);
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    // As a service does, it logs JSON lines to stderr (not to a file, as other commands do).
    const logged = () => serve.output().stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; url?: string });
    await waitFor(() => logged().some((line) => line.msg === 'staffwire serving' && line.url === serve.url), 'the log line saying where it serves');

    const stopped = await serve.stop('SIGTERM');
    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('staffwire: SIGTERM: stopping');
    expect(stopped.stderr).toContain('staffwire stopped');
    // It listens no more.
    await expect(fetch(`${serve.url}/healthz`)).rejects.toThrow();
  });

  it('exits 2 naming the port when the port is in use', async () => {
    portHolder = createServer();
    await new Promise<void>((resolve) => portHolder!.listen(0, '127.0.0.1', resolve));
    const port = (portHolder.address() as { port: number }).port;
    const result = await ws.cli(['serve', '--port', String(port)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`staffwire: port ${port} on 127.0.0.1 is in use: stop what holds it, or pass another --port (0 picks a free one)`);
    expect(result.stdout).not.toContain('serving on');
  });

  it('finishes, once due and without a restart, a run that another process parked on a wait', async () => {
    const flow = ws.file('flows/pausing.json', {
      id: 'pausing',
      version: '1',
      steps: [{ id: 'pause', kind: 'wait', for: '1s' }, countedCall('after'), { id: 'done', kind: 'return', output: { after: '${ $steps.after.body.nth }' } }],
    });
    await serves.start(['--config', ws.config]);
    const parked = await ws.cli(['run', flow, '--wait-up-to', '0']);
    expect(parked.code).toBe(0);
    expect(parked.stdout).toContain('waits until');

    await waitFor(() => runsOf('pausing')[0]?.status === 'succeeded', 'serve to finish the parked run');
    expect(runsOf('pausing')[0]!.output).toEqual({ after: 1 });
    expect(ws.server.calls('/after')).toHaveLength(1);
  });

  it('takes over a run whose process was SIGKILLed mid-call once its lease lapses: the call is sent again with the same key, and the run succeeds', async () => {
    ws.configure({ limits: { leaseMs: 1000 } });
    const flow = ws.file('flows/held.json', { id: 'held', version: '1', steps: [countedCall('first'), countedCall('second')] });
    // The first request to /first is held unanswered; every later one is answered.
    ws.server.onCall((call, respond, nth) => {
      if (call.path !== '/first' || nth > 1) respond();
    });
    await serves.start(['--config', ws.config]);
    const cli = startCli(['run', flow, '--config', ws.config]);
    others.push(cli);
    const exited = collect(cli);
    await waitFor(() => ws.server.calls('/first').length === 1, 'the CLI run to be mid-call');
    cli.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');

    await waitFor(() => runsOf('held')[0]?.status === 'succeeded', 'serve to take the run over and finish it');
    const first = ws.server.calls('/first');
    expect(first).toHaveLength(2);
    expect(first[0]!.idempotencyKey).toBeTruthy();
    expect(first[1]!.idempotencyKey).toBe(first[0]!.idempotencyKey);
    expect(ws.server.calls('/second')).toHaveLength(1);
  });
});
