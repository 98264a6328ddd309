import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';

export interface Location {
  line: number;
  column: number;
}

/** Maps JSON pointers and offsets of a JSON text to 1-based line:column. */
export class JsonLocator {
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    private readonly tree: Node | undefined,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  at(offset: number): Location {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  /**
   * Location of the value at `pointer`; for a property missing from its object, the object. With
   * `innerOffset`, the character that many places into the string value.
   */
  locate(pointer: string, innerOffset?: number): Location {
    const node = this.nodeAt(pointer);
    if (!node) return { line: 1, column: 1 };
    if (innerOffset !== undefined && node.type === 'string') {
      return this.at(node.offset + 1 + rawOffset(this.text.slice(node.offset + 1, node.offset + node.length), innerOffset));
    }
    // For a property the user wrote, point at its key, which is where they look.
    const key = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    return this.at(key && node.parent?.parent?.type === 'object' ? key.offset : node.offset);
  }

  private nodeAt(pointer: string): Node | undefined {
    if (!this.tree) return undefined;
    const segments = pointer === '' ? [] : pointer.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
    for (let n = segments.length; n >= 0; n--) {
      const path = segments.slice(0, n).map((s, i) => (isArrayIndex(this.tree!, segments.slice(0, i), s) ? Number(s) : s));
      const node = findNodeAtLocation(this.tree, path);
      if (node) return node;
    }
    return this.tree;
  }
}

function isArrayIndex(tree: Node, parentPath: string[], segment: string): boolean {
  if (!/^\d+$/.test(segment)) return false;
  const parent = parentPath.length === 0 ? tree : findNodeAtLocation(tree, parentPath.map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
  return parent?.type === 'array';
}

/** Offset in the raw JSON string text of the `decoded`-th decoded character (escapes count once). */
function rawOffset(raw: string, decoded: number): number {
  let i = 0;
  let seen = 0;
  while (i < raw.length && seen < decoded) {
    if (raw[i] === '\\') i += raw[i + 1] === 'u' ? 6 : 2;
    else i++;
    seen++;
  }
  return i;
}

export interface ParsedJson {
  value: unknown;
  locator: JsonLocator;
  syntaxError?: { offset: number; message: string };
}

/** Strict JSON (no comments, no trailing commas), keeping positions for messages. */
export function parseJsonWithLocations(text: string): ParsedJson {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const locator = new JsonLocator(text, tree);
  const first = errors[0];
  if (first) {
    return { value: undefined, locator, syntaxError: { offset: first.offset, message: describeSyntaxError(printParseErrorCode(first.error), text, first.offset) } };
  }
  try {
    return { value: JSON.parse(text), locator };
  } catch (err) {
    return { value: undefined, locator, syntaxError: { offset: 0, message: `invalid JSON: ${(err as Error).message}` } };
  }
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the property name',
  CommaExpected: 'expected "," between items',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the array',
  EndOfFileExpected: 'unexpected content after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'malformed number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape sequence',
  InvalidCharacter: 'invalid character in string (control characters must be escaped)',
};

function describeSyntaxError(code: string, text: string, offset: number): string {
  if (text.trim() === '') return 'invalid JSON: the file is empty';
  const near = text.slice(offset, offset + 12).split('\n')[0];
  return `invalid JSON: ${SYNTAX_MESSAGES[code] ?? code}${near ? ` near ${JSON.stringify(near)}` : ' at the end of the file'}`;
}
