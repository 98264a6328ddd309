import { JsonTooDeepError } from '../errors/json-too-deep-error.js';
import { findTooDeepOffsetInText, MAX_JSON_DEPTH, tooDeepMessage } from './json-depth.js';
import { decodeUtf8, type TextLocation } from './utf8.js';

/**
 * The checks every JSON file a user gives Staffwire passes before it is parsed, in order: the
 * bytes are UTF-8 (a leading BOM is dropped), then the text nests no deeper than `limit`. Returns
 * the text to parse; throws InvalidUtf8Error or JsonTooDeepError (both JsonTextError) naming
 * `name` and the place.
 */
export function decodeJsonText(bytes: Uint8Array, name: string, limit = MAX_JSON_DEPTH): string {
  const text = decodeUtf8(bytes, name);
  const tooDeep = findTooDeepOffsetInText(text, limit);
  if (tooDeep !== undefined) throw new JsonTooDeepError(name, locateTextOffset(text, tooDeep), limit, tooDeepMessage(limit));
  return text;
}

/** 1-based line and column of an index into `text`, counted as JsonLocator counts them. */
export function locateTextOffset(text: string, offset: number): TextLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
