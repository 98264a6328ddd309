/**
 * How deep arrays and objects may nest in any JSON Staffwire reads: flow files, run inputs, the
 * configuration, vendor answers. The outermost array or object is level 1, so `[[]]` is 2 deep
 * and a scalar 0. Deeper than this, recursive code (the JSON-with-locations parser, schema
 * validation, JSON.stringify) would run out of stack; no real HR record comes close.
 */
export const MAX_JSON_DEPTH = 1000;

/** What a user is told, after the place: `input.json:1:1001  nested deeper than 1000 levels (…)`. */
export function tooDeepMessage(limit = MAX_JSON_DEPTH): string {
  return `nested deeper than ${limit} levels (the limit for any JSON Staffwire reads)`;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const STAR = 0x2a;
const LF = 0x0a;
const CR = 0x0d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Offset (an index into `text`) of the `[` or `{` that opens level `limit + 1`, or undefined when
 * the text nests no deeper than `limit`. Scans without parsing, in one loop, so a text of any
 * depth is safe to check before a recursive parser sees it; the text need not be valid JSON.
 * Brackets inside strings do not count (a `\"` does not end a string), nor inside comments, which
 * the parser skips too. A string also ends at a line break, where the parser gives up on it, so
 * that one stray quote cannot hide the brackets of the lines after it.
 */
export function findTooDeepOffsetInText(text: string, limit = MAX_JSON_DEPTH): number | undefined {
  const n = text.length;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > limit) return i;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      if (depth > 0) depth--;
    } else if (c === QUOTE) {
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === QUOTE || s === LF || s === CR) break;
        if (s === BACKSLASH) i++;
      }
    } else if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      while (i < n && text.charCodeAt(i) !== LF && text.charCodeAt(i) !== CR) i++;
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 1;
    }
  }
  return undefined;
}

/** A pointer is shortened to this many segments at each end, around the elided middle. */
const POINTER_ENDS = 4;
/** A property name longer than this is cut, for display. */
const SEGMENT_MAX = 40;

/**
 * JSON pointer of the first array or object, in document order, at level `limit + 1` of `value`,
 * or undefined when `value` nests no deeper than `limit` (levels as for MAX_JSON_DEPTH). Walks
 * with its own stack, never recursion, so a value 100,000 deep (or a cyclic one) cannot overflow
 * the call stack. The pointer is for a message: past eight segments its middle is elided as
 * `/…992 more…/`, and a property name past 40 characters is cut with "…".
 */
export function findTooDeepPointerInValue(value: unknown, limit = MAX_JSON_DEPTH): string | undefined {
  if (!isContainer(value)) return undefined;
  if (limit < 1) return '';
  const frames: Frame[] = [frameOf(value)];
  while (frames.length > 0) {
    const top = frames[frames.length - 1]!;
    if (top.next === top.size) {
      frames.pop();
      continue;
    }
    const child = top.keys ? (top.container as Record<string, unknown>)[top.keys[top.next]!] : (top.container as unknown[])[top.next];
    top.next++;
    if (!isContainer(child)) continue;
    if (frames.length >= limit) return displayPointer(frames.map(segmentOf));
    frames.push(frameOf(child));
  }
  return undefined;
}

/** An array or object being walked: its keys (none for an array) and the next child to visit. */
interface Frame {
  container: object;
  keys: string[] | undefined;
  size: number;
  next: number;
}

function frameOf(container: object): Frame {
  if (Array.isArray(container)) return { container, keys: undefined, size: container.length, next: 0 };
  const keys = Object.keys(container);
  return { container, keys, size: keys.length, next: 0 };
}

/** The key of the child last visited in a frame. */
function segmentOf(frame: Frame): string {
  return frame.keys ? frame.keys[frame.next - 1]! : String(frame.next - 1);
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function displayPointer(segments: string[]): string {
  const shown = segments.length > 2 * POINTER_ENDS
    ? [...segments.slice(0, POINTER_ENDS).map(escapeSegment), `…${segments.length - 2 * POINTER_ENDS} more…`, ...segments.slice(-POINTER_ENDS).map(escapeSegment)]
    : segments.map(escapeSegment);
  return shown.map((s) => `/${s}`).join('');
}

function escapeSegment(segment: string): string {
  const escaped = segment.replaceAll('~', '~0').replaceAll('/', '~1');
  return escaped.length > SEGMENT_MAX ? `${escaped.slice(0, SEGMENT_MAX - 1)}…` : escaped;
}
