/** One `${ … }` found in a string: its JSONata source and where it starts in the string. */
export interface ExpressionSpan {
  source: string;
  /** Index of the `$` of `${` in the string. */
  start: number;
  /** Index just past the closing `}`. */
  end: number;
}

export class UnterminatedExpressionError extends Error {
  constructor(readonly start: number) {
    super('"${" has no matching "}"');
  }
}

/**
 * Finds the `${ … }` spans of a string. Braces inside JSONata object constructors, string
 * literals, back-quoted names and comments do not end an expression.
 */
export function findExpressions(text: string): ExpressionSpan[] {
  const spans: ExpressionSpan[] = [];
  let i = text.indexOf('${');
  while (i !== -1) {
    const end = findClosingBrace(text, i + 2);
    if (end === -1) throw new UnterminatedExpressionError(i);
    spans.push({ source: text.slice(i + 2, end), start: i, end: end + 1 });
    i = text.indexOf('${', end + 1);
  }
  return spans;
}

function findClosingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipQuoted(text, i, ch);
      if (i === -1) return -1;
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) return -1;
      i = close + 1;
    } else if (ch === '{') {
      depth++;
    } else if (ch === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function skipQuoted(text: string, open: number, quote: string): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '`') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

/** True when the whole string (ignoring surrounding white space) is one `${ … }`. */
export function isWholeExpression(text: string, spans: ExpressionSpan[]): boolean {
  const only = spans[0];
  return spans.length === 1 && only !== undefined && text.slice(0, only.start).trim() === '' && text.slice(only.end).trim() === '';
}
