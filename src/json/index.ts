// Reading JSON text safely: UTF-8 only, and a bounded depth. Pure functions; the callers do the I/O.
export { decodeUtf8, findInvalidUtf8Offset, locateByteOffset, startsWithUtf8Bom, type TextLocation } from './utf8.js';
export { findTooDeepOffsetInText, findTooDeepPointerInValue, MAX_JSON_DEPTH, tooDeepMessage } from './json-depth.js';
export { decodeJsonText, locateTextOffset } from './json-text.js';
export { JsonTextError } from '../errors/json-text-error.js';
export { InvalidUtf8Error, JSON_INVALID_UTF8 } from '../errors/invalid-utf8-error.js';
export { JsonTooDeepError, JSON_TOO_DEEP } from '../errors/json-too-deep-error.js';
