import { findNodeAtLocation, getNodePath, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';

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

/** A property name written twice in one object: JSON.parse silently keeps the last. */
export interface DuplicateKey {
  name: string;
  pointer: string;
  /** Offset of the later key. */
  offset: number;
  firstOffset: number;
}

/** Why a text is not JSON, and where: an offset into the text. */
export interface SyntaxProblem {
  offset: number;
  message: string;
}

export interface ParsedJson {
  value: unknown;
  locator: JsonLocator;
  syntaxError?: SyntaxProblem;
  duplicateKeys: DuplicateKey[];
}

/** Strict JSON (no comments, no trailing commas), keeping positions for messages. */
export function parseJsonWithLocations(raw: string): ParsedJson {
  // Editors on Windows may save a byte order mark; it is not part of the JSON text, and no column counts it.
  const text = raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const locator = new JsonLocator(text, tree);
  const first = errors[0];
  if (first) {
    return { value: undefined, locator, syntaxError: describeSyntaxError(printParseErrorCode(first.error), text, first.offset), duplicateKeys: [] };
  }
  try {
    return { value: JSON.parse(text), locator, duplicateKeys: findDuplicateKeys(tree) };
  } catch (err) {
    return { value: undefined, locator, syntaxError: { offset: 0, message: `invalid JSON: ${(err as Error).message}` }, duplicateKeys: [] };
  }
}

function findDuplicateKeys(node: Node | undefined, found: DuplicateKey[] = []): DuplicateKey[] {
  if (!node) return found;
  if (node.type === 'object') {
    const seen = new Map<string, number>();
    for (const key of (node.children ?? []).map((property) => property.children?.[0])) {
      if (!key) continue;
      const name = String(key.value);
      const firstOffset = seen.get(name);
      if (firstOffset === undefined) {
        seen.set(name, key.offset);
      } else {
        const pointer = [...getNodePath(node), name].map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
        found.push({ name, pointer, offset: key.offset, firstOffset });
      }
    }
  }
  for (const child of node.children ?? []) findDuplicateKeys(child, found);
  return found;
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the property name',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the array',
  EndOfFileExpected: 'unexpected content after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string: close it with " on the same line',
  UnexpectedEndOfNumber: 'malformed number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape sequence',
  InvalidCharacter: 'invalid character in string (control characters must be escaped)',
};

/**
 * jsonc-parser's error in plain words, for the usual hand-editing slips, and moved to where the
 * fix goes when that is not where the parser noticed.
 */
function describeSyntaxError(code: string, text: string, offset: number): SyntaxProblem {
  if (text.trim() === '') return { offset: 0, message: 'invalid JSON: the file is empty' };
  const previous = lastNonSpace(text, offset);
  const next = text[offset];
  switch (code) {
    case 'ValueExpected':
    case 'PropertyNameExpected':
      if (text[previous] === ',' && (next === ']' || next === '}')) {
        return { offset: previous, message: `invalid JSON: trailing comma before "${next}" (remove it)` };
      }
      break;
    case 'CommaExpected': {
      // The parser reads 007 as the number 0 followed by a second value.
      const zero = /(?:^|[^\d.eE+-])(-?0)$/.exec(text.slice(0, offset));
      if (zero && /\d/.test(next ?? '')) {
        return { offset: offset - zero[1]!.length, message: 'invalid JSON: a number cannot start with 0; write it as a string if the zero matters' };
      }
      // A bracket of the other kind where "," was expected: the block before it was never closed.
      if (next === '}') return { offset: previous + 1, message: 'invalid JSON: missing "]" to close the array' };
      if (next === ']') return { offset: previous + 1, message: 'invalid JSON: missing "}" to close the object' };
      return { offset: previous + 1, message: 'invalid JSON: missing "," after this value' };
    }
    case 'InvalidSymbol': {
      if (next === "'") return { offset, message: 'invalid JSON: strings and property names need double quotes (")' };
      const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(offset))?.[0];
      if (word && /^\s*:/.test(text.slice(offset + word.length))) {
        return { offset, message: `invalid JSON: property name ${word} needs double quotes ("${word}")` };
      }
      if (word) return { offset, message: `invalid JSON: unexpected word ${word}: strings need double quotes, and true, false and null are lowercase` };
      break;
    }
    case 'InvalidEscapeCharacter':
    case 'InvalidUnicode':
    case 'InvalidCharacter': {
      // The parser places these at the start of the string; the culprit is further in.
      const culprit = stringProblem(text, offset);
      if (culprit) return culprit;
      break;
    }
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfString':
      return { offset, message: `invalid JSON: ${SYNTAX_MESSAGES[code]}` };
  }
  const snippet = near(text, offset);
  return { offset, message: `invalid JSON: ${SYNTAX_MESSAGES[code] ?? code}${snippet ? ` near ${JSON.stringify(snippet)}` : ' at the end of the file'}` };
}

const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const CONTROL_NAMES: Record<string, string> = { '\t': 'tab', '\r': 'carriage return', '\b': 'backspace', '\f': 'form feed' };

/** The first bad escape or raw control character of the string starting at `open`. */
function stringProblem(text: string, open: number): SyntaxProblem | undefined {
  for (let i = open + 1; i < text.length && text[i] !== '"'; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      const escape = text[i + 1] ?? '';
      if (escape === 'u' && !/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
        return { offset: i, message: 'invalid JSON: "\\u" must be followed by four hexadecimal digits' };
      }
      if (escape !== 'u' && !ESCAPES.has(escape)) {
        return { offset: i, message: `invalid JSON: invalid escape "\\${escape}" in string (write a backslash as "\\\\")` };
      }
      i++;
    } else if (ch < ' ') {
      const name = CONTROL_NAMES[ch] ?? `control character U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      const escape = JSON.stringify(ch).slice(1, -1);
      return { offset: i, message: `invalid JSON: a ${name} inside a string must be written as ${escape}` };
    }
  }
  return undefined;
}

function near(text: string, offset: number): string {
  return text.slice(offset, offset + 12).split('\n')[0]!;
}

/** Index of the last character before `offset` that is not white space; -1 when there is none. */
function lastNonSpace(text: string, offset: number): number {
  let i = offset - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  return i;
}
