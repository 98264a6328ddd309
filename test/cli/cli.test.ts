import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useCliWorkspace } from '../support/cli-workspace.js';

describe('staffwire CLI', () => {
  const ws = useCliWorkspace('cli');

  const cli = (args: string[], input?: string) => ws.cli(args, input === undefined ? {} : { input });
  const file = (name: string, content: unknown) => ws.file(name, content);

  const greeting = {
    id: 'greeting',
    version: '2',
    input: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    steps: [
      { id: 'hello', kind: 'set', values: { text: 'Hello, ${ $input.name }!' } },
      { id: 'send', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/greet', body: '${ $steps.hello }' } },
      { id: 'done', kind: 'return', output: { text: '${ $steps.hello.text }', status: '${ $steps.send.status }' } },
    ],
  };

  it('runs a flow with input from a file: a line per step, then the output', async () => {
    const result = await cli(['run', file('greeting.json', greeting), '--input', file('in.json', { name: 'Ada' })]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^run run_\w+ {2}greeting@2$/);
    expect(lines.slice(1, 4).map((l) => l.replace(/\s+\d+(\.\d+)?m?s\s*$/, ''))).toEqual([
      '  ✓ succeeded hello',
      '  ✓ succeeded send',
      '  ✓ succeeded done',
    ]);
    expect(result.stdout).toContain('"text": "Hello, Ada!"');
    expect(ws.server.calls('/greet')[0]!.body).toEqual({ text: 'Hello, Ada!' });
  });

  it('reads input from standard input, finds a flow by id, and prints JSON with --json', async () => {
    file('flows/greeting.json', greeting);
    const result = await cli(['run', 'greeting', '--input', '-', '--json'], '{"name":"Grace"}');
    expect(result.code).toBe(0);
    const run = JSON.parse(result.stdout) as { status: string; output: unknown; steps: { path: string; status: string }[] };
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ text: 'Hello, Grace!', status: 200 });
    expect(run.steps.map((s) => `${s.path}:${s.status}`)).toEqual(['hello:succeeded', 'send:succeeded', 'done:succeeded']);
  });

  it('rejects bad input with a clear error and a non-zero exit, creating no run', async () => {
    const flow = file('greeting.json', greeting);
    const missing = await cli(['run', flow, '--input', join(ws.dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`staffwire: input file ${join(ws.dir, 'nope.json')} does not exist\n`);

    const malformed = await cli(['run', flow, '--input', '-'], '{"name": "Ada",}');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toBe('staffwire: standard input:1:15  invalid JSON: trailing comma before "}" (remove it)\n');

    const wrong = await cli(['run', flow, '--input', '-'], '{"name": 42}');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('staffwire: input of flow greeting is invalid: /name must be string\n');

    expect((await cli(['runs', 'list'])).stdout.trim()).toBe('no runs');
  });

  it('exits 1 and names the failed step when a run fails, then retries it from that step', async () => {
    let failSend = true;
    ws.server.onCall((call, respond) => (call.path === '/greet' && failSend ? respond(400, { error: 'no' }) : respond()));
    const flow = file('greeting.json', greeting);
    const failed = await cli(['run', flow, '--input', '-'], '{"name":"Ada"}');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/✗ failed {4}send .*vendor\.400: POST \/greet answered HTTP 400: \{"error":"no"\}/);
    expect(failed.stderr).toBe('error vendor.400 at send: POST /greet answered HTTP 400: {"error":"no"}\n');
    const runId = /^run (run_\w+)/.exec(failed.stdout)![1]!;

    const listed = await cli(['runs', 'list', '--status', 'failed']);
    expect(listed.stdout).toContain(`${runId}  failed    greeting@2`);
    const shown = await cli(['runs', 'show', runId]);
    expect(shown.stdout).toMatch(/✓ succeeded hello[\s\S]*✗ failed {4}send/);
    expect(shown.stdout).toMatch(/history \(created \S+ by cli\):\n {2}\d\d:\d\d:\d\d\.\d{3} {2}· running {3}send\s*\n {2}\d\d:\d\d:\d\d\.\d{3} {2}✗ failed {4}send +vendor\.400/);

    failSend = false;
    const retried = await cli(['runs', 'retry', runId]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain('"text": "Hello, Ada!"');
    // The send step ran again; the hello step did not (no new checkpoint line for it).
    expect(retried.stdout).not.toContain('hello');
    expect(ws.server.calls('/greet')).toHaveLength(2);
    // The retry and the attempts it replaced are both in the history.
    expect((await cli(['runs', 'show', runId])).stdout).toMatch(/✗ failed {4}send[\s\S]*● retried +by cli\n[\s\S]*✓ succeeded send/);
    const again = await cli(['runs', 'retry', runId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`staffwire: run ${runId} is succeeded; only failed runs can be retried\n`);
  });

  it('leaves a long wait to serve/resume, and cancels it on request', async () => {
    const flow = file('wait.json', { id: 'long-wait', version: '1', steps: [{ id: 'pause', kind: 'wait', for: '1h' }] });
    const started = await cli(['run', flow]);
    expect(started.code).toBe(0);
    expect(started.stdout).toContain('waits until');
    const runId = /^run (run_\w+)/.exec(started.stdout)![1]!;
    expect((await cli(['runs', 'list', '--status', 'waiting'])).stdout).toContain(runId);
    expect((await cli(['runs', 'resume'])).stdout.trim()).toBe('no interrupted runs');
    const cancelled = await cli(['runs', 'cancel', runId]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`${runId}  cancelled`);
  });

  it('answers --help on every command and exits 2 on usage errors', async () => {
    for (const args of [['--help'], ['validate', '--help'], ['run', '--help'], ['runs', '--help'], ['runs', 'list', '--help'], ['runs', 'show', '--help'], ['runs', 'retry', '--help'], ['runs', 'resume', '--help'], ['runs', 'cancel', '--help'], ['connectors', 'list', '--help'], ['connectors', 'show', '--help'], ['serve', '--help'], ['demo', '--help']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout, args.join(' ')).toContain('Usage: staffwire');
    }
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const badFlag = await runCli(['runs', 'list', '--colour']);
    expect(badFlag.code).toBe(2);
    expect((await cli(['runs', 'show', 'run_missing'])).stderr).toBe('staffwire: no run with id run_missing\n');
    expect((await cli(['runs', 'list', '--status', 'done'])).code).toBe(2);
  });

  it('rejects an invalid configuration with its location, and an inline secret', async () => {
    writeFileSync(ws.config, '{ "dataDir": 7 }');
    const wrongType = await runCli(['runs', 'list', '--config', ws.config]);
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toBe(`staffwire: invalid configuration:\n${ws.config}:1:3  /dataDir  expected a string, got number (7)\n`);

    writeFileSync(ws.config, JSON.stringify({ connections: { svc: { connector: 'http', auth: { type: 'bearer', token: 'abc' } } } }));
    const inline = await runCli(['runs', 'list', '--config', ws.config]);
    expect(inline.code).toBe(2);
    expect(inline.stderr).toContain('/connections/svc/auth');
    expect(inline.stderr).toContain('secrets must be {"env": "NAME"} references');
  });

  it('lists and shows connectors', async () => {
    const list = await runCli(['connectors', 'list']);
    expect(list.stdout).toContain('http             generic      HTTP request');
    const show = await runCli(['connectors', 'show', 'http']);
    expect(show.stdout).toContain('http.request');
    const unknown = await runCli(['connectors', 'show', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown connector "nope"');
  });
});
