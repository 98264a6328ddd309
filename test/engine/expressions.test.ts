import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileExpression, DEFAULT_EXPRESSION_LIMITS } from '../../src/engine/expressions/expression.js';
import type { Scope } from '../../src/engine/expressions/scope.js';
import { compileValue } from '../../src/engine/expressions/template.js';
import { FlowInvalidError } from '../../src/engine/flow-invalid-error.js';
import { createHarness, defineFlow, type Harness } from './helpers.js';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

function scope(parts: Partial<Scope> = {}): Scope {
  return { input: {}, steps: {}, run: { id: 'run_1', flowId: 'f', flowVersion: '1', startedAt: '2030-01-01T00:00:00.000Z' }, ...parts };
}

const evaluate = (value: unknown, s: Scope = scope()) => compileValue(value, DEFAULT_EXPRESSION_LIMITS).evaluate(s);

describe('${ } values', () => {
  const input = { n: 42, ok: true, person: { name: 'Ada', tags: ['a', 'b'] }, nothing: null };

  it.each([
    { value: '${$input.n}', expected: 42 },
    { value: '${$input.ok}', expected: true },
    { value: '${$input.person}', expected: { name: 'Ada', tags: ['a', 'b'] } },
    { value: '${$input.person.tags}', expected: ['a', 'b'] },
    { value: '${$input.nothing}', expected: null },
    { value: '${$input.n * 2}', expected: 84 },
    { value: '  ${ $input.n }  ', expected: 42 },
  ])('a string that is exactly one expression keeps its type: $value', async ({ value, expected }) => {
    expect(await evaluate(value, scope({ input }))).toEqual(expected);
  });

  it.each([
    { value: 'n=${$input.n}', expected: 'n=42' },
    { value: 'ok: ${$input.ok}', expected: 'ok: true' },
    { value: 'who: ${$input.person}', expected: 'who: {"name":"Ada","tags":["a","b"]}' },
    { value: '[${$input.nothing}][${$input.missing}]', expected: '[][]' },
    { value: '${$input.person.name} has ${$count($input.person.tags)} tags', expected: 'Ada has 2 tags' },
    { value: '${ "}" & $input.person.name } and ${ {"k": $input.n}.k }', expected: '}Ada and 42' },
  ])('a string with text around expressions interpolates: $value', async ({ value, expected }) => {
    expect(await evaluate(value, scope({ input }))).toBe(expected);
  });

  it('evaluates expressions anywhere in nested objects and arrays, dropping keys whose value is missing', async () => {
    const value = { a: ['${$input.n}', 'x', { b: '${$input.person.name}' }], gone: '${$input.missing}', kept: null };

    expect(await evaluate(value, scope({ input }))).toEqual({ a: [42, 'x', { b: 'Ada' }], kept: null });
  });

  describe('a key named __proto__ is data, like any other key', () => {
    // JSON.parse, as flows are read, makes `__proto__` an own key; an object literal would set the prototype.
    it.each([
      { name: 'a value', template: '{"__proto__": "${ $input.x }", "a": "${ $input.a }"}', expected: 'X' },
      { name: 'an object', template: '{"__proto__": { "polluted": "${ $input.x }" }, "a": "${ $input.a }"}', expected: { polluted: 'X' } },
      { name: 'an object built by JSONata', template: '{"__proto__": "${ {\\"polluted\\": $input.x} }", "a": "${ $input.a }"}', expected: { polluted: 'X' } },
    ])('keeps an own __proto__ key holding $name, and the prototype of the result', async ({ template, expected }) => {
      const result = (await evaluate(JSON.parse(template), scope({ input: { x: 'X', a: 1 } })))!;

      expect(Object.getOwnPropertyNames(result)).toEqual(['__proto__', 'a']);
      expect(Object.getOwnPropertyDescriptor(result, '__proto__')).toMatchObject({ value: expected, enumerable: true });
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect((result as { polluted?: unknown }).polluted).toBeUndefined();
      expect(JSON.parse(JSON.stringify(result))).toEqual(JSON.parse(`{"__proto__": ${JSON.stringify(expected)}, "a": 1}`));
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    });
  });
});

describe('scope variables', () => {
  let h: Harness;

  beforeEach(() => {
    h = createHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('binds $input, $steps, $item, $index, $run and, in a catch, $error', async () => {
    const flow = defineFlow([
      { id: 'first', kind: 'set', values: { v: 'from first' } },
      {
        id: 'each',
        kind: 'for',
        each: '${$input.items}',
        steps: [
          {
            id: 'guard',
            kind: 'try',
            steps: [{ id: 'boom', kind: 'raise', error: 'Boom', message: 'item ${$item}' }],
            catch: [
              {
                id: 'seen',
                kind: 'set',
                values: {
                  input: '${$input.label}',
                  step: '${$steps.first.v}',
                  item: '${$item}',
                  index: '${$index}',
                  run: '${$run}',
                  error: '${$error}',
                },
              },
            ],
          },
        ],
      },
    ]);

    const { run } = await h.runFlow(flow, { label: 'L', items: ['x', 'y'] });

    expect(run.status).toBe('succeeded');
    const runInfo = { id: run.id, flowId: flow.id, flowVersion: '1', startedAt: run.startedAt };
    expect(run.output).toEqual([
      { input: 'L', step: 'from first', item: 'x', index: 0, run: runInfo, error: { code: 'Boom', message: 'item x', category: 'raised', step: 'each[0].boom' } },
      { input: 'L', step: 'from first', item: 'y', index: 1, run: runInfo, error: { code: 'Boom', message: 'item y', category: 'raised', step: 'each[1].boom' } },
    ]);
  });

  it('keeps the output of a step with id __proto__ readable as $steps.__proto__, without touching the prototype of $steps', async () => {
    const flow = defineFlow([
      { id: '__proto__', kind: 'set', values: { polluted: 'yes' } },
      { id: 'read', kind: 'set', values: { own: '${$steps.__proto__.polluted}', ids: '${$keys($steps)}' } },
    ]);

    const { run } = await h.runFlow(flow);

    expect(run).toMatchObject({ status: 'succeeded', output: { own: 'yes', ids: '__proto__' } });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('fails the step with expression.evaluation, naming the expression, when evaluation fails', async () => {
    const { run } = await h.runFlow(defineFlow([{ id: 'calc', kind: 'set', values: { v: '${$input.n + "x"}' } }]), { n: 1 });

    expect(run.error).toMatchObject({ code: 'expression.evaluation', category: 'expression', step: 'calc' });
    expect(run.error?.message).toContain('${$input.n + "x"}');
  });

  it('rejects a syntax error when the flow compiles, before any run exists', async () => {
    expect(() => h.engine.compile(defineFlow([{ id: 'calc', kind: 'set', values: { v: '${$input.n +}' } }]))).toThrow(FlowInvalidError);
    expect(await h.store.listRuns()).toHaveLength(0);
  });
});

describe('the fast path for plain references', () => {
  const variables: Partial<Scope> = {
    input: {
      person: { name: 'Ada', manager: null, address: { city: 'Paris' } },
      list: [{ name: 'a', n: 1 }, { name: 'b', n: 2 }],
      one: [{ name: 'solo' }],
      matrix: [[1, 2], [3]],
      nested: { rows: [{ cells: [{ v: 1 }, { v: 2 }] }, { cells: [{ v: 3 }] }] },
      text: 'hello',
      zero: 0,
      empty: '',
      no: false,
    },
    steps: { fetch: { body: { items: [{ id: 1 }, { id: 2 }] } }, flag: true },
    item: { id: 'i-1' },
    index: 0,
  };

  it.each([
    '$input',
    '$input.person',
    '$input.person.name',
    '$input.person.address.city',
    '$input.person.manager',
    '$input.person.manager.name',
    '$input.person.missing',
    '$input.missing.deeper',
    '$input.list',
    '$input.list.name',
    '$input.list.n',
    '$input.one',
    '$input.one.name',
    '$input.matrix',
    '$input.nested.rows.cells.v',
    '$input.text',
    '$input.text.length',
    '$input.zero',
    '$input.empty',
    '$input.no',
    '$steps.fetch.body.items.id',
    '$steps.flag',
    '$item.id',
    '$index',
    '$nothing',
    '$nothing.at.all',
  ])('gives what JSONata gives for %s', async (path) => {
    const fast = await compileExpression(path).evaluate(scope(variables));
    // Parentheses make a block, which takes JSONata's own road.
    const viaJsonata = await compileExpression(`(${path})`).evaluate(scope(variables));

    expect(fast).toEqual(viaJsonata);
  });
});

describe('hostile expressions', () => {
  let h: Harness;

  beforeEach(() => {
    h = createHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it.each([
    { name: 'endless recursion', expression: '($f := function(){ $f() }; $f())', code: 'expression.timeout' },
    { name: 'deep non-tail recursion', expression: '($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))', code: 'expression.too_deep' },
    { name: 'a range past JSONata’s own ceiling', expression: '[1..100000000]', code: 'expression.too_large' },
    { name: 'a sequence past maxSequence', expression: '$count([1..5000000])', code: 'expression.too_large' },
    { name: 'a string doubled past maxStringLength, then copied', expression: '$reduce([1..28], function($a, $i){ $a & $a }, "x") ~> $length()', code: 'expression.too_large' },
    { name: 'a padding of 300 million characters', expression: '$pad("x", 300000000) ~> $length()', code: 'expression.too_large' },
  ])('bounds $name: the step fails with $code and the process runs the next flow', async ({ expression, code }) => {
    const hostile = await h.runFlow(defineFlow([{ id: 'evil', kind: 'set', values: { v: `\${${expression}}` } }]));

    expect(hostile.run.status).toBe('failed');
    expect(hostile.run.error).toMatchObject({ code, category: 'expression', step: 'evil' });
    expect(hostile.run.error?.message).toContain(expression);

    const next = await h.runFlow(defineFlow([{ id: 'fine', kind: 'set', values: { v: '${$input.n + 1}' } }]), { n: 1 });
    expect(next.run).toMatchObject({ status: 'succeeded', output: { v: 2 } });
  });

  // A regular expression that escaped its bound would block this process for hours, past any
  // test timeout: the flows run in a child process that is killed if it outlives the deadline.
  it.each([
    { guard: true, linearOutcome: { status: 'succeeded', output: { v: false } } },
    { guard: false, linearOutcome: { status: 'failed', code: 'expression.timeout' } },
  ])('bounds catastrophic regular expressions (linear regex flags on: $guard)', ({ guard, linearOutcome }) => {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', REGEX_CHILD, guard ? 'guard' : 'no-guard'], {
      cwd: packageRoot,
      encoding: 'utf8',
      timeout: 25_000,
    });

    expect(child.error, child.stderr).toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    const outcomes = JSON.parse(child.stdout) as Record<string, unknown>;
    expect(outcomes).toEqual({
      nestedQuantifier: linearOutcome,
      caseInsensitive: { status: 'failed', code: 'expression.timeout' },
      backreference: { status: 'failed', code: 'expression.timeout' },
      afterwards: { status: 'succeeded', output: { v: ['b', 'c'] } },
    });
  });
});

/** Runs flows with hostile regular expressions on the built engine; prints each outcome as JSON. */
const REGEX_CHILD = `
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ConnectorRegistry } from './dist/src/connector-kit/registry.js';
import { Engine } from './dist/src/engine/engine.js';
import { enableLinearRegexFallback } from './dist/src/engine/expressions/regex-guard.js';
import { SqliteStore } from './dist/src/store/sqlite/sqlite-store.js';

if (process.argv[1] === 'guard') enableLinearRegexFallback();
const dir = mkdtempSync(join(tmpdir(), 'staffwire-regex-'));
const store = new SqliteStore(join(dir, 'staffwire.db'));
const engine = new Engine({
  store,
  connectors: new ConnectorRegistry(),
  log: pino({ level: 'silent' }),
  limits: { expression: { timeoutMs: 300, maxDepth: 500, maxSequence: 1000000 } },
});
const victim = '"' + 'a'.repeat(42) + '!"';
const cases = {
  nestedQuantifier: '$contains(' + victim + ', /(a+)+$/)',
  caseInsensitive: '$contains(' + victim + ', /(a+)+$/i)',
  backreference: '$contains(' + victim + ', /(a|aa)+\\\\1$/)',
  afterwards: '$match("abc", /(b)(c)/).groups',
};
const outcomes = {};
for (const [name, expression] of Object.entries(cases)) {
  const flow = engine.compile({ id: 'regex-' + name.toLowerCase(), version: '1', steps: [{ id: 'm', kind: 'set', values: { v: '\${' + expression + '}' } }] });
  const run = await engine.executeRun((await engine.startRun(flow, {})).id);
  outcomes[name] = run.status === 'succeeded' ? { status: run.status, output: run.output } : { status: run.status, code: run.error?.code };
}
await store.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify(outcomes));
`;
