import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { evaluationBindings } from '../../src/engine/expressions/bounded-builtins.js';
import { compileExpression, DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from '../../src/engine/expressions/expression.js';
import { allocate, decimalMul, decimalRound, decimalSum, registerMoneyFunctions } from '../../src/engine/expressions/money-functions.js';
import type { Scope } from '../../src/engine/expressions/scope.js';
import { ExpressionError } from '../../src/errors/index.js';

function evaluate(source: string, input: unknown = {}, limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS): Promise<unknown> {
  const scope = { input, steps: {}, run: { id: 'run_test', flowId: 'test', flowVersion: '1', startedAt: '2030-01-01T00:00:00.000Z' } };
  return compileExpression(source, limits).evaluate(scope as unknown as Scope);
}

async function failure(source: string, input: unknown = {}): Promise<ExpressionError> {
  try {
    await evaluate(source, input);
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error(`${source} did not fail`);
}

/** An amount string (or number) in units of 10^-scale, as a BigInt: the tests' own exact oracle. */
function scaled(amount: string | number, scale: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(amount));
  if (!match) throw new Error(`not a plain decimal: ${amount}`);
  const fraction = match[3] ?? '';
  if (fraction.length > scale) throw new Error(`${amount} has more than ${scale} decimals`);
  const units = BigInt(match[2]! + fraction.padEnd(scale, '0'));
  return match[1] === '-' ? -units : units;
}

function decimalsOf(amount: string | number): number {
  return /\.(\d+)$/.exec(String(amount))?.[1]?.length ?? 0;
}

describe('$allocate', () => {
  // [case, pool, weights, currency, shares]
  const table: [string, string | number, (string | number)[], string, string[]][] = [
    ['100.00 over three equal weights: the leftover cent goes to the first', '100.00', [1, 1, 1], 'CNY', ['33.34', '33.33', '33.33']],
    ['100000 CNY over three equal weights', '100000', [1, 1, 1], 'CNY', ['33333.34', '33333.33', '33333.33']],
    ['JPY has no minor unit', '10000', [1, 1, 1], 'JPY', ['3334', '3333', '3333']],
    ['KWD has three decimals', '1.000', [1, 1, 1], 'KWD', ['0.334', '0.333', '0.333']],
    ['rating coefficients 1.2, 1.0, 0.8, 0.5: the largest remainder (0.8) gets the cent', '10000.00', ['1.2', '1.0', '0.8', '0.5'], 'CNY', ['3428.57', '2857.14', '2285.72', '1428.57']],
    ['coefficients as numbers give the same', 10000, [1.2, 1, 0.8, 0.5], 'CNY', ['3428.57', '2857.14', '2285.72', '1428.57']],
    ['a pool smaller than the number of employees', '0.02', [1, 1, 1, 1, 1], 'CNY', ['0.01', '0.01', '0.00', '0.00', '0.00']],
    ['a pool of one yen over many', 1, [1, 1, 1, 1], 'JPY', ['1', '0', '0', '0']],
    ['equal remainders: the larger weight first', '0.03', [1, 3, 2], 'CNY', ['0.00', '0.02', '0.01']],
    ['a pool of 123456789012345.67', '123456789012345.67', ['1.2', '1.0', '0.8', '0.5'], 'CNY', ['42328041947089.94', '35273368289241.62', '28218694631393.30', '17636684144620.81']],
    ['zero weights get nothing', '10', [0, 1, 0], 'CNY', ['0.00', '10.00', '0.00']],
    ['a zero pool gives zeros', '0', [1, 2], 'JPY', ['0', '0']],
    ['a zero pool over zero weights gives zeros', '0.00', [0, 0], 'CNY', ['0.00', '0.00']],
    ['a zero pool over no weights gives nothing', 0, [], 'CNY', []],
    ['numbers are read in decimal: 0.3 over 0.1 and 0.2', 0.3, [0.1, 0.2], 'USD', ['0.10', '0.20']],
    ['a pool written with more decimals, all zero, is still whole cents', '100.000', [1, 1], 'CNY', ['50.00', '50.00']],
    ['a single weight takes the whole pool', '99.99', ['7'], 'EUR', ['99.99']],
  ];

  it.each(table)('%s', async (_case, pool, weights, currency, shares) => {
    expect(allocate(pool, weights, currency)).toEqual(shares);
    await expect(evaluate('$allocate($input.pool, $input.weights, $input.currency)', { pool, weights, currency })).resolves.toEqual(shares);
  });

  it('splits each department of a bonus flow by its employees’ coefficients, a one-person department too', async () => {
    const input = {
      departments: [
        { name: 'Sales', pool: '100.00', employees: [{ id: 'e1', coefficient: 1.2 }, { id: 'e2', coefficient: 1 }, { id: 'e3', coefficient: 0.8 }] },
        { name: 'Legal', pool: '5000.00', employees: [{ id: 'e4', coefficient: 1.5 }] },
      ],
    };
    const source = `$input.departments.{
      'department': name,
      'bonuses': ($shares := $allocate(pool, employees.coefficient, 'CNY'); [$map(employees, function($e, $i){ { 'id': $e.id, 'amount': $shares[$i] } })]),
      'total': $decimalSum($allocate(pool, employees.coefficient, 'CNY'))
    }`;

    // JSON, as a step's output is stored: JSONata marks the arrays it builds as sequences.
    expect(JSON.parse(JSON.stringify(await evaluate(source, input)))).toEqual([
      { department: 'Sales', bonuses: [{ id: 'e1', amount: '40.00' }, { id: 'e2', amount: '33.33' }, { id: 'e3', amount: '26.67' }], total: '100.00' },
      { department: 'Legal', bonuses: [{ id: 'e4', amount: '5000.00' }], total: '5000.00' },
    ]);
  });

  it('applies partially', async () => {
    await expect(evaluate("$map(['10', '20'], $allocate(?, [1, 1, 1], 'CNY'))")).resolves.toEqual([
      ['3.34', '3.33', '3.33'],
      ['6.67', '6.67', '6.66'],
    ]);
  });

  it('fails with expression.too_large when there are more weights than maxSequence', async () => {
    const limits = { ...DEFAULT_EXPRESSION_LIMITS, maxSequence: 1000 };
    const weights = Array.from({ length: 1001 }, () => 1);

    await expect(evaluate("$allocate('100', $input.weights, 'CNY')", { weights }, limits)).rejects.toMatchObject({ code: 'expression.too_large' });
    await expect(evaluate("$allocate('100', $input.weights, 'CNY')", { weights: weights.slice(1) }, limits)).resolves.toHaveLength(1000);
  });

  it('does not start past the evaluation’s deadline', async () => {
    // Compiled without JSONata's timeout: only the deadline handed to $allocate can stop it.
    const compiled = jsonata("$allocate('100', $weights, 'CNY')");
    const limits = { timeoutMs: 1000, maxSequence: 0 };
    registerMoneyFunctions(compiled, limits);

    await expect(compiled.evaluate({}, { weights: [1, 1], ...evaluationBindings(limits, Date.now() - 5000) })).rejects.toMatchObject({ code: 'D1012' });
    await expect(compiled.evaluate({}, { weights: [1, 1], ...evaluationBindings(limits) })).resolves.toEqual(['50.00', '50.00']);
  });
});

describe('$allocate, for any pool and weights', () => {
  const currencies = fc.constantFrom({ currency: 'JPY', digits: 0 }, { currency: 'CNY', digits: 2 }, { currency: 'KWD', digits: 3 });
  const weight = fc.oneof(
    fc.integer({ min: 0, max: 1000 }),
    fc.constantFrom(0, 0.1, 0.5, 0.8, 1.2, 1 / 3, 2 / 3),
    fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 6 })).map(([units, places]) => {
      const digits = units.toString().padStart(places + 1, '0');
      return places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
    }),
  );
  const weights = fc.array(weight, { minLength: 1, maxLength: 2000, size: 'max' }).filter((list) => list.some((w) => Number(w) > 0));
  const allocation = fc
    .record({ currency: currencies, poolMinor: fc.bigInt({ min: 0n, max: 10n ** 20n }), weights })
    .map(({ currency: { currency, digits }, poolMinor, weights }) => {
      const text = poolMinor.toString().padStart(digits + 1, '0');
      const pool = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
      return { currency, digits, poolMinor, pool, weights };
    });

  it('adds up to the pool exactly, each share within one minor unit of its exact share, written with the minor-unit decimals', () => {
    fc.assert(
      fc.property(allocation, ({ currency, digits, poolMinor, pool, weights }) => {
        const shares = allocate(pool, weights, currency);
        expect(shares).toHaveLength(weights.length);
        for (const share of shares) expect(decimalsOf(share)).toBe(digits);
        const minor = shares.map((share) => scaled(share, digits));
        expect(minor.reduce((a, b) => a + b, 0n)).toBe(poolMinor);
        // share − pool × w / W, in minor units, times W: |share × W − pool × w| < W, all in integers.
        const scale = Math.max(...weights.map(decimalsOf));
        const exactWeights = weights.map((w) => scaled(w, scale));
        const weightSum = exactWeights.reduce((a, b) => a + b, 0n);
        minor.forEach((share, i) => {
          const gap = share * weightSum - poolMinor * exactWeights[i]!;
          expect(gap < weightSum && -gap < weightSum).toBe(true);
        });
      }),
    );
  });

  it('gives a larger weight never less, and the same result every time', () => {
    fc.assert(
      fc.property(allocation, ({ currency, digits, pool, weights }) => {
        const shares = allocate(pool, weights, currency);
        expect(allocate(pool, [...weights], currency)).toEqual(shares);
        const scale = Math.max(...weights.map(decimalsOf));
        const rows = weights.map((w, i) => ({ weight: scaled(w, scale), share: scaled(shares[i]!, digits) }));
        // Ordered by weight, then share, the shares never go down: else a larger weight got less.
        rows.sort((a, b) => (a.weight === b.weight ? Number(a.share - b.share) : a.weight < b.weight ? -1 : 1));
        rows.forEach((row, i) => {
          if (i > 0) expect(row.share >= rows[i - 1]!.share).toBe(true);
        });
      }),
    );
  });

  it('gives the same through a JSONata expression', async () => {
    const expression = compileExpression('$allocate($input.pool, $input.weights, $input.currency)');
    await fc.assert(
      fc.asyncProperty(allocation, async ({ currency, pool, weights }) => {
        const scope = { input: { pool, weights, currency }, steps: {}, run: { id: 'run_test', flowId: 'test', flowVersion: '1', startedAt: '2030-01-01T00:00:00.000Z' } };
        const shares = await expression.evaluate(scope as unknown as Scope);
        expect(shares).toEqual(allocate(pool, weights, currency));
      }),
      { numRuns: 50 },
    );
  });
});

describe('$decimalSum, $decimalMul and $decimalRound', () => {
  // [expression, result]
  const table: [string, unknown][] = [
    ["$decimalSum(['33.34', '33.33', '33.33'])", '100.00'],
    ['$decimalSum([0.1, 0.2])', '0.3'],
    ["$decimalSum(['1.5', 2, '-0.25'])", '3.25'],
    ["$decimalSum(['123456789012345.67', '0.33'])", '123456789012346.00'],
    ['$decimalSum([])', '0'],
    ['$decimalSum($input.missing)', '0'],
    ["$decimalSum('12.50')", '12.50'],
    ["$decimalSum(['-1.00', '1'])", '0.00'],
    ["$decimalMul('20000.00', '1.2')", '24000.000'],
    ['$decimalMul(0.1, 3)', '0.3'],
    ["$decimalMul('123456789012345.67', '0.15')", '18518518351851.8505'],
    ["$decimalMul('-2.5', '0.5')", '-1.25'],
    ["$decimalRound('2.345', 2)", '2.35'],
    ["$decimalRound('-2.345', 2)", '-2.35'],
    ["$decimalRound('2.344999', 2)", '2.34'],
    ["$decimalRound('7', 2)", '7.00'],
    ["$decimalRound('1234.5', 0)", '1235'],
    ["$decimalRound('-0.004', 2)", '0.00'],
    ["$decimalRound($decimalMul('18518518.51', '0.15'), 2)", '2777777.78'],
    ["$allocate($decimalRound($decimalMul('80000', '0.125'), 2), [$decimalMul('20000', '1.2'), $decimalMul('15000', '0.8')], 'CNY')", ['6666.67', '3333.33']],
  ];

  it.each(table)('%s is %j', async (source, result) => {
    await expect(evaluate(source, {})).resolves.toEqual(result);
  });

  it('are the same functions outside an expression', () => {
    expect(decimalSum(['1.10', '2.20'])).toBe('3.30');
    expect(decimalMul('1.10', '2')).toBe('2.20');
    expect(decimalRound('2.5', 0)).toBe('3');
  });
});

describe('money functions refuse bad arguments with an error naming the argument and its value', () => {
  const table: [string, string, RegExp][] = [
    ["$allocate('abc', [1], 'CNY')", 'a pool that is not a number', /\$allocate: pool \(argument 1\) must be a decimal string like "1234.56".*, got "abc"/],
    ["$allocate('1,000.00', [1], 'CNY')", 'a pool with grouping', /\$allocate: pool \(argument 1\) must be a decimal string like "1234.56".*, got "1,000.00"/],
    ["$allocate('1e3', [1], 'CNY')", 'a pool in exponent form', /\$allocate: pool \(argument 1\) must be a decimal string .*, got "1e3"/],
    ["$allocate(true, [1], 'CNY')", 'a pool that is a boolean', /\$allocate: pool \(argument 1\) must be a number or a decimal string like "1234.56", got true/],
    ["$allocate($input.missing, [1], 'CNY')", 'a missing pool', /\$allocate: pool \(argument 1\) must be a number or a decimal string like "1234.56", got nothing/],
    ["$allocate('-5.00', [1], 'CNY')", 'a negative pool', /\$allocate: pool \(argument 1\) must not be negative, got "-5.00"/],
    ["$allocate('100.001', [1], 'CNY')", 'a pool finer than the cent', /\$allocate: pool \(argument 1\) has more decimals than CNY allows \(2\), got "100.001"/],
    ["$allocate(100.5, [1], 'JPY')", 'a pool finer than the yen', /\$allocate: pool \(argument 1\) has more decimals than JPY allows \(0\), got 100.5/],
    ["$allocate('100', {'a': 1}, 'CNY')", 'weights that are an object', /\$allocate: weights \(argument 2\) must be a list of numbers or decimal strings, got \{"a":1\}/],
    ["$allocate('100', [1, -2], 'CNY')", 'a negative weight', /\$allocate: weights\[1\] \(argument 2\) must not be negative, got -2/],
    ["$allocate('100', [1, 'high'], 'CNY')", 'a weight that is not a number', /\$allocate: weights\[1\] \(argument 2\) must be a decimal string like "1234.56".*, got "high"/],
    ["$allocate('100', [1, null], 'CNY')", 'a weight that is null', /\$allocate: weights\[1\] \(argument 2\) must be a number or a decimal string like "1234.56", got null/],
    ["$allocate('100', [0, 0], 'CNY')", 'all weights zero', /\$allocate: weights \(argument 2\) are all zero, so pool "100" has no one to go to/],
    ["$allocate('100', [], 'CNY')", 'no weights', /\$allocate: weights \(argument 2\) is empty, so pool "100" has no one to go to/],
    ["$allocate('100', $input.missing, 'CNY')", 'missing weights', /\$allocate: weights \(argument 2\) is empty, so pool "100" has no one to go to/],
    ["$allocate('100', [1], 'XYZ')", 'a currency that does not exist', /\$allocate: currency \(argument 3\) must be an ISO 4217 currency code such as CNY, JPY or USD, got "XYZ"/],
    ["$allocate('100', [1], 'cny')", 'a currency code in lower case', /\$allocate: currency \(argument 3\) must be an ISO 4217 currency code .*, got "cny"/],
    ["$allocate('100', [1])", 'no currency', /\$allocate: currency \(argument 3\) must be an ISO 4217 currency code .*, got nothing/],
    ["$allocate('100', [1e-150], 'CNY')", 'a weight too fine to split by', /\$allocate: weights\[0\] \(argument 2\) has more than 100 digits before or 100 after the decimal point, got 1e-150/],
    ["$decimalSum(['1', 'x'])", 'a sum over something not a number', /\$decimalSum: values\[1\] \(argument 1\) must be a decimal string .*, got "x"/],
    ["$decimalSum({'a': 1})", 'a sum over an object', /\$decimalSum: values \(argument 1\) must be a list of numbers or decimal strings, got \{"a":1\}/],
    ["$decimalMul('2', $input.missing)", 'a product with nothing', /\$decimalMul: b \(argument 2\) must be a number or a decimal string like "1234.56", got nothing/],
    ["$decimalRound('2.5', 1.5)", 'rounding to half a place', /\$decimalRound: places \(argument 2\) must be a whole number from 0 to 100, got 1.5/],
    ["$decimalRound('2.5', -1)", 'rounding to tens', /\$decimalRound: places \(argument 2\) must be a whole number from 0 to 100, got -1/],
  ];

  it.each(table)('%s (%s)', async (source, _case, message) => {
    const err = await failure(source);
    expect(err.message).toMatch(message);
    expect(err.code).toBe('expression.evaluation');
    expect(err.expression).toBe(source);
  });

  it('refuses a decimal string longer than the bounds before doing arithmetic on it', () => {
    expect(() => decimalSum([`1${'0'.repeat(100)}`])).toThrow(/values\[0\] \(argument 1\) has more than 100 digits before or 100 after the decimal point/);
    expect(decimalSum([`9${'0'.repeat(99)}`])).toBe(`9${'0'.repeat(99)}`);
  });
});
