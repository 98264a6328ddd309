import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collect, runCli, startCli } from '../support/cli.js';
import { useCliWorkspace } from '../support/cli-workspace.js';

const TOO_DEEP = 'nested deeper than 1000 levels (the limit for any JSON Staffwire reads)';
/** `{"name": [[…]]}` with `depth` levels in all, the object included. */
const deepInput = (depth: number) => `{"name": ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
/** Where deepInput puts the bracket that opens level 1001: after `{"name": ` and 999 brackets. */
const DEEP_INPUT_COLUMN = '{"name": '.length + 999 + 1;

describe('staffwire CLI on JSON files that are not UTF-8 or nest too deep', () => {
  const ws = useCliWorkspace('json');

  const cli = (args: string[], input?: string) => ws.cli(args, input === undefined ? {} : { input });
  /** The CLI with raw bytes on standard input. */
  const cliWithBytes = (args: string[], input: Buffer) => {
    const child = startCli([...args, '--config', ws.config]);
    child.stdin?.write(input);
    return collect(child);
  };
  const file = (name: string, content: unknown) => ws.file(name, content);
  const noRuns = async () => expect((await cli(['runs', 'list'])).stdout.trim()).toBe('no runs');

  const greeting = {
    id: 'greeting',
    version: '1',
    input: { type: 'object', required: ['name'] },
    steps: [
      { id: 'send', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/greet', body: { name: '${ $input.name }' } } },
      { id: 'done', kind: 'return', output: { sent: true } },
    ],
  };

  it('refuses a Latin-1 input file with its byte offset and line:column, calls no vendor and creates no run', async () => {
    const flow = file('greeting.json', greeting);
    const input = file('input.json', Buffer.from('{"name": "José Muñoz"}', 'latin1'));
    const result = await cli(['run', flow, '--input', input]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`staffwire: ${input}: byte 13 (line 1, column 14) is not valid UTF-8; save the file as UTF-8\n`);
    expect(result.stdout).toBe('');

    const piped = await cliWithBytes(['run', flow, '--input', '-'], Buffer.from('{\n  "name": "José"\n}', 'latin1'));
    expect(piped.code).toBe(2);
    expect(piped.stderr).toBe('staffwire: standard input: byte 16 (line 2, column 15) is not valid UTF-8; save the file as UTF-8\n');

    expect(ws.server.calls('/greet')).toHaveLength(0);
    await noRuns();
  });

  it('runs a UTF-8 input with a byte order mark, names intact, but not one with a stray Latin-1 byte', async () => {
    const flow = file('greeting.json', greeting);
    const input = file('input.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name": "José Muñoz"}', 'utf8'), Buffer.from([0xe9])]));
    // One stray Latin-1 byte after the value is still refused: the whole file must be UTF-8.
    expect((await cli(['run', flow, '--input', input])).stderr).toContain('byte 27 (line 1, column 23) is not valid UTF-8');
    writeFileSync(input, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name": "José Muñoz"}', 'utf8')]));
    const result = await cli(['run', flow, '--input', input]);
    expect(result.code).toBe(0);
    expect(ws.server.calls('/greet')[0]!.body).toEqual({ name: 'José Muñoz' });
  });

  it('refuses inputs 10,000 and 4,000 deep with the depth limit, not a stack overflow or "invalid JSON" at 1:1', async () => {
    const flow = file('greeting.json', greeting);
    for (const depth of [10_000, 4_000, 1_001]) {
      const input = file(`deep-${depth}.json`, deepInput(depth));
      const result = await cli(['run', flow, '--input', input]);
      expect(result.code, `${depth} deep`).toBe(2);
      expect(result.stderr, `${depth} deep`).toBe(`staffwire: ${input}:1:${DEEP_INPUT_COLUMN}  ${TOO_DEEP}\n`);
    }
    const piped = await cli(['run', flow, '--input', '-'], deepInput(10_000));
    expect(piped.code).toBe(2);
    expect(piped.stderr).toBe(`staffwire: standard input:1:${DEEP_INPUT_COLUMN}  ${TOO_DEEP}\n`);
    expect(ws.server.calls('/greet')).toHaveLength(0);
    await noRuns();

    // Exactly at the limit is fine.
    const atLimit = await cli(['run', flow, '--input', file('deep-1000.json', deepInput(1000))]);
    expect(atLimit.stderr).toBe('');
    expect(atLimit.code).toBe(0);
    expect(ws.server.calls('/greet')).toHaveLength(1);
  });

  it('reports a Latin-1 flow file and a too-deep one from validate as file:line:col  pointer  message', async () => {
    const latin1 = file('latin1.json', Buffer.from('{\n  "id": "café",\n  "version": "1",\n  "steps": []\n}', 'latin1'));
    const deep = file('deep.json', `{\n  "id": "deep",\n  "version": "1",\n  "steps": [],\n  "output": ${'['.repeat(4000)}${']'.repeat(4000)}\n}`);
    const result = await cli(['validate', latin1, deep]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${latin1}:2:13  /  byte 14 is not valid UTF-8; save the file as UTF-8\n` +
        `${deep}:5:1012  /  ${TOO_DEEP}\n`,
    );
    expect(result.stderr).toBe('0 valid, 2 invalid\n');

    // `run` makes the same checks before it starts anything.
    const run = await cli(['run', latin1]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`${latin1}:2:13  /  byte 14 is not valid UTF-8; save the file as UTF-8\n`);
    await noRuns();
  });

  it('finds a flow by id in a UTF-8 file with a byte order mark, and skips a Latin-1 one', async () => {
    file('flows/greeting.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(greeting))]));
    file('flows/latin1.json', Buffer.from(JSON.stringify({ ...greeting, id: 'café' }), 'latin1'));
    const found = await cli(['run', 'greeting', '--input', '-'], '{"name": "Ada"}');
    expect(found.stderr).toBe('');
    expect(found.code).toBe(0);
    // Read as replacement characters, its id would have been "caf\uFFFD"; now it is not a flow at all.
    const skipped = await runCli(['run', 'caf\uFFFD', '--config', ws.config]);
    expect(skipped.code).toBe(2);
    expect(skipped.stderr).toContain('no flow with id "caf\uFFFD"');
  });

  it('refuses a configuration file that is not UTF-8 or nests too deep', async () => {
    writeFileSync(ws.config, Buffer.from('{ "dataDir": "données" }', 'latin1'));
    const latin1 = await runCli(['runs', 'list', '--config', ws.config]);
    expect(latin1.code).toBe(2);
    expect(latin1.stderr).toBe(`staffwire: ${ws.config}: byte 18 (line 1, column 19) is not valid UTF-8; save the file as UTF-8\n`);

    writeFileSync(ws.config, `{ "connections": ${'['.repeat(5000)}${']'.repeat(5000)} }`);
    const deep = await runCli(['runs', 'list', '--config', ws.config]);
    expect(deep.code).toBe(2);
    expect(deep.stderr).toBe(`staffwire: ${ws.config}:1:${'{ "connections": '.length + 1000}  ${TOO_DEEP}\n`);
  });
});
