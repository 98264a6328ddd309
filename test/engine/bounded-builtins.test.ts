import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { evaluationBindings, registerBoundedBuiltins } from '../../src/engine/expressions/bounded-builtins.js';
import { compileExpression, DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from '../../src/engine/expressions/expression.js';
import type { Scope } from '../../src/engine/expressions/scope.js';

function scope(input: unknown): Scope {
  return { input, steps: {}, run: { id: 'run_1', flowId: 'f', flowVersion: '1', startedAt: '2030-01-01T00:00:00.000Z' } };
}

const evaluate = (source: string, input: unknown = {}, limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS) =>
  compileExpression(source, limits).evaluate(scope(input));

/** What JSONata's own functions give, as plain JSON (sequences become arrays). */
async function evaluateWithPlainJsonata(source: string, input: unknown): Promise<unknown> {
  const result: unknown = await jsonata(source).evaluate(input, { input });
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}

/** Numbers 0 … count-1 in an order that is neither sorted nor reversed. */
function shuffled(count: number): number[] {
  const values = Array.from({ length: count }, (_, i) => i);
  let seed = 42;
  for (let i = count - 1; i > 0; i--) {
    seed = (seed * 48271) % 2147483647;
    const j = seed % (i + 1);
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

const input = {
  people: [
    { name: 'Eve', age: 40 },
    { name: 'Bob', age: 30 },
    { name: 'Ada', age: 40 },
    { name: 'Cy', age: 25 },
    { name: 'Dee', age: 30 },
  ],
  items: [{ tag: 'b' }, { tag: 'a' }, { tag: 'b' }, { tag: 'c' }, { tag: 'a' }],
  sameTag: [{ tag: 'x' }, { tag: 'x' }, { tag: 'x' }],
  records: [{ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, { a: 1, b: { c: [2, 1] } }],
};

describe('$sort', () => {
  it.each([
    '$sort([3, 1, 2, 1.5, -4, 0, 2])',
    '$sort(["b", "a", "B", "aa", "", "ä", "a"])',
    '$sort([])',
    '$sort([5])',
    '$sort(5)',
    '$sort($input.missing)',
    '$sort($input.people.age)',
    '$sort($input.people.name)',
    // Stable: people of one age keep their order.
    '$sort($input.people, function($l, $r){ $l.age > $r.age })',
    '$sort($input.people, function($l, $r){ $l.name > $r.name })',
    '$sort([3, 1, 2], function($l, $r){ $l < $r })',
    // A comparator that is not an order still gives JSONata's result: the same merges, comparison for comparison.
    '$sort($input.people, function($l, $r){ "always" })',
    '$sort($input.people, function($l, $r){ $l.age = 30 })',
    '[3, 1, 2] ~> $sort(function($l, $r){ $l < $r })',
    '$map([[3, 1, 2], [5, 4]], function($v){ $sort($v) })',
    '($s := $sort(?); $s([2, 3, 1]))',
    '$sort($input.people.age)[0]',
  ])('gives what JSONata gives for %s', async (source) => {
    expect(await evaluate(source, input)).toEqual(await evaluateWithPlainJsonata(source, input));
  });

  it('rejects a list of mixed types without a comparator with JSONata’s D3070', async () => {
    await expect(evaluateWithPlainJsonata('$sort([1, "a"])', {})).rejects.toMatchObject({ code: 'D3070' });
    const failure = evaluate('$sort([1, "a"])');

    await expect(failure).rejects.toMatchObject({ code: 'expression.evaluation', category: 'expression' });
    await expect(failure).rejects.toThrow(/D3070/);
  });

  it('sorts with a comparator bound by partial application, where JSONata’s own $sort throws', async () => {
    expect(await evaluate('($s := $sort(?, function($l, $r){ $l < $r }); $s([1, 3, 2]))')).toEqual([3, 2, 1]);
  });

  it('sorts a million numbers within the default limits', async () => {
    const values = shuffled(1_000_000);

    const sorted = (await evaluate('$sort($input.values)', { values })) as number[];

    expect(sorted).toHaveLength(1_000_000);
    expect(sorted.every((value, i) => value === i)).toBe(true);
    expect(values[0]).not.toBe(0); // the input is left as it was
  });

  it('fails with expression.timeout when a sort with a comparator outlives the time limit, and the next evaluation runs', async () => {
    const limits = { ...DEFAULT_EXPRESSION_LIMITS, timeoutMs: 100 };
    const values = shuffled(200_000);

    await expect(evaluate('$sort($input.values, function($l, $r){ $l > $r })', { values }, limits)).rejects.toMatchObject({
      code: 'expression.timeout',
    });
    expect(await evaluate('$sort($input.values, function($l, $r){ $l < $r })', { values: [1, 3, 2] }, limits)).toEqual([3, 2, 1]);
  });

  it('checks the evaluation’s own deadline between comparisons, even where JSONata has no time limit', async () => {
    // Compiled without JSONata's timeout: only the deadline handed to $sort can stop it.
    const compiled = jsonata('$sort($values, function($l, $r){ $l > $r })');
    const limits = { timeoutMs: 50, maxSequence: 0 };
    registerBoundedBuiltins(compiled, limits);

    await expect(compiled.evaluate({}, { values: shuffled(200_000), ...evaluationBindings(limits) })).rejects.toMatchObject({ code: 'D1012' });
  });

  it('keeps the deadlines of concurrent evaluations of one expression apart', async () => {
    const compiled = jsonata('$sort($values, function($l, $r){ $l > $r })');
    const limits = { timeoutMs: 1000, maxSequence: 0 };
    registerBoundedBuiltins(compiled, limits);
    const values = shuffled(100);

    const [late, onTime] = await Promise.allSettled([
      compiled.evaluate({}, { values, ...evaluationBindings(limits, Date.now() - 5000) }),
      compiled.evaluate({}, { values, ...evaluationBindings(limits) }),
    ]);

    expect(late).toMatchObject({ status: 'rejected', reason: { code: 'D1012' } });
    expect(onTime).toEqual({ status: 'fulfilled', value: Array.from({ length: 100 }, (_, i) => i) });
  });

  it.each([
    '$sort($input.values)',
    '$sort($input.values, function($l, $r){ $l > $r })',
  ])('fails %s with expression.too_large when the list is longer than maxSequence', async (source) => {
    const limits = { ...DEFAULT_EXPRESSION_LIMITS, maxSequence: 1000 };

    await expect(evaluate(source, { values: shuffled(1001) }, limits)).rejects.toMatchObject({ code: 'expression.too_large' });
    expect(await evaluate(source, { values: shuffled(1000) }, limits)).toHaveLength(1000);
  });
});

describe('$distinct', () => {
  it.each([
    '$distinct([1, 1, "1", true, true, false, null, null, 0, -0, 2, 1])',
    '$distinct([[1], [1], [1, 2], [2, 1], [[1]], [], []])',
    '$distinct([{"a": 1, "b": [2]}, {"b": [2], "a": 1}, {"a": 1}, {"a": "1"}, {}, {}])',
    '$distinct($input.records)',
    '$distinct($input.items.tag)',
    '$count($distinct($input.items.tag))',
    // One distinct value of a sequence unwraps to that value, as with JSONata's own $distinct.
    '$distinct($input.sameTag.tag)',
    '$count($distinct($input.sameTag.tag))',
    '$distinct($input.items).tag',
    '$distinct([])',
    '$distinct(["a"])',
    '$distinct(5)',
    '$distinct("a")',
    '$distinct({"a": 1})',
    '$distinct($input.missing)',
    '($d := $distinct(?); $d([2, 1, 2]))',
  ])('gives what JSONata gives for %s', async (source) => {
    expect(await evaluate(source, input)).toEqual(await evaluateWithPlainJsonata(source, input));
  });

  it('keeps the first of deep-equal objects whatever their key order, in the order they came', async () => {
    const records = [{ id: 2, tags: ['x'] }, { id: 1 }, { tags: ['x'], id: 2 }, { id: 1, extra: null }];

    expect(await evaluate('$distinct($input)', records)).toEqual([{ id: 2, tags: ['x'] }, { id: 1 }, { id: 1, extra: null }]);
  });

  it('tells strings apart from numbers and arrays from their text', async () => {
    expect(await evaluate('$distinct([1, "1", [1], "[1]", {"1": 1}, "{\\"1\\":1}", null, "null"])')).toEqual([
      1,
      '1',
      [1],
      '[1]',
      { 1: 1 },
      '{"1":1}',
      null,
      'null',
    ]);
  });

  it('keeps a million distinct numbers within the default limits', async () => {
    const values = shuffled(1_000_000);

    expect(await evaluate('$count($distinct($input.values))', { values })).toBe(1_000_000);
  });

  it('fails with expression.too_large when the list is longer than maxSequence', async () => {
    const limits = { ...DEFAULT_EXPRESSION_LIMITS, maxSequence: 1000 };

    await expect(evaluate('$distinct($input.values)', { values: shuffled(1001) }, limits)).rejects.toMatchObject({
      code: 'expression.too_large',
    });
    expect(await evaluate('$distinct($input.values)', { values: [...shuffled(999), 7] }, limits)).toHaveLength(999);
  });
});
