import jsonata from 'jsonata';
import { ExpressionError } from '../../errors/index.js';
import { evaluationBindings, registerBoundedBuiltins } from './bounded-builtins.js';
import { registerMoneyFunctions } from './money-functions.js';
import { boundedRegexEngine, RegexTimeoutError } from './regex-guard.js';
import type { Scope } from './scope.js';
import { registerTimeFunctions } from './time-functions.js';

export interface ExpressionLimits {
  /** Wall-clock budget of one evaluation. */
  timeoutMs: number;
  /** Maximum nesting of JSONata evaluation (recursion). */
  maxDepth: number;
  /** Maximum length of one result sequence, so an expression cannot exhaust memory. */
  maxSequence: number;
  /**
   * Maximum length of any string an evaluation builds. JSONata's string functions copy a string
   * into an array of characters, and past about 130 million V8 aborts the whole process, which no
   * try/catch survives. Default 10 million.
   */
  maxStringLength?: number;
}

export const DEFAULT_EXPRESSION_LIMITS: Required<ExpressionLimits> = {
  timeoutMs: 1000,
  maxDepth: 500,
  maxSequence: 1_000_000,
  maxStringLength: 10_000_000,
};

/** JSONata calls the function bound to this after evaluating every node, with its result. */
const EVALUATE_EXIT = Symbol.for('jsonata.__evaluate_exit');

class StringTooLongError extends Error {
  constructor(readonly length: number) {
    super(`string of ${length} characters`);
    this.name = 'StringTooLongError';
  }
}

export interface CompiledExpression {
  readonly source: string;
  /** Ids read through `$steps.<id>`, for the validator's reference check. */
  readonly stepReferences: readonly StepReference[];
  evaluate(scope: Scope): Promise<unknown>;
}

export interface StepReference {
  stepId: string;
  /** Offset of `$steps` inside the expression source. */
  position: number;
  /** The plain field names read after `$steps.<id>`, up to the first that is filtered or computed. */
  fields: string[];
}

interface JsonataNode {
  type: string;
  value?: unknown;
  position?: number;
  steps?: JsonataNode[];
  [key: string]: unknown;
}

interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

/** Compiles once; evaluations are bounded in time, depth and sequence length. */
export function compileExpression(source: string, limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS): CompiledExpression {
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(source, {
      timeout: limits.timeoutMs,
      stack: limits.maxDepth,
      sequence: limits.maxSequence,
      RegexEngine: boundedRegexEngine(limits.timeoutMs),
    });
  } catch (err) {
    const failure = err as JsonataFailure;
    throw new ExpressionError(`invalid expression: ${describeFailure(failure)}`, source, {
      code: 'expression.syntax',
      ...(failure.position === undefined ? {} : { position: syntaxPosition(failure) }),
    });
  }
  const maxStringLength = limits.maxStringLength ?? DEFAULT_EXPRESSION_LIMITS.maxStringLength;
  // Concatenation builds long strings lazily and cheaply; stopping them when they appear keeps
  // them from reaching a function that copies them.
  compiled.assign(EVALUATE_EXIT as unknown as string, (_node: unknown, _input: unknown, _env: unknown, result: unknown) => {
    if (typeof result === 'string' && result.length > maxStringLength) throw new StringTooLongError(result.length);
  });
  registerBoundedBuiltins(compiled, limits);
  registerTimeFunctions(compiled);
  registerMoneyFunctions(compiled, limits);
  const ast = compiled.ast() as unknown as JsonataNode;
  const stepReferences = collectStepReferences(ast);
  const fastPath = simpleVariablePath(ast);

  const evaluateWithJsonata = async (scope: Scope): Promise<unknown> => {
    try {
      const bindings = { ...(scope as unknown as Record<string, unknown>), ...evaluationBindings(limits) };
      return normaliseResult(await compiled.evaluate(scope.input, bindings));
    } catch (err) {
      throw toExpressionError(err, source, limits);
    }
  };

  if (fastPath === undefined) return { source, stepReferences, evaluate: evaluateWithJsonata };

  // Most expressions are plain references such as $input.offer.id. Reading them directly is
  // two orders of magnitude cheaper than a JSONata evaluation; arrays take the JSONata road
  // because JSONata maps paths over them.
  const [variable, names] = fastPath;
  return {
    source,
    stepReferences,
    evaluate(scope: Scope): Promise<unknown> {
      let value = (scope as unknown as Record<string, unknown>)[variable];
      for (const name of names) {
        if (Array.isArray(value)) return evaluateWithJsonata(scope);
        if (value === null || typeof value !== 'object') return Promise.resolve(undefined);
        value = Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
      }
      if (Array.isArray(value) || typeof value === 'function') return evaluateWithJsonata(scope);
      return Promise.resolve(value);
    },
  };
}

/** [variable, names] when the expression is `$var` or `$var.a.b` with plain names only. */
function simpleVariablePath(ast: JsonataNode): [string, string[]] | undefined {
  const isPlain = (node: JsonataNode) => Object.keys(node).every((k) => k === 'type' || k === 'value' || k === 'position');
  if (ast.type === 'variable' && isPlain(ast) && typeof ast.value === 'string' && ast.value !== '') {
    return [ast.value, []];
  }
  if (ast.type !== 'path' || !Array.isArray(ast.steps) || !Object.keys(ast).every((k) => k === 'type' || k === 'steps')) {
    return undefined;
  }
  const [head, ...rest] = ast.steps;
  if (!head || head.type !== 'variable' || !isPlain(head) || typeof head.value !== 'string' || head.value === '') return undefined;
  const names: string[] = [];
  for (const step of rest) {
    if (step.type !== 'name' || !isPlain(step) || typeof step.value !== 'string') return undefined;
    names.push(step.value);
  }
  return [head.value, names];
}

function collectStepReferences(node: unknown, found: StepReference[] = []): StepReference[] {
  if (Array.isArray(node)) {
    for (const child of node) collectStepReferences(child, found);
    return found;
  }
  if (node === null || typeof node !== 'object') return found;
  const n = node as JsonataNode;
  if (n.type === 'path' && Array.isArray(n.steps)) {
    const [head, next, ...rest] = n.steps;
    if (head?.type === 'variable' && head.value === 'steps' && next?.type === 'name' && typeof next.value === 'string') {
      found.push({ stepId: next.value, position: Math.max(0, (head.position ?? 6) - 6), fields: plainFields(next, rest) });
    }
  }
  for (const value of Object.values(n)) {
    if (value !== null && typeof value === 'object') collectStepReferences(value, found);
  }
  return found;
}

/** `a.b[0].c` reads a, b then c: a filter keeps the shape of what it filters, anything else ends the chain. */
function plainFields(stepIdNode: JsonataNode, rest: JsonataNode[]): string[] {
  const fields: string[] = [];
  if (hasFocus(stepIdNode)) return fields;
  for (const step of rest) {
    if (step.type !== 'name' || typeof step.value !== 'string') break;
    fields.push(step.value);
    if (hasFocus(step)) break;
  }
  return fields;
}

/** A step binding a focus or index variable, grouping or sorting changes what follows. */
function hasFocus(node: JsonataNode): boolean {
  return ['focus', 'index', 'tuple', 'group', 'keepArray'].some((key) => key in node);
}

/** JSONata sequences are arrays with extra flags; hand back plain JSON values. */
function normaliseResult(value: unknown): unknown {
  if (Array.isArray(value) && (value as { sequence?: boolean }).sequence) return Array.from(value);
  return value;
}

function syntaxPosition(failure: JsonataFailure): number {
  // JSONata reports the position just past the offending token.
  const width = typeof failure.token === 'string' && failure.token !== '(end)' ? failure.token.length : 0;
  return Math.max(0, (failure.position ?? 0) - width);
}

function describeFailure(failure: JsonataFailure): string {
  const message = failure.message ?? String(failure);
  return failure.code ? `${message} (JSONata ${failure.code})` : message;
}

function toExpressionError(err: unknown, source: string, limits: ExpressionLimits): ExpressionError {
  if (err instanceof ExpressionError) return err;
  const failure = (err ?? {}) as JsonataFailure;
  if (failure.code === 'D1012') {
    return new ExpressionError(
      `expression ran longer than ${limits.timeoutMs} ms and was stopped (limits.expressionTimeoutMs)`,
      source,
      { code: 'expression.timeout' },
    );
  }
  if (err instanceof RegexTimeoutError) {
    return new ExpressionError(
      `regular expression /${err.pattern}/ ran longer than ${limits.timeoutMs} ms on one match and was stopped (limits.expressionTimeoutMs)`,
      source,
      { code: 'expression.timeout' },
    );
  }
  if (failure.code === 'D1011' || (err instanceof RangeError && /call stack/i.test(err.message))) {
    return new ExpressionError(
      `expression nested deeper than ${limits.maxDepth} levels and was stopped (limits.expressionMaxDepth)`,
      source,
      { code: 'expression.too_deep' },
    );
  }
  // D2014: a range operator asked for more than JSONata's own ceiling of ten million items.
  if (failure.code === 'D2015' || failure.code === 'D2014') {
    return new ExpressionError(`expression built a sequence longer than ${limits.maxSequence} items and was stopped`, source, {
      code: 'expression.too_large',
    });
  }
  if (err instanceof StringTooLongError || (err instanceof RangeError && /invalid (string|array) length/i.test(err.message))) {
    const limit = limits.maxStringLength ?? DEFAULT_EXPRESSION_LIMITS.maxStringLength;
    return new ExpressionError(`expression built a string longer than ${limit} characters and was stopped`, source, {
      code: 'expression.too_large',
    });
  }
  return new ExpressionError(`expression failed: ${describeFailure(failure)}`, source, {
    code: 'expression.evaluation',
    ...(failure.position === undefined ? {} : { position: failure.position }),
  });
}
