import { ExpressionError } from '../../errors/index.js';
import { setOwn } from '../../json/set-own.js';
import { compileExpression, type CompiledExpression, type ExpressionLimits } from './expression.js';
import { findExpressions, isWholeExpression, UnterminatedExpressionError } from './find-expressions.js';
import type { Scope } from './scope.js';

/**
 * A JSON value from a flow with its `${ … }` expressions compiled. A string that is exactly one
 * expression becomes the expression's typed value; other strings interpolate.
 */
export interface CompiledValue {
  readonly isStatic: boolean;
  readonly expressions: readonly PlacedExpression[];
  evaluate(scope: Scope): Promise<unknown>;
}

/** An expression and where it stands: `pointer` relative to the compiled value, `offset` of its `${` in that string. */
export interface PlacedExpression {
  compiled: CompiledExpression;
  pointer: string;
  offset: number;
}

/** An expression failed to compile; `pointer` is relative to the compiled value. */
export class TemplateCompileError extends Error {
  constructor(
    readonly pointer: string,
    /** Offset inside the string value where the problem is. */
    readonly offset: number,
    override readonly cause: ExpressionError | UnterminatedExpressionError,
  ) {
    super(cause.message);
  }
}

export function compileValue(value: unknown, limits: ExpressionLimits, pointer = ''): CompiledValue {
  if (typeof value === 'string') return compileString(value, limits, pointer);
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileValue(item, limits, `${pointer}/${i}`));
    if (items.every((item) => item.isStatic)) return staticValue(value);
    return {
      isStatic: false,
      expressions: items.flatMap((item) => item.expressions),
      evaluate: (scope) => Promise.all(items.map((item) => item.evaluate(scope))),
    };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([key, v]) => [key, compileValue(v, limits, `${pointer}/${escapePointer(key)}`)] as const,
    );
    if (entries.every(([, v]) => v.isStatic)) return staticValue(value);
    return {
      isStatic: false,
      expressions: entries.flatMap(([, v]) => v.expressions),
      async evaluate(scope) {
        const out: Record<string, unknown> = {};
        for (const [key, v] of entries) {
          const result = await v.evaluate(scope);
          if (result !== undefined) setOwn(out, key, result);
        }
        return out;
      },
    };
  }
  return staticValue(value);
}

function compileString(text: string, limits: ExpressionLimits, pointer: string): CompiledValue {
  let spans;
  try {
    spans = findExpressions(text);
  } catch (err) {
    if (err instanceof UnterminatedExpressionError) throw new TemplateCompileError(pointer, err.start, err);
    throw err;
  }
  if (spans.length === 0) return staticValue(text);
  const compiled = spans.map((span) => {
    try {
      return compileExpression(span.source, limits);
    } catch (err) {
      if (err instanceof ExpressionError) {
        throw new TemplateCompileError(pointer, span.start + 2 + (err.position ?? 0), err);
      }
      throw err;
    }
  });
  const placed = compiled.map((c, i) => ({ compiled: c, pointer, offset: spans[i]!.start }));
  if (isWholeExpression(text, spans)) {
    const only = compiled[0]!;
    return { isStatic: false, expressions: placed, evaluate: (scope) => only.evaluate(scope) };
  }
  return {
    isStatic: false,
    expressions: placed,
    async evaluate(scope) {
      let out = '';
      let last = 0;
      for (let i = 0; i < spans.length; i++) {
        const span = spans[i]!;
        out += text.slice(last, span.start) + interpolated(await compiled[i]!.evaluate(scope));
        last = span.end;
      }
      return out + text.slice(last);
    },
  };
}

function interpolated(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function staticValue(value: unknown): CompiledValue {
  const resolved = Promise.resolve(value);
  return { isStatic: true, expressions: [], evaluate: () => resolved };
}

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** True when a string holds at least one `${`. */
export function holdsExpression(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}
