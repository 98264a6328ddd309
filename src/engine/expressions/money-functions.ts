/*
 * Money functions for expressions, exact in decimal (never binary floating point), so a flow can
 * split a bonus pool and add amounts up to the cent:
 *
 *   $allocate(pool, weights, currency)  pool split across weights → amount strings summing to pool
 *   $decimalSum(values)                 exact sum of a list of amounts → decimal string
 *   $decimalMul(a, b)                   exact product (a salary × a coefficient) → decimal string
 *   $decimalRound(a, places)            rounded half away from zero, like a spreadsheet's ROUND
 *
 * Amounts are decimal strings (`"1234.50"`) or numbers, read through their shortest string form
 * (`0.1` is one tenth). Results are strings, so no float ever touches them on the way out:
 * `$allocate` writes each share with the currency's minor-unit decimals ("33.34", JPY "3334");
 * `$decimalSum` keeps the most decimals of its items, `$decimalMul` the sum of its arguments'
 * decimals (as SQL's numeric does), `$decimalRound` exactly `places`.
 *
 * A list may also be given as one value (JSONata unwraps a one-item sequence, so the coefficients
 * of a one-person department arrive as a plain number) or as nothing (an empty sequence).
 *
 * Bad arguments fail the expression with a message naming the function, the argument and its
 * value; lists longer than maxSequence are refused and long ones stop at the deadline, as the
 * bounded builtins do.
 */
import type { Decimal } from 'decimal.js';
import type jsonata from 'jsonata';
import { deadlineOf, refuseLongerThanMaxSequence, stopIfPastDeadline, type BuiltinLimits } from './bounded-builtins.js';
import { currencyMinorUnit } from './currency-minor-unit.js';
import { describeValue, FunctionArgumentError } from './function-argument.js';
import { ExactDecimal, formatDecimal, MAX_DECIMAL_PLACES, readDecimal, type ScaledDecimal } from './exact-decimal.js';
import { splitByLargestRemainder } from './largest-remainder.js';


/** What one call may spend: how long a list may be, and a check that the deadline has not passed. */
export interface CallBounds {
  refuseLongList(items: readonly unknown[]): void;
  stopIfPastDeadline(): void;
}

/** How often a long list checks the deadline, in items. */
const DEADLINE_CHECK_INTERVAL = 1024;

export function registerMoneyFunctions(compiled: jsonata.Expression, limits: BuiltinLimits): void {
  const boundsOf = (focus: jsonata.Focus): CallBounds => {
    const deadline = deadlineOf(focus, limits);
    return {
      refuseLongList: (items) => refuseLongerThanMaxSequence(limits, items),
      stopIfPastDeadline: () => stopIfPastDeadline(deadline, limits),
    };
  };
  // Plain functions with plain parameters: JSONata reads parameter names from a native function's
  // source to apply it partially (`$allocate(?, $weights, 'CNY')`).
  compiled.registerFunction('allocate', function allocateOf(this: jsonata.Focus, pool: unknown, weights: unknown, currency: unknown) {
    return allocate(pool, weights, currency, boundsOf(this));
  });
  compiled.registerFunction('decimalSum', function decimalSumOf(this: jsonata.Focus, values: unknown) {
    return decimalSum(values, boundsOf(this));
  });
  compiled.registerFunction('decimalMul', function decimalMulOf(a: unknown, b: unknown) {
    return decimalMul(a, b);
  });
  compiled.registerFunction('decimalRound', function decimalRoundOf(a: unknown, places: unknown) {
    return decimalRound(a, places);
  });
}

const UNBOUNDED: CallBounds = { refuseLongList: () => undefined, stopIfPastDeadline: () => undefined };

/**
 * `pool` split across `weights` in proportion, one amount string per weight in order, adding up
 * to `pool` exactly: each share rounded down to the currency's minor unit, then the minor units
 * left over handed out one each by largest remainder (ties: larger weight, then earlier index).
 */
export function allocate(poolArg: unknown, weightsArg: unknown, currencyArg: unknown, bounds: CallBounds = UNBOUNDED): string[] {
  const fn = 'allocate';
  const digits = currencyArgument(fn, currencyArg, 3);
  const currency = currencyArg as string;
  const pool = decimalArgument(fn, 'pool', 1, poolArg);
  if (pool.value.isNegative() && !pool.value.isZero()) throw new FunctionArgumentError(fn, 'pool', 1, `must not be negative, got ${describeValue(poolArg)}`);
  const scale = new ExactDecimal(10).pow(digits);
  const poolMinor = pool.value.mul(scale);
  if (!poolMinor.isInteger()) {
    throw new FunctionArgumentError(fn, 'pool', 1, `has more decimals than ${currency} allows (${digits}), got ${describeValue(poolArg)}`);
  }
  const items = listArgument(fn, 'weights', 2, weightsArg, bounds);
  const weights = items.map((item, index) => {
    if (index % DEADLINE_CHECK_INTERVAL === 0) bounds.stopIfPastDeadline();
    const weight = decimalArgument(fn, `weights[${index}]`, 2, item).value;
    if (weight.isNegative() && !weight.isZero()) throw new FunctionArgumentError(fn, `weights[${index}]`, 2, `must not be negative, got ${describeValue(item)}`);
    return weight;
  });
  const noOne = `so pool ${describeValue(poolArg)} has no one to go to`;
  if (weights.length === 0 && !poolMinor.isZero()) throw new FunctionArgumentError(fn, 'weights', 2, `is empty, ${noOne}`);
  if (weights.every((weight) => weight.isZero())) {
    if (!poolMinor.isZero()) throw new FunctionArgumentError(fn, 'weights', 2, `are all zero, ${noOne}`);
    return weights.map(() => formatDecimal(new ExactDecimal(0), digits));
  }
  const shares = splitByLargestRemainder(poolMinor, weights, (index) => {
    if (index % DEADLINE_CHECK_INTERVAL === 0) bounds.stopIfPastDeadline();
  });
  return shares.map((share) => formatDecimal(share.div(scale), digits));
}

/** The exact sum of `values`, with as many decimals as the item with the most. */
export function decimalSum(valuesArg: unknown, bounds: CallBounds = UNBOUNDED): string {
  const items = listArgument('decimalSum', 'values', 1, valuesArg, bounds);
  let sum: Decimal = new ExactDecimal(0);
  let places = 0;
  items.forEach((item, index) => {
    if (index % DEADLINE_CHECK_INTERVAL === 0) bounds.stopIfPastDeadline();
    const amount = decimalArgument('decimalSum', `values[${index}]`, 1, item);
    sum = sum.plus(amount.value);
    places = Math.max(places, amount.places);
  });
  return formatDecimal(sum, places);
}

/** The exact product of `a` and `b`, with as many decimals as both have together. */
export function decimalMul(aArg: unknown, bArg: unknown): string {
  const a = decimalArgument('decimalMul', 'a', 1, aArg);
  const b = decimalArgument('decimalMul', 'b', 2, bArg);
  return formatDecimal(a.value.mul(b.value), a.places + b.places);
}

/** `a` rounded to `places` decimals, halves away from zero (2.345 → 2.35, -2.345 → -2.35). */
export function decimalRound(aArg: unknown, placesArg: unknown): string {
  const a = decimalArgument('decimalRound', 'a', 1, aArg);
  if (typeof placesArg !== 'number' || !Number.isInteger(placesArg) || placesArg < 0 || placesArg > MAX_DECIMAL_PLACES) {
    throw new FunctionArgumentError('decimalRound', 'places', 2, `must be a whole number from 0 to ${MAX_DECIMAL_PLACES}, got ${describeValue(placesArg)}`);
  }
  return formatDecimal(a.value.toDecimalPlaces(placesArg, ExactDecimal.ROUND_HALF_UP), placesArg);
}

function currencyArgument(fn: string, value: unknown, position: number): number {
  const digits = typeof value === 'string' ? currencyMinorUnit(value) : undefined;
  if (digits === undefined) {
    throw new FunctionArgumentError(fn, 'currency', position, `must be an ISO 4217 currency code such as CNY, JPY or USD, got ${describeValue(value)}`);
  }
  return digits;
}

function decimalArgument(fn: string, argument: string, position: number, value: unknown): ScaledDecimal {
  const read = readDecimal(value);
  if ('problem' in read) throw new FunctionArgumentError(fn, argument, position, `${read.problem}, got ${describeValue(value)}`);
  return read;
}

function listArgument(fn: string, argument: string, position: number, value: unknown, bounds: CallBounds): readonly unknown[] {
  if (value === undefined) return [];
  if (typeof value === 'number' || typeof value === 'string') return [value];
  if (!Array.isArray(value)) {
    throw new FunctionArgumentError(fn, argument, position, `must be a list of numbers or decimal strings, got ${describeValue(value)}`);
  }
  bounds.refuseLongList(value);
  bounds.stopIfPastDeadline();
  return value;
}
