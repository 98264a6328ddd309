/*
 * `$sort` and `$distinct` as JSONata ships them never consult its guardrails and are quadratic:
 * `$sort` is a recursive merge that copies the rest of a list for every element it places (100k
 * items exhaust the heap, which kills the process), `$distinct` compares every pair. These
 * replacements give the same results in O(n log n) and O(n), refuse lists longer than
 * `maxSequence`, do not start past the evaluation's deadline, and stop a sort with a comparator
 * at that deadline, between comparisons (each comparison is a call into the expression).
 *
 * Failures are thrown in JSONata's own shape (`{ code, value }`), so the expression error mapping
 * treats them like JSONata's: D1012 is a timeout, D2015 a sequence too long, D3070 a type error.
 */
import jsonata from 'jsonata';

/** The bounds these functions keep, from the expression's limits. */
export interface BuiltinLimits {
  timeoutMs: number;
  maxSequence: number;
}

/**
 * The binding through which each evaluation hands its deadline (epoch milliseconds) to the
 * functions it calls. The space keeps it out of reach of expressions: no `$name` can spell it.
 */
const EVALUATION_DEADLINE = 'evaluation deadline';

export function registerBoundedBuiltins(compiled: jsonata.Expression, limits: BuiltinLimits): void {
  // JSONata reads a native function's parameter names from its source to partially apply it
  // (`$sort(?, …)`), so both stay plain `function`s with plain parameters.
  compiled.registerFunction('sort', boundedSort(limits), '<af?:a>');
  compiled.registerFunction('distinct', boundedDistinct(limits), '<x:x>');
}

/** Bindings to add to those of one evaluation starting now. */
export function evaluationBindings(limits: BuiltinLimits, now = Date.now()): Record<string, number> {
  return { [EVALUATION_DEADLINE]: limits.timeoutMs > 0 ? now + limits.timeoutMs : Infinity };
}

type JsonataSequence = unknown[] & { sequence?: boolean };

function boundedSort(limits: BuiltinLimits) {
  return async function sort(this: jsonata.Focus, array: unknown[] | undefined, comparator: unknown): Promise<unknown[] | undefined> {
    if (array === undefined) return undefined;
    if (array.length <= 1) return array;
    refuseLongerThanMaxSequence(limits, array);
    const deadline = deadlineOf(this, limits);
    stopIfPastDeadline(deadline, limits);
    if (comparator === undefined) {
      const numbers = array.every((item) => typeof item === 'number' && !Number.isNaN(item));
      if (!numbers && !array.every((item) => typeof item === 'string')) throw jsonataError('D3070', { index: 1 });
      // Array.prototype.sort is stable; equal items keep their order, as in JSONata's merge sort.
      return Array.prototype.slice.call(array).sort(ascending);
    }
    return mergeSort(array, comparatorOf(comparator), () => stopIfPastDeadline(deadline, limits));
  };
}

function boundedDistinct(limits: BuiltinLimits) {
  return function distinct(this: jsonata.Focus, value: unknown): unknown {
    if (!Array.isArray(value) || value.length <= 1) return value;
    refuseLongerThanMaxSequence(limits, value);
    // One pass, linear in a list no longer than maxSequence: like a native sort, it needs no
    // deadline checks along the way.
    stopIfPastDeadline(deadlineOf(this, limits), limits);
    const result: JsonataSequence = [];
    // A sequence stays a sequence, so that a single distinct value still unwraps to itself.
    if ((value as JsonataSequence).sequence === true) result.sequence = true;
    const seen = new DistinctValues();
    for (const item of value as unknown[]) {
      if (seen.add(item)) result.push(item);
    }
    return result;
  };
}

/** Sorts as JSONata's merge sort does, comparison for comparison, without copying per element. */
async function mergeSort(items: readonly unknown[], comesAfter: Comparator, beforeComparing: () => void): Promise<unknown[]> {
  const sorted = Array.from(items);
  const merged = new Array<unknown>(sorted.length);
  const sortRange = async (start: number, end: number): Promise<void> => {
    if (end - start <= 1) return;
    // JSONata splits at floor(length / 2) and merges left before right; so does this.
    const middle = start + Math.floor((end - start) / 2);
    await sortRange(start, middle);
    await sortRange(middle, end);
    let left = start;
    let right = middle;
    let out = start;
    while (left < middle && right < end) {
      beforeComparing();
      // The comparator says whether its first argument belongs after the second.
      if (await comesAfter(sorted[left], sorted[right])) merged[out++] = sorted[right++];
      else merged[out++] = sorted[left++];
    }
    while (left < middle) merged[out++] = sorted[left++];
    while (right < end) merged[out++] = sorted[right++];
    for (let i = start; i < end; i++) sorted[i] = merged[i];
  };
  await sortRange(0, sorted.length);
  return sorted;
}

type Comparator = (left: unknown, right: unknown) => Promise<unknown>;

/** Calls a JSONata lambda with two arguments, for a comparator JSONata did not wrap. */
const CALL_COMPARATOR = jsonata('$comparator($left, $right)');

function comparatorOf(comparator: unknown): Comparator {
  // A function passed in a call arrives wrapped by JSONata in a plain async function; one bound by
  // partial application (`$sort(?, function($l, $r){…})`) arrives as JSONata's lambda object.
  if (typeof comparator === 'function') return async (left, right) => (comparator as (l: unknown, r: unknown) => unknown)(left, right);
  return (left, right) => CALL_COMPARATOR.evaluate(undefined, { comparator, left, right });
}

function ascending(a: unknown, b: unknown): number {
  const x = a as number | string;
  const y = b as number | string;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Which values were seen, by JSONata's deep equality: scalars by value, arrays item by item,
 * objects by key and value whatever the key order, functions by identity.
 */
class DistinctValues {
  private readonly scalars = new Set<unknown>();
  private readonly structures = new Set<string>();
  private readonly functionIds = new WeakMap<object, number>();
  private nextUniqueId = 0;

  /** True when no value deep-equal to `value` was added before. */
  add(value: unknown): boolean {
    // NaN equals nothing, itself included.
    if (typeof value === 'number' && Number.isNaN(value)) return true;
    const isStructure = value !== null && typeof value === 'object' && !isJsonataFunction(value);
    const set: Set<unknown> = isStructure ? this.structures : this.scalars;
    const key = isStructure ? this.canonical(value) : value;
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }

  /** A text equal for two values exactly when JSONata's deepEquals holds for them. */
  private canonical(value: unknown): string {
    switch (typeof value) {
      case 'undefined':
        return 'u';
      case 'boolean':
        return value ? 't' : 'f';
      case 'number':
        // String() tells every double apart, except 0 and -0, which are equal.
        return Number.isNaN(value) ? `N${this.nextUniqueId++}` : `d${String(value)}`;
      case 'string':
        return JSON.stringify(value);
      case 'object':
        if (value === null) return 'n';
        if (isJsonataFunction(value)) return this.identity(value);
        if (Array.isArray(value)) return `[${value.map((item: unknown) => this.canonical(item)).join(',')}]`;
        return `{${Object.getOwnPropertyNames(value)
          .sort()
          .map((key) => `${JSON.stringify(key)}:${this.canonical((value as Record<string, unknown>)[key])}`)
          .join(',')}}`;
      case 'function':
        return this.identity(value);
      default:
        // bigint and symbol, which no JSON holds.
        return `${typeof value}:${String(value)}`;
    }
  }

  private identity(value: object): string {
    let id = this.functionIds.get(value);
    if (id === undefined) {
      id = this.nextUniqueId++;
      this.functionIds.set(value, id);
    }
    return `F${id}`;
  }
}

function isJsonataFunction(value: object): boolean {
  const flags = value as { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  return flags._jsonata_function === true || flags._jsonata_lambda === true;
}

export function deadlineOf(focus: jsonata.Focus, limits: BuiltinLimits): number {
  const deadline: unknown = focus.environment.lookup(EVALUATION_DEADLINE);
  if (typeof deadline === 'number') return deadline;
  // Evaluated without our bindings: bound this call at least.
  return evaluationBindings(limits)[EVALUATION_DEADLINE]!;
}

export function stopIfPastDeadline(deadline: number, limits: BuiltinLimits): void {
  if (Date.now() > deadline) throw jsonataError('D1012', { value: limits.timeoutMs });
}

export function refuseLongerThanMaxSequence(limits: BuiltinLimits, items: readonly unknown[]): void {
  if (limits.maxSequence > 0 && items.length > limits.maxSequence) throw jsonataError('D2015', { value: limits.maxSequence });
}

/** An error as JSONata throws them; JSONata fills in the message from the code. */
function jsonataError(code: string, details: Record<string, unknown>): Record<string, unknown> {
  return { code, ...details, stack: new Error(code).stack };
}
