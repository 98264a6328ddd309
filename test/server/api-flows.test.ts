import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { validateCommand } from '../../src/cli/commands/validate.js';
import { formatProblem, type FlowProblem } from '../../src/engine/validate/validate-flow.js';
import { expectApiError, helloFlow, twoCallsFlow, useServerHarness } from './server-harness.js';

const h = useServerHarness('api-flows');

type Validation = { valid: boolean; id?: string; version?: string; problems: FlowProblem[] };

function validate(text: string | Buffer, options: { file?: string; contentType?: string } = {}) {
  return h.call('POST', `/api/v1/flows/validate${options.file ? `?file=${encodeURIComponent(options.file)}` : ''}`, {
    as: 'viewer',
    body: text,
    headers: { 'content-type': options.contentType ?? 'application/json' },
  });
}

/** What `staffwire validate` prints for this text saved as `name` in the test folder. */
async function cliLines(name: string, text: string | Buffer): Promise<string[]> {
  const file = join(h.dir, name);
  writeFileSync(file, text);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    await validateCommand([file], { config: join(h.dir, 'staffwire.config.json') });
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  // The CLI names the file as given; the API as `file` says.
  return lines.map((line) => line.replace(file, name));
}

describe('GET /api/v1/flows', () => {
  it('lists every flow in the flow folders with what triggers it and what input it takes', async () => {
    h.flow(helloFlow);
    h.flow({ ...twoCallsFlow, name: 'Two calls', triggers: [{ kind: 'cron', schedule: '0 9 * * *', timeZone: 'Asia/Shanghai' }] });
    await h.boot();
    const res = await h.call('GET', '/api/v1/flows', { as: 'viewer' });
    expect(res.statusCode).toBe(200);
    const items = (res.json() as { items: { id: string }[] }).items.sort((a, b) => a.id.localeCompare(b.id));
    expect(items).toEqual([
      { id: 'hello', version: '1', triggers: [], input: helloFlow.input, businessKey: helloFlow.businessKey },
      { id: 'two-calls', version: '1', name: 'Two calls', triggers: [{ kind: 'cron', schedule: '0 9 * * *', timeZone: 'Asia/Shanghai' }] },
    ]);
  });
});

describe('GET /api/v1/flows/:id', () => {
  it('gives the whole definition, its file and that it is valid', async () => {
    h.flow(helloFlow);
    await h.boot();
    const res = await h.call('GET', '/api/v1/flows/hello', { as: 'viewer' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'hello', file: join('flows', 'hello.json'), valid: true, problems: [], definition: helloFlow });
  });

  it('gives the problems of a flow whose file has them, placed in the file', async () => {
    h.flow({ id: 'broken', version: '1', steps: [{ id: 'x', kind: 'call', action: 'http.request', connection: 'nowhere', with: { url: '/' } }] });
    await h.boot();
    const body = (await h.call('GET', '/api/v1/flows/broken', { as: 'viewer' })).json() as { valid: boolean; problems: FlowProblem[] };
    expect(body.valid).toBe(false);
    expect(body.problems).toEqual([expect.objectContaining({ file: join('flows', 'broken.json'), pointer: '/steps/0/connection', line: expect.any(Number), column: expect.any(Number) })]);
    expect(body.problems[0]!.message).toContain('nowhere');
  });

  it('answers 404 for a flow that is not there', async () => {
    await h.boot();
    expect(expectApiError(await h.call('GET', '/api/v1/flows/nope', { as: 'viewer' }), 404, 'flow.not_found').details).toEqual({ flowId: 'nope' });
  });
});

describe('POST /api/v1/flows/validate', () => {
  const cases: [string, string | Buffer][] = [
    ['a JSON syntax error', '{\n  "id": "x",\n  "version": "1"\n  "steps": []\n}'],
    ['schema problems', '{"id": "x",\n "version": 1}'],
    ['an unknown connection and a bad expression', JSON.stringify({ id: 'x', version: '1', steps: [{ id: 'a', kind: 'call', action: 'http.request', connection: 'nowhere', with: { url: '${ $$$ }' } }] }, null, 2)],
    ['an unknown step reference', JSON.stringify({ id: 'x', version: '1', steps: [{ id: 'out', kind: 'return', output: '${ $steps.missing.value }' }] }, null, 2)],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"id": "x'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])],
  ];

  it.each(cases)('gives the same problems as `staffwire validate`, with line and column, for %s', async (_case, text) => {
    await h.boot();
    const res = await validate(text, { file: 'candidate.json' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as Validation;
    expect(body.valid).toBe(false);
    expect(body.problems.length).toBeGreaterThan(0);
    for (const p of body.problems) expect(p).toEqual({ file: 'candidate.json', line: expect.any(Number), column: expect.any(Number), pointer: expect.any(String), message: expect.any(String) });
    expect(body.problems.map(formatProblem)).toEqual(await cliLines('candidate.json', text));
  });

  it('places a schema problem at the line and column of the value in the text sent', async () => {
    await h.boot();
    const body = (await validate('{"id": "x",\n "version": 1,\n "steps": []}')).json() as Validation;
    expect(body.problems).toContainEqual(expect.objectContaining({ file: 'flow.json', line: 2, column: 2, pointer: '/version' }));
  });

  it('says a valid flow is valid, with its id and version, as the CLI says ok', async () => {
    await h.boot();
    const text = JSON.stringify(twoCallsFlow);
    const res = await validate(text, { contentType: 'text/plain' });
    expect(res.json()).toEqual({ valid: true, id: 'two-calls', version: '1', problems: [] });
    expect(await cliLines('flow.json', text)).toEqual([`flow.json  ok`]);
  });

  it('reports an empty body as a problem of the flow, and refuses another content type with 415', async () => {
    await h.boot();
    const empty = (await validate('')).json() as Validation;
    expect(empty.valid).toBe(false);
    expect(empty.problems).toHaveLength(1);
    expectApiError(await validate('id: x', { contentType: 'application/yaml' }), 415, 'request.unsupported_media_type');
  });
});
